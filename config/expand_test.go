package config

import "testing"

func TestExpandEnv(t *testing.T) {
	env := map[string]string{"HOST": "ldap.example.com", "EMPTY": "", "PORT": "636"}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"ldaps://${HOST}:${PORT}", "ldaps://ldap.example.com:636"},
		{"${UNSET:-fallback}", "fallback"},
		{"${UNSET:-}", ""},
		{"${EMPTY:-used because empty}", "used because empty"},
		{"${EMPTY}", ""},
		{"${HOST:-unused}", "ldap.example.com"},
		{"${UNSET:-a:b$c{d}", "a:b$c{d"},
		{"$${HOST}", "${HOST}"},
		{"a$$b", "a$b"},
		{"$2y$10$abc", "$2y$10$abc"},
		{"cost $", "cost $"},
		{"$HOST", "$HOST"},
	}
	for _, tt := range tests {
		got, err := expandEnv(tt.in, lookup)
		if err != nil || got != tt.want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestExpandEnvErrors(t *testing.T) {
	lookup := func(string) (string, bool) { return "", false }
	tests := []struct {
		in, want string
	}{
		{"${SCIM2LDAP_BIND_PASSWORD}", "environment variable SCIM2LDAP_BIND_PASSWORD is not set; export it, or write ${SCIM2LDAP_BIND_PASSWORD:-value} to give a default"},
		{"pre${OPEN", `"${" is not closed by "}"; write $$ for a literal $`},
		{"${}", `"${…}" must hold a variable name (letters, digits and _, not starting with a digit), optionally followed by :-default; write $$ for a literal $`},
		{"${1X}", `"${…}" must hold a variable name (letters, digits and _, not starting with a digit), optionally followed by :-default; write $$ for a literal $`},
		{"${A-B}", `"${…}" must hold a variable name (letters, digits and _, not starting with a digit), optionally followed by :-default; write $$ for a literal $`},
	}
	for _, tt := range tests {
		_, err := expandEnv(tt.in, lookup)
		if err == nil || err.Error() != tt.want {
			t.Errorf("expandEnv(%q) error = %v; want %q", tt.in, err, tt.want)
		}
	}
}
