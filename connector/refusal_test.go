package connector

import (
	"strings"
	"testing"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// The directory's words as Samba and 389 DS send them (measured on the
// test beds, see dirnames_test.go) become a detail that names the
// attribute and keeps the reason, without DNs or the password.
func TestRefusalDetail(t *testing.T) {
	const pw = "S3cret-Pässword"
	tests := []struct {
		name       string
		code       int
		diag       string
		written    map[string][]string
		status     int
		want, not  []string
		notRefusal bool
	}{
		{name: "samba slash", code: 19, diag: "0000202F: samldb: sAMAccountName contains invalid '/' character\n",
			written: map[string][]string{"sAMAccountName": {"a/b"}, "givenName": {"A"}, "unicodePwd": {pw}}, status: 400,
			want: []string{"The directory refused the value of sAMAccountName: sAMAccountName contains invalid '/' character."}},
		{name: "samba cn with entry", code: 21,
			diag:    "0000200B: objectclass_attrs: attribute 'cn' on entry 'CN=gg,OU=Groups,DC=example,DC=com' contains at least one invalid value!",
			written: map[string][]string{"cn": {"gg"}, "groupType": {"-2147483646"}}, status: 400,
			want: []string{"of cn", "contains at least one invalid value."}, not: []string{"DC=", "on entry"}},
		{name: "389 7-bit quotes the value", code: 19, diag: "The value is not 7-bit clean: ü-ñ",
			written: map[string][]string{"uid": {"ü-ñ"}, "mail": {"u@example.com"}, "cn": {"U N"}}, status: 400,
			want: []string{"of uid: The value is not 7-bit clean: ü-ñ."}},
		{name: "password quoted", code: 19, diag: "The value is not 7-bit clean: " + pw,
			written: map[string][]string{"userPassword": {pw}, "uid": {"x"}}, status: 400,
			want: []string{"The directory refused the password: The value is not 7-bit clean: (password)."}, not: []string{pw, "userPassword", "uid"}},
		{name: "member DN", code: 19, diag: "member 'CN=x,OU=People,DC=example,DC=com' refused",
			written: map[string][]string{"member": {"CN=x,OU=People,DC=example,DC=com"}}, status: 400,
			want: []string{"of member", "(an entry)"}, not: []string{"DC="}},
		{name: "sAMAccountName taken", code: 68, diag: "00002071: samldb: samAccountName 'jo' already in use!",
			written: map[string][]string{"sAMAccountName": {"jo"}, "cn": {"jo@example.org"}}, status: 409,
			want: []string{"of sAMAccountName: samAccountName 'jo' already in use."}},
		{name: "entry exists is no value", code: 68, diag: "Entry CN=a1,OU=People,DC=example,DC=com already exists",
			written: map[string][]string{"sAMAccountName": {"a1"}, "givenName": {"A"}}, notRefusal: true},
		{name: "samba principal", code: 1, diag: "00002020: setup_kerberos_keys: generation of a salting principal failed: Malformed representation of principal",
			written: map[string][]string{"userPrincipalName": {"jo@example.com@example.com"}, "sAMAccountName": {"jo"}}, status: 400,
			want: []string{"of userPrincipalName"}},
		{name: "operations error about nothing written", code: 1, diag: "internal error", written: map[string][]string{"cn": {"x"}}, notRefusal: true},
		{name: "389 password history", code: 19, diag: "Failed to update password", written: nil, status: 400,
			want: []string{"The directory refused the password: Failed to update password."}},
		{name: "busy is no value", code: 51, diag: "busy", written: map[string][]string{"cn": {"x"}}, notRefusal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lerr := &ldapstore.Error{Op: "add", DN: "CN=x,DC=example,DC=com", Code: tt.code, Diagnostic: tt.diag}
			err := refused(lerr, tt.written, "userPassword", pw)
			if tt.written == nil {
				err = refusedPassword(lerr, pw)
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("the log text has the password: %s", err)
			}
			e, ok := refusedValue(err)
			if ok == tt.notRefusal {
				t.Fatalf("refusedValue ok = %v", ok)
			}
			if !ok {
				return
			}
			if e.Status != tt.status {
				t.Errorf("status %d, want %d", e.Status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Detail, w) {
					t.Errorf("detail %q lacks %q", e.Detail, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(e.Detail, n) {
					t.Errorf("detail %q has %q", e.Detail, n)
				}
			}
		})
	}
	if _, ok := refusedValue(&ldapstore.Error{Code: 19, Diagnostic: "x"}); ok {
		t.Error("a bare LDAP error is not a refusal of a value")
	}
}
