package ldapstore

import "context"

// Several search bases (users.baseDNs) are walked one after the other, in
// the configured order: an import's offset is a position in that
// concatenation. Each base is paged by SearchPage on its own, so a page
// costs what a page of one base costs (one cursor step), plus the counts of
// the bases before it, which SearchPage's count cache keeps for the walk.
// A sort applies within each base; the bases still follow one another.

// single is r for one of its bases.
func (r SearchRequest) single(base string) SearchRequest {
	r.BaseDN, r.Bases = base, nil
	return r
}

// searchBases runs Search under each base, honouring SizeLimit overall.
func (s *Store) searchBases(ctx context.Context, r SearchRequest) ([]*Entry, error) {
	var out []*Entry
	for _, b := range r.Bases {
		one := r.single(b)
		if r.SizeLimit > 0 {
			one.SizeLimit = r.SizeLimit - len(out)
		}
		es, err := s.Search(ctx, one)
		if Code(err) == CodeNoSuchObject {
			continue // a base that does not exist (yet) holds nothing
		}
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
		if r.SizeLimit > 0 && len(out) >= r.SizeLimit {
			return out[:r.SizeLimit], nil
		}
	}
	return out, nil
}

// searchPageBases serves [offset, offset+limit) of the concatenation of
// the bases' results; the total is the sum of the bases' totals. A base
// wholly before the window costs only its count (cached for the walk); the
// window's bases are paged by SearchPage, so a sequential import continues
// its cursor in whichever base it has reached.
func (s *Store) searchPageBases(ctx context.Context, r SearchRequest, offset, limit int) ([]*Entry, int, error) {
	var out []*Entry
	total := 0
	for _, b := range r.Bases {
		one := r.single(b)
		pos, need := offset+len(out), limit-len(out)
		n, err := s.baseCount(ctx, one, limit == 0)
		if err == nil && need > 0 && pos < total+n {
			var es []*Entry
			es, n, err = s.SearchPage(ctx, one, pos-total, need)
			out = append(out, es...)
		}
		if Code(err) == CodeNoSuchObject {
			continue // a base that does not exist (yet) holds nothing
		}
		if err != nil {
			return nil, 0, err
		}
		total += n
	}
	return out, total, nil
}

// baseCount is the number of entries one base holds for r, from the count
// cache unless fresh.
func (s *Store) baseCount(ctx context.Context, r SearchRequest, fresh bool) (int, error) {
	req, err := r.ldapRequest()
	if err != nil {
		return 0, wrapErr("search", r.BaseDN, err)
	}
	return s.count(ctx, req, fresh)
}
