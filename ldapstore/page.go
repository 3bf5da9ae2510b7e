package ldapstore

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// How SearchPage finds the page at [offset, offset+limit) of a result, in
// the server's own order (back-mdb: entry-id order, so entries added during
// a walk come at its end):
//
//  1. A cursor of this request positioned at offset, or at most
//     cursorMaxSkip entries before it, continues: one page read per SCIM
//     page, whatever the offset. This is the sequential import.
//  2. Otherwise, at offset 0, the first page is read on a pooled connection.
//     A result that fits (a userName eq lookup) ends there; a longer one
//     keeps the connection as a new cursor.
//  3. Otherwise (another bridge instance served the previous page, the
//     cursor expired, the client jumped, the bridge was started mid-walk):
//     a. On OpenLDAP (sssvlv), a Virtual List View search sends exactly
//     the window, with the size of the whole result (vlv.go): the page
//     reads O(page) entries whatever its offset; slapd sorts the result in
//     memory for it (the sort keeps the order of step 1, see vlv.go).
//     A keys-only cursor is then brought to the end of the window in the
//     background (catchUp), so that the next page on this instance
//     continues in step 1.
//     b. Elsewhere (389 DS and AD answer VLV in an order of their own), or
//     when the VLV search fails, a keys-only paged search ("1.1": DNs,
//     which decode several times faster than entries) skips offset
//     entries and collects the window's DNs; the entries are then read by
//     DN, and the keys-only search stays open as a cursor.
//
// Every path walks the same search (base, scope, filter) in the same
// server order, so they agree on which entry is at which offset, and a
// cursor, a VLV page and a skip may take turns within one walk, also
// across bridge instances. Entries added during a walk appear at its end.
// A cursor holds no entry between two requests (it reads exactly the page
// asked for), and a VLV search sorts the result as it is at that request,
// so a page is never older than its request, deleted entries drop out, and
// one instance's walk returns every unchanged entry exactly once.
//
// Offsets are counts of entries passed, so they stay shared between
// cursors and skips only while deletions leave those counts equal: a
// deletion ahead of every cursor of the walk, or behind all of them, is
// harmless. A skip or a VLV page counts the directory as it is now (a
// cursor catching up after a VLV page, as it passes), so after deletions
// behind the client's position it misses as many entries as were deleted
// there (a cursor that passed them still counts them). Likewise, an entry
// deleted after one instance served it but before another instance's
// cursor passed it shifts that cursor by one against the first for the
// rest of the walk: at each change of instance an entry is then repeated
// or skipped. Sticky routing (or one instance) avoids it; the next import
// sees every entry again.
//
// totalResults is counted when a walk starts, or when a skip has no
// cursor to inherit it from (on OpenLDAP by the server: the size a
// one-entry VLV search reports, and a VLV page brings its own; elsewhere
// with a keys-only search that streams every DN), and reused by every
// page of that walk; counts are also kept for CursorIdle per (base, scope, filter).
// So it can be that old: entries added meanwhile are still returned. A
// count no higher than what the walk has yielded while the server still
// holds the search open (entries were added, or the page ended on the
// last entry and the server sent a cookie anyway, as Samba does) is taken
// again, so the total is exact then too; and the last page of a walk
// reports the exact number it yielded. A count stopped by a directory
// limit (389 DS's look-through limit) fails the page, with the limit named.

// cursorMaxSkip is how far a cursor may read ahead (and drop) to reach the
// requested offset, rather than the page being found by a keys-only skip:
// two bridge instances taking turns leave gaps of one page, ten of nine.
const cursorMaxSkip = 1000

// baseReadsInFlight bounds the pipelined base reads of a keys-only page.
const baseReadsInFlight = 16

// pageKey identifies a walk: requests with the same key have the same
// entries in the same order.
func pageKey(req *ldap.SearchRequest) string {
	return countKey(req) + "\x00" + strings.Join(req.Attributes, "\x00") + "\x00" + sortKey(req)
}

func countKey(req *ldap.SearchRequest) string {
	return req.BaseDN + "\x00" + strconv.Itoa(req.Scope) + "\x00" + req.Filter
}

