package config

import (
	"strings"
	"testing"
)

func TestWarnings(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   []string // one substring per expected warning
	}{
		{"loopback plain LDAP is quiet", func(c *Config) {
			c.LDAP.URLs = []string{"ldap://localhost:389", "ldap://127.0.0.1", "ldap://[::1]:389"}
		}, nil},
		{"remote plain LDAP with a password", func(c *Config) { c.LDAP.URLs = []string{"ldap://127.0.0.1", "ldap://ldap.example.com"} },
			[]string{"ldap.urls[1]: ldap://ldap.example.com is plain LDAP"}},
		{"password from a file", func(c *Config) {
			c.LDAP.URLs, c.LDAP.BindPassword, c.LDAP.BindPasswordFile = []string{"ldap://10.0.0.5"}, "", "/run/secrets/bind"
		}, []string{"ldap.urls[0]: ldap://10.0.0.5 is plain LDAP"}},
		{"ldap scheme in capitals", func(c *Config) { c.LDAP.URLs = []string{"LDAP://ldap.example.com"} },
			[]string{"ldap.urls[0]: LDAP://ldap.example.com is plain LDAP"}},
		{"StartTLS protects it", func(c *Config) { c.LDAP.URLs, c.LDAP.StartTLS = []string{"ldap://ldap.example.com"}, true }, nil},
		{"ldaps protects it", func(c *Config) { c.LDAP.URLs = []string{"ldaps://ldap.example.com"} }, nil},
		{"anonymous bind has no password to leak", func(c *Config) {
			c.LDAP.URLs, c.LDAP.BindDN, c.LDAP.BindPassword = []string{"ldap://ldap.example.com"}, "", ""
		}, nil},
		{"insecureSkipVerify", func(c *Config) {
			c.LDAP.URLs, c.LDAP.InsecureSkipVerify = []string{"ldaps://ldap.example.com"}, true
		}, []string{"ldap.insecureSkipVerify: true: the directory's TLS certificate is NOT verified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(c)
			got := c.Warnings()
			if len(got) != len(tt.want) {
				t.Fatalf("Warnings() = %q, want %d", got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("warning %q, want prefix %q", got[i], w)
				}
				if strings.Contains(got[i], c.LDAP.BindPassword) && c.LDAP.BindPassword != "" {
					t.Errorf("warning quotes the bind password: %q", got[i])
				}
			}
		})
	}
}
