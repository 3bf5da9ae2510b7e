package config

import "testing"

func TestSuggest(t *testing.T) {
	keys := []string{"urls", "bindDN", "bindPassword", "bindPasswordFile", "startTLS", "dialTimeout", "poolSize"}
	tests := []struct {
		word, want string
	}{
		{"url", "urls"},
		{"bind_dn", "bindDN"},
		{"binddn", "bindDN"},
		{"bindPasword", "bindPassword"},
		{"bindPasswordfile", "bindPasswordFile"},
		{"StartTls", "startTLS"},
		{"pool_size", "poolSize"},
		{"dialTimeOut", "dialTimeout"},
		{"timeout", ""},
		{"ca", ""},
		{"serverName", ""},
	}
	for _, tt := range tests {
		got, ok := suggest(tt.word, keys)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("suggest(%q) = %q, %v; want %q", tt.word, got, ok, tt.want)
		}
	}
}

func TestMisplacedHint(t *testing.T) {
	tests := map[string]string{
		"bindDN":  "bindDN belongs under ldap (check the indentation)",
		"baseDN":  "baseDN belongs under users or groups (check the indentation)",
		"scim":    "scim belongs under each entry of users.attributes or each entry of groups.attributes (check the indentation)",
		"level":   "level belongs under log (check the indentation)",
		"unknown": "",
	}
	for key, want := range tests {
		if got := misplacedHint(key); got != want {
			t.Errorf("misplacedHint(%q) = %q; want %q", key, got, want)
		}
	}
}