// SearchPage returns the entries at positions [offset, offset+limit) of the
// result (0-based, in server order) and the total number of matches; limit
// 0 returns only the total. Memory is bounded by limit plus one page. See
// the comment at the top of page.go for how pages are found and how fresh
// the total is.
func (s *Store) SearchPage(ctx context.Context, r SearchRequest, offset, limit int) ([]*Entry, int, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, wrapErr("search", r.BaseDN, errors.New("negative offset or limit"))
	}
	if es, ok, err := s.memoryRead(ctx, r); ok {
		return memoryPage(es, offset, limit, err)
	}
	if len(r.Bases) > 1 {
		return s.searchPageBases(ctx, r, offset, limit)
	}
	if len(r.Sort) == 1 && r.Sort[0].Reverse && s.reverseIgnored(ctx) {
		return s.reversedPage(ctx, r, offset, limit)
	}
	req, err := r.ldapRequest()
	if err != nil {
		return nil, 0, wrapErr("search", r.BaseDN, err)
	}
	if limit == 0 {
		n, err := s.count(ctx, req, true)
		return nil, n, err
	}
	key := pageKey(req)
	if cu := s.pg.cursors.take(key, offset, cursorMaxSkip); cu != nil {
		es, total, err := s.fromCursor(ctx, cu, offset, limit)
		if err == nil || ctx.Err() != nil {
			return es, total, err
		}
		// The cursor's connection or cookie went stale (the server
		// restarted, or dropped the paged state): find the page afresh.
		s.log.Debug("ldap: paging cursor failed, skipping to the page instead", "offset", offset, "err", err)
	}
	if offset == 0 {
		return s.firstPage(ctx, req, key, limit)
	}
	return s.skipToPage(ctx, req, key, offset, limit)
}

// fromCursor serves a page from a cursor taken from the cache and puts it
// back (or closes it at the end of the result).
func (s *Store) fromCursor(ctx context.Context, cu *cursor, offset, limit int) ([]*Entry, int, error) {
	if gap := offset - cu.pos; gap > 0 && len(cu.buf) == 0 && !cu.done {
		// The entries to drop and the page in one request (exactly those:
		// nothing is left over, see next).
		cu.size = uint32(min(gap+limit, pageSize))
		if err := cu.fetch(ctx, s); err != nil {
			s.pg.cursors.drop(cu)
			return nil, 0, err
		}
	}
	if _, err := cu.next(ctx, s, offset-cu.pos, false); err != nil {
		s.pg.cursors.drop(cu)
		return nil, 0, err
	}
	les, err := cu.next(ctx, s, limit, true)
	if err != nil {
		s.pg.cursors.drop(cu)
		return nil, 0, err
	}
	var es []*Entry
	if cu.keysOnly {
		es, err = s.readWindow(ctx, cu, les)
	} else {
		es = toEntries(les)
	}
	total := 0
	if err == nil {
		total, err = s.walkTotal(ctx, cu)
	}
	s.pg.cursors.put(cu)
	if err != nil {
		return nil, 0, err
	}
	return es, total, nil
}

// walkTotal is the totalResults to report after a cursor yielded a page:
// exact at the end of the walk; otherwise the count taken when it started,
// unless that count says the walk is over while the server has not said so
// (see owed).
func (s *Store) walkTotal(ctx context.Context, cu *cursor) (int, error) {
	if cu.exhausted() {
		s.pg.counts.put(countKey(cu.req), cu.pos)
		return cu.pos, nil
	}
	return s.owed(ctx, cu, cu.total, nil)
}

// owed is the totalResults of a page after which the cursor cu has not
// ended, given the count n (or the error counting failed with). A count
// above what the cursor has yielded is reported as it is. A count that is
// not (entries were added since it was taken, or the page ended exactly on
// the last entry and the server still sent a paging cookie, as Samba
// does) is taken again, fresh: it is then exact, and a client told
// totalResults = what it has seen stops, rightly, while entries added
// since are counted. Only when counting fails is one more than yielded
// reported, so that the client asks for the next page. A count stopped by
// a directory limit fails the page: the walk would stop at that limit
// too, and the error says which limit to lift.
func (s *Store) owed(ctx context.Context, cu *cursor, n int, err error) (int, error) {
	yielded := cu.pos + len(cu.buf)
	if err == nil && n <= yielded {
		n, err = s.count(ctx, cu.req, true)
	}
	if err != nil {
		if _, limit := DirectoryLimit(err); limit {
			return 0, err
		}
		// The page is good and a total is owed: report what is known,
		// which keeps the client paging.
		s.log.Warn("ldap: counting the result failed", "base", cu.req.BaseDN, "err", err)
		return cu.pos + max(len(cu.buf), 1), nil
	}
	cu.total = n
	return max(n, yielded), nil
}

// firstPage reads the page at offset 0 on a pooled connection. When more
// entries follow, the connection becomes a cursor for the next page (if a
// cursor is free) and the total is counted.
func (s *Store) firstPage(ctx context.Context, req *ldap.SearchRequest, key string, limit int) ([]*Entry, int, error) {
	// Exactly the client's page: a result that fits (a userName eq
	// lookup) ends with the first request, since slapd sends no cookie
	// when nothing more matched; reading one entry more would leave it
	// held, stale, for the next page (see next).
	cu, err := s.openCursor(ctx, req, key, false, limit)
	if err != nil {
		return nil, 0, err
	}
	les, err := cu.next(ctx, s, limit, true)
	if err != nil {
		cu.close()
		return nil, 0, err
	}
	es := toEntries(les)
	if cu.exhausted() {
		cu.close()
		return es, len(es), nil
	}
	total, err := s.adopt(ctx, cu)
	if err != nil {
		return nil, 0, err
	}
	return es, total, nil
}

