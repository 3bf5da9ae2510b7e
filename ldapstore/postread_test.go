package ldapstore

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// opCounter counts the operations a Store sends, through its observer.
type opCounter struct {
	mu  sync.Mutex
	ops []string
}

func (c *opCounter) observe(op string, _ time.Duration, _ error) {
	if op == "connect" { // how many connections the pool dials is not the point
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = append(c.ops, op)
}

func (c *opCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.ops
	c.ops = nil
	return out
}

// ModifyRead must answer with the entry as the modify left it, in the
// modify's own round trip when slapd offers Post-Read and with a read back
// when it is switched off; both answers must be the same entry.
func TestModifyRead(t *testing.T) {
	srv := startServer(t)
	for _, tc := range []struct {
		name   string
		noPost bool
		want   []string // operations sent by one ModifyRead
	}{
		{"post-read", false, []string{"modify"}},
		{"read back", true, []string{"modify", "search"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t, srv, func(o *Options) { o.NoPostRead = tc.noPost })
			ctx := t.Context()
			ops := &opCounter{}
			s.SetObserver(ops.observe)
			dn := ChildDN("uid", "pr-"+strings.ReplaceAll(tc.name, " ", ""), srv.PeopleDN)
			if err := s.Add(ctx, dn, person("x", "description", "one")); err != nil {
				t.Fatal(err)
			}
			attrs := []string{"uid", "description", "mail", "entryUUID", "createTimestamp", "modifyTimestamp"}
			// The first write reads the root DSE; count from the second.
			if _, err := s.ModifyRead(ctx, dn, []Change{{Op: ChangeAdd, Attr: "description", Values: []string{"warm"}}}, attrs); err != nil {
				t.Fatal(err)
			}
			ops.take()
			e, err := s.ModifyRead(ctx, dn, []Change{
				{Op: ChangeReplace, Attr: "mail", Values: []string{"a@example.com"}},
				{Op: ChangeDelete, Attr: "description", Values: []string{"one"}},
			}, attrs)
			if err != nil {
				t.Fatalf("ModifyRead: %v", err)
			}
			if got := ops.take(); !slices.Equal(got, tc.want) {
				t.Errorf("operations sent = %v, want %v", got, tc.want)
			}
			want, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: attrs})
			if err != nil || want == nil {
				t.Fatalf("read: %v %v", want, err)
			}
			if !EqualDN(e.DN, dn) || !maps.EqualFunc(e.Attrs, want.Attrs, slices.Equal) {
				t.Errorf("ModifyRead entry\n%v %v\nsearch\n%v %v", e.DN, e.Attrs, want.DN, want.Attrs)
			}
			if e.First("mail") != "a@example.com" || !slices.Equal(e.Get("description"), []string{"warm"}) || len(e.First("entryUUID")) != 36 {
				t.Errorf("entry = %v", e.Attrs)
			}

			// No changes: no modify, only the read.
			ops.take()
			if _, err := s.ModifyRead(ctx, dn, nil, attrs); err != nil {
				t.Fatal(err)
			}
			if got := ops.take(); !slices.Equal(got, []string{"search"}) {
				t.Errorf("empty ModifyRead sent %v", got)
			}
			// A failed modify reports the directory's error and reads nothing.
			_, err = s.ModifyRead(ctx, ChildDN("uid", "nobody", srv.PeopleDN), []Change{{Op: ChangeReplace, Attr: "mail", Values: []string{"x"}}}, attrs)
			if Code(err) != CodeNoSuchObject {
				t.Errorf("ModifyRead of a missing entry: %v", err)
			}
			if got := ops.take(); !slices.Equal(got, []string{"modify"}) {
				t.Errorf("failed ModifyRead sent %v", got)
			}
		})
	}
}

// AddRead answers with the new entry, including what the server adds.
func TestAddRead(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv)
	dn := ChildDN("uid", "added", srv.PeopleDN)
	e, err := s.AddRead(t.Context(), dn, person("added", "mail", "m@example.com"), []string{"uid", "mail", "entryUUID", "createTimestamp"})
	if err != nil {
		t.Fatal(err)
	}
	if !EqualDN(e.DN, dn) || e.First("mail") != "m@example.com" || len(e.First("entryuuid")) != 36 || e.First("createTimestamp") == "" || e.Get("cn") != nil {
		t.Errorf("entry = %v %v", e.DN, e.Attrs)
	}
	if _, err := s.AddRead(t.Context(), dn, person("added"), nil); Code(err) != CodeEntryAlreadyExists {
		t.Errorf("second AddRead: %v", err)
	}
}

// A dry run sends no modify and answers from its scope.
func TestModifyReadDryRun(t *testing.T) {
	srv := startServer(t)
	dn := ChildDN("uid", "dry", srv.PeopleDN)
	w, _ := openStore(t, srv)
	if err := w.Add(t.Context(), dn, person("dry")); err != nil {
		t.Fatal(err)
	}
	s, _ := openStore(t, srv, func(o *Options) { o.DryRun = true })
	ctx := WithDryRunScope(t.Context())
	e, err := s.ModifyRead(ctx, dn, []Change{{Op: ChangeReplace, Attr: "mail", Values: []string{"dry@example.com"}}}, []string{"mail"})
	if err != nil {
		t.Fatal(err)
	}
	if e.First("mail") != "dry@example.com" {
		t.Errorf("dry-run entry = %v", e.Attrs)
	}
	if got := srv.Entry(t, dn); got["mail"] != nil {
		t.Errorf("dry run wrote: %v", got)
	}
}

