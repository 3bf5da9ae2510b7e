package config

import (
	"errors"
	"fmt"
	"strings"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in s, and $$ with $.
//
// A $ followed by anything else is kept as written, so that bcrypt hashes
// ($2y$10$…) and most passwords need no escaping. The default is taken
// literally up to the first "}"; it is not expanded again.
//
// Errors never quote s, because s may be a secret.
func expandEnv(s string, lookupEnv func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", errors.New(`"${" is not closed by "}"; write $$ for a literal $`)
			}
			v, err := lookupExpr(s[i+2:i+2+end], lookupEnv)
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String(), nil
}

// lookupExpr evaluates the inside of ${…} with the shell's meaning: ":-"
// supplies a default for a variable that is unset or empty.
func lookupExpr(expr string, lookupEnv func(string) (string, bool)) (string, error) {
	name, def, hasDefault := strings.Cut(expr, ":-")
	if !isEnvName(name) {
		return "", errors.New(`"${…}" must hold a variable name (letters, digits and _, not starting with a digit), ` +
			`optionally followed by :-default; write $$ for a literal $`)
	}
	v, ok := lookupEnv(name)
	switch {
	case hasDefault && v == "":
		return def, nil
	case !ok:
		return "", fmt.Errorf("environment variable %s is not set; export it, or write ${%s:-value} to give a default", name, name)
	}
	return v, nil
}

func isEnvName(s string) bool {
	for i, c := range s {
		letter := c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}