// skipToPage finds the page at offset > 0 without a cursor: with VLV where
// the directory allows it (vlv.go), else with a keys-only search whose
// window is read by DN and which is kept as a cursor.
func (s *Store) skipToPage(ctx context.Context, req *ldap.SearchRequest, key string, offset, limit int) ([]*Entry, int, error) {
	if s.vlvSupported(ctx) {
		les, total, err := s.vlvSearch(ctx, req, offset, limit)
		if err == nil {
			if offset+len(les) < total {
				s.catchUp(req, key, offset+len(les), total)
			}
			return toEntries(les), total, nil
		}
		if ctx.Err() != nil {
			return nil, 0, err
		}
		s.log.Debug("ldap: VLV page failed, counting to the page instead", "offset", offset, "err", err)
	}
	kreq := *req
	kreq.Attributes = []string{"1.1"}
	cu, err := s.openCursor(ctx, &kreq, key, true, offset+limit)
	if err != nil {
		return nil, 0, err
	}
	cu.attrs = req.Attributes
	les, err := cu.next(ctx, s, offset, false)
	if err == nil {
		les, err = cu.next(ctx, s, limit, true)
	}
	var es []*Entry
	if err == nil {
		es, err = s.readWindow(ctx, cu, les)
	}
	switch {
	case err != nil:
		cu.close()
		return nil, 0, err
	case cu.exhausted():
		cu.close()
		s.pg.counts.put(countKey(req), cu.pos)
		return es, cu.pos, nil
	}
	total, err := s.adopt(ctx, cu)
	if err != nil {
		return nil, 0, err
	}
	return es, total, nil
}

// openCursor starts a paged search on a pooled connection and reads its
// first page (of size entries). The connection leaves the pool with the
// cursor, which the caller passes to adopt or closes; a search that ended
// on its first page gives the connection back at once.
func (s *Store) openCursor(ctx context.Context, req *ldap.SearchRequest, key string, keysOnly bool, size int) (*cursor, error) {
	fresh := false
	for {
		c, err := s.pool.get(ctx, fresh)
		if err != nil {
			return nil, wrapErr("search", req.BaseDN, err)
		}
		r := *req
		cu := &cursor{key: key, req: &r, keysOnly: keysOnly, c: c, size: uint32(max(1, min(size, pageSize)))}
		cu.paging = ldap.NewControlPaging(cu.size)
		r.Controls = withPaging(req.Controls, cu.paging)
		err = cu.fetch(ctx, s)
		switch {
		case err == nil && cu.done:
			s.pool.put(c, nil)
			cu.c = nil
			return cu, nil
		case err == nil:
			s.pool.put(nil, nil) // the slot is free; the connection is the cursor's
			return cu, nil
		}
		s.pool.put(c, err)
		if !fresh && mayRetry(ctx, c, err, false) {
			fresh = true // once, on a new connection, as Store.do retries
			continue
		}
		return nil, err
	}
}

// adopt keeps a cursor that has more to yield for the next page, if the
// cache has room, and returns the walk's total (see owed).
func (s *Store) adopt(ctx context.Context, cu *cursor) (int, error) {
	n, err := s.count(ctx, cu.req, false)
	total, err := s.owed(ctx, cu, n, err)
	if err != nil {
		abandonCursor(cu)
		return 0, err
	}
	if s.pg.cursors.reserve() {
		s.pg.cursors.put(cu)
	} else {
		abandonCursor(cu)
	}
	return total, nil
}

// catchUp brings a live cursor of the walk to pos in the background, after
// a page was answered with VLV: that page cost O(page) entries, but each
// VLV search is a fresh sort of the result as it is now, while a cursor
// counts the entries it passed, as the cursors of the other instances of
// the walk do; so from its next page on this instance continues a cursor
// again (cheaper too: no sort). It reads keys only, pageSize at a time, and
// gives up when no cursor is free or after CursorIdle. Pages asked for
// before it is done are answered with VLV again.
func (s *Store) catchUp(req *ldap.SearchRequest, key string, pos, total int) {
	if !s.pg.cursors.reserve() {
		return
	}
	s.pg.bg.Add(1)
	go func() {
		defer s.pg.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.CursorIdle)
		defer cancel()
		go func() { // Close ends it
			select {
			case <-s.pool.done:
				cancel()
			case <-ctx.Done():
			}
		}()
		kreq := *req
		kreq.Attributes = []string{"1.1"}
		cu, err := s.openCursor(ctx, &kreq, key, true, min(pos, pageSize))
		if err != nil {
			s.pg.cursors.release()
			s.log.Debug("ldap: paging cursor catch-up failed", "err", err)
			return
		}
		cu.attrs, cu.total = req.Attributes, total
		if _, err := cu.next(ctx, s, pos, false); err != nil {
			s.pg.cursors.drop(cu)
			s.log.Debug("ldap: paging cursor catch-up failed", "err", err)
			return
		}
		s.pg.cursors.put(cu)
	}()
}