func TestDecodeSearchResultEntry(t *testing.T) {
	guid := string([]byte{0x00, 0xff, 0x10, 0x80, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0})
	entry := func(tag ber.Tag, class ber.Class) []byte {
		p := ber.Encode(class, ber.TypeConstructed, tag, nil, "entry")
		p.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "CN=x,DC=example", "dn"))
		as := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attrs")
		for _, a := range [][]string{{"objectGUID", guid}, {"Description", "a", "b"}} {
			ap := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "attr")
			ap.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a[0], "type"))
			vs := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSet, nil, "vals")
			for _, v := range a[1:] {
				vs.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, v, "val"))
			}
			ap.AppendChild(vs)
			as.AppendChild(ap)
		}
		p.AppendChild(as)
		return p.Bytes()
	}
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"SEQUENCE", entry(ber.TagSequence, ber.ClassUniversal), true},
		{"APPLICATION 4", entry(ldap.ApplicationSearchResultEntry, ber.ClassApplication), true},
		{"truncated", entry(ber.TagSequence, ber.ClassUniversal)[:20], false},
		{"not constructed", ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "x", "").Bytes(), false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := decodeSearchResultEntry(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok {
				return
			}
			if e.DN != "CN=x,DC=example" || e.First("objectguid") != guid || !slices.Equal(e.Get("description"), []string{"a", "b"}) {
				t.Errorf("entry = %q %q", e.DN, e.Attrs)
			}
		})
	}
}

func TestPostReadControlValue(t *testing.T) {
	c, err := postReadControl([]string{"uid", "entryUUID"})
	if err != nil {
		t.Fatal(err)
	}
	cs := c.(*ldap.ControlString)
	if cs.Criticality || cs.ControlType != postReadOID {
		t.Errorf("control = %+v", cs)
	}
	p, err := ber.DecodePacketErr([]byte(cs.ControlValue))
	if err != nil || p.Tag != ber.TagSequence || len(p.Children) != 2 || p.Children[1].Value != "entryUUID" {
		t.Errorf("value = %v %v", p, err)
	}
	if _, err := postReadControl([]string{"bad attr"}); err == nil {
		t.Error("invalid attribute name accepted")
	}
}

// Whether the Post-Read control is used follows each directory's root DSE,
// and either way ModifyRead answers with what a search reads afterwards,
// binary values (objectGUID) included.
func TestModifyReadDirectories(t *testing.T) {
	for _, tc := range []struct {
		kind  testldap.Kind
		entry func(dn string) (string, map[string][]string)
		attrs []string
		want  []string // operations sent by one ModifyRead
	}{
		{testldap.OpenLDAP, func(people string) (string, map[string][]string) {
			return ChildDN("uid", "pr", people), person("pr")
		}, []string{"uid", "description", "entryUUID", "modifyTimestamp"}, []string{"modify"}},
		{testldap.DS389, func(people string) (string, map[string][]string) {
			return ChildDN("uid", "pr", people), person("pr")
		}, []string{"uid", "description", "nsUniqueId", "modifyTimestamp"}, []string{"modify"}},
		{testldap.SambaAD, func(people string) (string, map[string][]string) {
			return ChildDN("CN", "pr", people), map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"pr"}}
		}, []string{"sAMAccountName", "description", "objectGUID", "whenChanged"}, []string{"modify", "search"}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			srv := testldap.Start(t, testldap.Options{Kind: tc.kind})
			s, _ := openStore(t, srv)
			ctx := t.Context()
			ops := &opCounter{}
			s.SetObserver(ops.observe)
			dn, attrs := tc.entry(srv.PeopleDN)
			if err := s.Add(ctx, dn, attrs); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ModifyRead(ctx, dn, []Change{{Op: ChangeReplace, Attr: "description", Values: []string{"warm"}}}, tc.attrs); err != nil {
				t.Fatal(err)
			}
			ops.take()
			e, err := s.ModifyRead(ctx, dn, []Change{{Op: ChangeReplace, Attr: "description", Values: []string{"two"}}}, tc.attrs)
			if err != nil {
				t.Fatalf("ModifyRead: %v", err)
			}
			if got := ops.take(); !slices.Equal(got, tc.want) {
				t.Errorf("operations sent = %v, want %v", got, tc.want)
			}
			want, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: tc.attrs})
			if err != nil || want == nil {
				t.Fatalf("read: %v %v", want, err)
			}
			if !EqualDN(e.DN, want.DN) || !maps.EqualFunc(e.Attrs, want.Attrs, slices.Equal) || e.First("description") != "two" {
				t.Errorf("ModifyRead entry\n%v %q\nsearch\n%v %q", e.DN, e.Attrs, want.DN, want.Attrs)
			}
		})
	}
}
