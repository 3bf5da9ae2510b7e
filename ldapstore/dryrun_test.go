package ldapstore

import (
	"regexp"
	"testing"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// A dry-run add fills each id attribute as the directory would: a UUID
// string for entryUUID-like ids, 16 raw bytes for objectGUID. A UUID string
// in objectGUID rendered as an empty SCIM id under the Active Directory
// preset. Nothing reaches the directory (OpenLDAP here: the format is the
// scope's business, so no Samba is needed).
func TestDryRunIDFormats(t *testing.T) {
	srv := startServer(t)
	s, _ := openStore(t, srv, func(o *Options) { o.DryRun = true })
	tests := []struct {
		id      DryRunID
		wantLen int
	}{
		{DryRunID{Attr: "entryUUID", Format: IDString}, 36},
		{DryRunID{Attr: "objectGUID", Format: IDGUID}, 16},
	}
	for _, tt := range tests {
		t.Run(tt.id.Attr, func(t *testing.T) {
			ctx := WithDryRunScope(t.Context(), tt.id)
			dn := ChildDN("uid", "dry-"+tt.id.Attr, srv.PeopleDN)
			if err := s.Add(ctx, dn, person("dry")); err != nil {
				t.Fatal(err)
			}
			e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Attributes: []string{tt.id.Attr}})
			if err != nil || e == nil {
				t.Fatalf("reading the pretended entry back: %v, %v", e, err)
			}
			v := e.Get(tt.id.Attr)
			if len(v) != 1 || len(v[0]) != tt.wantLen {
				t.Fatalf("%s = %q, want one value of %d bytes", tt.id.Attr, v, tt.wantLen)
			}
			if id := tt.id.Format.Format(v[0]); !uuidRE.MatchString(id) {
				t.Errorf("SCIM id %q is not a random UUID", id)
			}
			if srv.Entry(t, dn) != nil {
				t.Error("the dry-run add reached the directory")
			}
		})
	}
}