// abandonCursor ends a paged search nobody will continue (abandon);
// closing the connection does the same for servers that ignore that.
func abandonCursor(cu *cursor) {
	if cu.c != nil {
		_ = abandon(cu.c.l, cu.req, cu.paging, cu.paging.Cookie)
	}
	cu.close()
}

// readWindow reads the entries of a keys-only page by DN, with the walk's
// filter and attributes, pipelined on one pooled connection. An entry that
// was deleted or no longer matches since its DN was listed is left out.
func (s *Store) readWindow(ctx context.Context, cu *cursor, keys []*ldap.Entry) ([]*Entry, error) {
	req := cu.req
	if len(keys) == 0 {
		return nil, nil
	}
	got := make([]*ldap.Entry, len(keys))
	err := s.read(ctx, "search", req.BaseDN, func(l *ldap.Conn) error {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
			slots = make(chan struct{}, baseReadsInFlight)
		)
		for i, k := range keys {
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				one := ldap.NewSearchRequest(k.DN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, req.Filter, cu.attrs, nil)
				res, err := l.Search(one)
				switch {
				case err == nil && len(res.Entries) == 1:
					got[i] = res.Entries[0]
				case err == nil || ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
				default:
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return first
	})
	if err != nil {
		return nil, err
	}
	out := make([]*Entry, 0, len(got))
	for _, e := range got {
		if e != nil {
			out = append(out, toEntry(e))
		}
	}
	return out, nil
}

// pager is the Store's paging state.
type pager struct {
	cursors *cursorCache // nil when Options.Cursors < 0
	counts  countCache
	bg      sync.WaitGroup // catchUp goroutines; Close waits for them
}

func (s *Store) initPager() {
	s.pg.cursors = newCursorCache(s.opts.Cursors, s.opts.CursorIdle)
	s.pg.counts.ttl = s.opts.CursorIdle
}

func toEntries(les []*ldap.Entry) []*Entry {
	out := make([]*Entry, len(les))
	for i, e := range les {
		out[i] = toEntry(e)
	}
	return out
}

// count returns the number of entries the request matches, from the count
// cache when it is younger than CursorIdle (unless fresh), else with a
// keys-only paged search.
func (s *Store) count(ctx context.Context, req *ldap.SearchRequest, fresh bool) (int, error) {
	k := countKey(req)
	if n, ok := s.pg.counts.get(k); ok && !fresh {
		return n, nil
	}
	kreq := *req
	kreq.Attributes = []string{"1.1"}
	kreq.Controls = nil // the count does not depend on the order
	if s.vlvSupported(ctx) {
		// The server counts; only one DN comes back.
		n, err := s.vlvCount(ctx, &kreq)
		if err == nil {
			s.pg.counts.put(k, n)
			return n, nil
		}
		if ctx.Err() != nil {
			return 0, err
		}
		s.log.Debug("ldap: counting with VLV failed, counting entries instead", "base", req.BaseDN, "err", err)
	}
	n := 0
	err := s.read(ctx, "search", req.BaseDN, func(l *ldap.Conn) error {
		n = 0
		return scan(l, &kreq, pageSize, func(*ldap.Entry) bool { n++; return true })
	})
	if err != nil {
		return 0, err
	}
	s.pg.counts.put(k, n)
	return n, nil
}

// countCache keeps recent totals per (base, scope, filter).
type countCache struct {
	ttl time.Duration

	mu sync.Mutex
	m  map[string]countEntry
}

type countEntry struct {
	n  int
	at time.Time
}

// countCacheMax bounds the cache: list filters with many distinct values
// (userName eq …) are never counted, since their first page holds them all.
const countCacheMax = 256

func (cc *countCache) get(k string) (int, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[k]
	if !ok || time.Since(e.at) > cc.ttl {
		return 0, false
	}
	return e.n, true
}

func (cc *countCache) put(k string, n int) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= countCacheMax {
		cc.m = map[string]countEntry{}
	}
	cc.m[k] = countEntry{n: n, at: time.Now()}
}
