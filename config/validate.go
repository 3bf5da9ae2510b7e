package config

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Validate reports every problem in c, one per line, each as
// "path: problem; fix". Run it after ApplyDefaults; Load does both.
func (c *Config) Validate() error {
	return c.validate().err("")
}

func (c *Config) validate() problems {
	var p problems
	checkOneOf(&p, "directory", c.Directory, directories...)
	c.Server.check(&p)
	c.LDAP.check(&p)
	// Users' defaults come from the directory preset; without one, every
	// missing default would be reported as if the admin had left it out.
	if slices.Contains(directories, c.Directory) {
		c.Users.check(&p)
		c.checkPasswordTLS(&p)
		c.checkDigestKey(&p)
	}
	c.Groups.check(&p)
	checkOneOf(&p, "log.level", c.Log.Level, "debug", "info", "warn", "error")
	checkOneOf(&p, "log.format", c.Log.Format, "text", "json")
	return p
}

// checkOneOf reports value unless it is one of allowed (compared exactly,
// as the code that reads it does).
func checkOneOf(p *problems, path, value string, allowed ...string) {
	if slices.Contains(allowed, value) {
		return
	}
	msg := fmt.Sprintf("%q is not valid; use %s", value, orList(allowed))
	if s, ok := suggest(value, allowed); ok && value != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	p.add(path, "%s", msg)
}

var attributeName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+)$`)

// checkAttribute reports a missing or malformed LDAP attribute name; what
// and example complete "missing; set <what>, e.g. <example>".
func checkAttribute(p *problems, path, name, what, example string) {
	switch {
	case name == "":
		p.add(path, "missing; set %s, e.g. %s", what, example)
	case !attributeName.MatchString(name):
		p.add(path, `%q is not an LDAP attribute name; use letters, digits and "-", starting with a letter, or a numeric OID`, name)
	}
}

// checkDN is deliberately rough: it catches a bare name or a value in the
// wrong field, and leaves full DN syntax to the directory.
func checkDN(p *problems, path, dn, example string) {
	if !strings.Contains(dn, "=") || strings.HasPrefix(dn, "=") {
		p.add(path, "%q is not a DN; write the full DN, e.g. %s", dn, example)
	}
}

// checkFilter wants one parenthesised LDAP filter, "(a=b)" or
// "(&(a=b)(c=d))". Parentheses in values are escaped in LDAP (\28, \29),
// so every literal one is structure.
func checkFilter(p *problems, path, filter, example string) {
	if !strings.HasPrefix(filter, "(") || !strings.HasSuffix(filter, ")") {
		p.add(path, "%q is not an LDAP filter; wrap it in parentheses, e.g. %s", filter, example)
		return
	}
	depth := 0
	for i, c := range filter {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		}
		if depth < 0 || depth == 0 && i < len(filter)-1 {
			p.add(path, "%q has unbalanced parentheses or is several filters; combine filters with (&…), e.g. (&%s(mail=*))", filter, example)
			return
		}
	}
	if depth != 0 {
		p.add(path, "%q has unbalanced parentheses; close every (", filter)
	}
}

// checkTemplate wants balanced, non-empty, unnested {…} placeholders.
func checkTemplate(p *problems, path, template string) {
	open := -1
	var quote rune // inside an expression's string ({regexReplace(x, "a{2}", "")})
	for i, c := range template {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case open >= 0 && (c == '"' || c == '\''):
			quote = c
		case c == '{' && open >= 0:
			p.add(path, `%q: "{" inside a placeholder; placeholders look like {name.givenName} and cannot be nested`, template)
			return
		case c == '{':
			open = i
		case c == '}' && open < 0:
			p.add(path, `%q: "}" without "{"; placeholders look like {name.givenName}`, template)
			return
		case c == '}' && i == open+1:
			p.add(path, `%q: empty placeholder {}; put a SCIM attribute path inside, e.g. {userName}`, template)
			return
		case c == '}':
			open = -1
		}
	}
	if open >= 0 {
		p.add(path, `%q: "{" is not closed; placeholders look like {name.givenName}`, template)
	}
}

// checkFile catches typos in file names at start-up rather than at the
// first TLS handshake.
func checkFile(p *problems, path, name string) {
	if name == "" {
		return
	}
	if _, err := os.Stat(name); err != nil {
		*p = append(*p, &Error{Path: path, Err: err, Msg: fmt.Sprintf("%v; check the path", err)})
	}
}
