package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Virtual List View (draft-ietf-ldapext-ldapv3-vlv-09): the server sorts the
// result (VLV requires a Server Side Sorting control on the same search)
// and sends the window at a 1-based offset, with the size of the whole
// result. It is how a bridge instance without a cursor answers a page in
// the middle of a walk in O(page) entries read, not O(offset) (page.go).
//
// It is used on OpenLDAP only (the sssvlv overlay), where it keeps the
// walk's order: sssvlv builds its sorted list by inserting every entry of
// the backend's own search after those that compare equal, so with a sort
// key no entry has the list is exactly the backend's order (back-mdb:
// creation order), the order of a paged search. The key is entryDN: slapd
// computes it when it sends an entry, so the overlay, which sorts the
// entries before they are sent, never sees it. A walk the client sorted
// keeps its own sort keys, which both paths order identically (same
// overlay, same insertion). 389 DS and Active Directory also answer VLV, but
// in an order of their own for an unsorted walk, so they keep the
// keys-only skip. go-ldap (v3.4.15) has no VLV control; it is encoded here.
//
// sssvlv keeps a VLV search's sorted list on its connection until the
// connection closes (a context ID would continue it, as a snapshot), and
// it bounds them per connection and overall, so a VLV search runs on a
// connection that is closed after it.

const (
	vlvRequestOID  = "2.16.840.1.113730.3.4.9"
	vlvResponseOID = "2.16.840.1.113730.3.4.10"
)

// naturalOrder is the sort key that leaves an unsorted walk in the
// backend's order on OpenLDAP (see above); the ordering rule is only
// named because entryDN has none, it never compares a value.
var naturalOrder = SortKey{Attr: "entryDN", OrderingRule: "caseIgnoreOrderingMatch"}

// vlvControl is a VLV request by offset: after entries following the
// entry at offset (1-based), none before it. contentCount 0 asks the
// server to take offset as an exact position, not a proportion.
type vlvControl struct {
	offset, after int
}

func (c vlvControl) GetControlType() string { return vlvRequestOID }

func (c vlvControl) String() string {
	return fmt.Sprintf("Control Type: VLV (%q) Criticality: true Offset: %d After: %d", vlvRequestOID, c.offset, c.after)
}

// Encode is the Control SEQUENCE, critical: a server that cannot position
// the window must refuse rather than send the first entries.
func (c vlvControl) Encode() *ber.Packet {
	v := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "VirtualListViewRequest")
	v.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(0), "beforeCount"))
	v.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(c.after), "afterCount"))
	by := ber.Encode(ber.ClassContext, ber.TypeConstructed, 0, nil, "byOffset")
	by.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(c.offset), "offset"))
	by.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, int64(0), "contentCount"))
	v.AppendChild(by)

	p := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "Control")
	p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, vlvRequestOID, "Control Type"))
	p.AppendChild(ber.NewBoolean(ber.ClassUniversal, ber.TypePrimitive, ber.TagBoolean, true, "Criticality"))
	val := ber.Encode(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, nil, "Control Value")
	val.AppendChild(v)
	p.AppendChild(val)
	return p
}

// vlvResult is the VirtualListViewResponse: the target's position and the
// number of entries in the whole sorted result.
type vlvResult struct {
	target, count, code int
}

func decodeVLVResponse(controls []ldap.Control) (vlvResult, error) {
	c, _ := ldap.FindControl(controls, vlvResponseOID).(*ldap.ControlString)
	if c == nil {
		return vlvResult{}, errors.New("VLV: the server sent no VLV response control")
	}
	p, err := ber.DecodePacketErr([]byte(c.ControlValue))
	if err != nil {
		return vlvResult{}, fmt.Errorf("VLV response: %w", err)
	}
	if len(p.Children) < 3 {
		return vlvResult{}, errors.New("VLV response: not a SEQUENCE of position, count and result")
	}
	var out [3]int
	for i := range out {
		n, ok := p.Children[i].Value.(int64)
		if !ok {
			return vlvResult{}, fmt.Errorf("VLV response: element %d is not an integer", i)
		}
		out[i] = int(n)
	}
	return vlvResult{target: out[0], count: out[1], code: out[2]}, nil
}

// vlvSupported is whether walks may jump with VLV: OpenLDAP advertising
// the control (see above), unless Options.NoVLV.
func (s *Store) vlvSupported(ctx context.Context) bool {
	return s.rootDSEFlag(ctx, &s.vlv, s.opts.NoVLV || s.opts.Memory != nil, func(root *Entry) bool {
		return slices.Contains(root.Get("supportedControl"), vlvRequestOID) && DirectoryKind(root) == KindOpenLDAP
	})
}

// vlvSearch sends req (with its sort control, or naturalOrder) with a VLV
// request for the window [offset, offset+limit) (0-based; limit ≥ 1) on a
// connection of its own, closed afterwards. It returns the window's
// entries and the size of the whole result. An offset at or past the end
// is a VLV range error on OpenLDAP: the page is then empty and the size is
// counted as any other (see count).
func (s *Store) vlvSearch(ctx context.Context, req *ldap.SearchRequest, offset, limit int) (es []*ldap.Entry, total int, err error) {
	r := *req
	r.Controls = nil
	sorted := false
	for _, c := range req.Controls {
		switch c.(type) {
		case criticalSort:
			sorted = true
		case *ldap.ControlPaging:
			continue
		}
		r.Controls = append(r.Controls, c)
	}
	if !sorted {
		sc, err := sortControl([]SortKey{naturalOrder})
		if err != nil {
			return nil, 0, err
		}
		r.Controls = append(r.Controls, sc)
	}
	r.Controls = append(r.Controls, vlvControl{offset: offset + 1, after: limit - 1})

	var res *ldap.SearchResult
	err = func() (err error) {
		defer s.observe("search", time.Now(), &err)
		c, err := s.pool.get(ctx, false)
		if err != nil {
			return err
		}
		err = c.run(ctx, func(l *ldap.Conn) error {
			var err error
			res, err = l.Search(&r)
			return err
		})
		// The sorted list stays on the connection until it closes.
		c.l.Close()
		s.pool.put(nil, nil)
		return err
	}()
	if offset > 0 && ldap.IsErrorWithCode(err, ldap.LDAPResultVirtualListViewErrorOrControlError) {
		n, cerr := s.count(ctx, req, true)
		if cerr == nil && offset >= n {
			return nil, n, nil
		}
	}
	if err != nil {
		return nil, 0, wrapErr("search", req.BaseDN, err)
	}
	v, err := decodeVLVResponse(res.Controls)
	if err == nil && v.code != 0 {
		err = fmt.Errorf("VLV result %d", v.code)
	}
	if err != nil {
		return nil, 0, wrapErr("search", req.BaseDN, err)
	}
	return res.Entries, v.count, nil
}

// vlvCount is the number of entries req matches, from the VLV response of
// a one-entry window (keys only): the server counts, nothing is streamed.
func (s *Store) vlvCount(ctx context.Context, req *ldap.SearchRequest) (int, error) {
	kreq := *req
	kreq.Attributes = []string{"1.1"}
	_, n, err := s.vlvSearch(ctx, &kreq, 0, 1)
	return n, err
}
