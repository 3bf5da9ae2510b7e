package ldapstore

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// TestSortedPages: a sorted result pages the same whichever way a page is
// found (first page, cursor, keys-only skip), both directions.
func TestSortedPages(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	ctx := context.Background()
	if !s.SortSupported(ctx) {
		t.Fatal("OpenLDAP (sssvlv) advertises Server Side Sorting; the store does not see it")
	}
	var want []string
	for i, n := range []int{7, 3, 9, 1, 5, 8, 2, 6, 4, 0} {
		uid := fmt.Sprintf("sorted%d", n)
		srv.MustAdd(t, "uid="+uid+","+srv.PeopleDN, map[string][]string{"objectClass": {"inetOrgPerson"}, "uid": {uid}, "cn": {uid}, "sn": {fmt.Sprint(i)}})
		want = append(want, uid)
	}
	slices.Sort(want)
	for _, reverse := range []bool{false, true} {
		exp := slices.Clone(want)
		if reverse {
			slices.Reverse(exp)
		}
		r := SearchRequest{BaseDN: srv.PeopleDN, Scope: ScopeSub, Filter: Substring("uid", "sorted", nil, ""), Attributes: []string{"uid"},
			Sort: []SortKey{{Attr: "uid", OrderingRule: "caseIgnoreOrderingMatch", Reverse: reverse}}}
		// Jumps (skips), then a sequential run (cursor), then back.
		for _, w := range [][2]int{{6, 3}, {2, 2}, {0, 3}, {3, 3}, {9, 5}, {4, 2}} {
			es, total, err := s.SearchPage(ctx, r, w[0], w[1])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.First("uid"))
			}
			end := min(w[0]+w[1], len(exp))
			if !slices.Equal(got, exp[w[0]:end]) || total != len(exp) {
				t.Errorf("reverse=%v offset %d limit %d: %v (total %d), want %v (total %d)", reverse, w[0], w[1], got, total, exp[w[0]:end], len(exp))
			}
		}
	}
}
