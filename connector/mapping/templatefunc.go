package mapping

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// templateFunc transforms a placeholder's value: {userName|upn:example.com}.
// The functions exist for what a directory requires of a value that a
// client's attribute does not guarantee (Active Directory's logon names);
// they are checked when the configuration is loaded.
type templateFunc func(string) string

// adForbidden are the characters Active Directory refuses in
// sAMAccountName ("/\[]:;|=,+*?<> and ").
const adForbidden = `"/\[]:;|=,+*?<>`

// templateFuncs are the known functions: each takes the argument after
// ':' (arg reports whether one was given) and returns the function or why
// the argument is wrong.
var templateFuncs = map[string]func(arg string, hasArg bool) (templateFunc, error){
	// upn:SUFFIX: the value as is when it already is name@domain, else
	// value@SUFFIX; Okta and Entra send either shape as userName.
	"upn": func(arg string, hasArg bool) (templateFunc, error) {
		arg = strings.TrimPrefix(strings.TrimSpace(arg), "@")
		if arg == "" {
			return nil, fmt.Errorf("upn needs the UPN suffix, e.g. upn:example.com")
		}
		return func(v string) string {
			if v == "" || strings.Contains(v, "@") {
				return v
			}
			return v + "@" + arg
		}, nil
	},
	// localPart: what comes before the last '@' (the whole value without one).
	"localPart": noArg(func(v string) string {
		if i := strings.LastIndexByte(v, '@'); i >= 0 {
			return v[:i]
		}
		return v
	}),
	// samAccountName[:N]: a name Active Directory takes as sAMAccountName:
	// its forbidden characters and control characters become '_', at most
	// N characters (default 20, the limit for users), no trailing '.' or
	// space.
	"samAccountName": func(arg string, hasArg bool) (templateFunc, error) {
		n := 20
		if hasArg {
			var err error
			if n, err = strconv.Atoi(strings.TrimSpace(arg)); err != nil || n < 1 || n > 256 {
				return nil, fmt.Errorf("samAccountName:%s: the maximum length must be a number from 1 to 256 (20 for users, up to 256 for groups)", arg)
			}
		}
		return func(v string) string {
			v = strings.Map(func(r rune) rune {
				if unicode.IsControl(r) || strings.ContainsRune(adForbidden, r) {
					return '_'
				}
				return r
			}, strings.TrimSpace(v))
			return strings.TrimRight(truncateRunes(v, n), ". ")
		}, nil
	},
	// maxLength:N: the first N characters.
	"maxLength": func(arg string, hasArg bool) (templateFunc, error) {
		n, err := strconv.Atoi(strings.TrimSpace(arg))
		if !hasArg || err != nil || n < 1 {
			return nil, fmt.Errorf("maxLength needs a positive number, e.g. maxLength:64")
		}
		return func(v string) string { return truncateRunes(v, n) }, nil
	},
	"lower": noArg(strings.ToLower),
}

func noArg(f templateFunc) func(string, bool) (templateFunc, error) {
	return func(_ string, hasArg bool) (templateFunc, error) {
		if hasArg {
			return nil, fmt.Errorf("takes no argument")
		}
		return f, nil
	}
}

func truncateRunes(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	return string([]rune(v)[:n])
}

// parseTemplateFuncs compiles "f1|f2:arg" (the text after the path's '|').
func parseTemplateFuncs(text string) ([]templateFunc, error) {
	var out []templateFunc
	for _, part := range strings.Split(text, "|") {
		name, arg, hasArg := strings.Cut(strings.TrimSpace(part), ":")
		name = strings.TrimSpace(name)
		mk, ok := lookupTemplateFunc(name)
		if !ok {
			return nil, fmt.Errorf("unknown function %q; known: %s", name, strings.Join(templateFuncNames(), ", "))
		}
		f, err := mk(arg, hasArg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func lookupTemplateFunc(name string) (func(string, bool) (templateFunc, error), bool) {
	for n, f := range templateFuncs {
		if strings.EqualFold(n, name) {
			return f, true
		}
	}
	return nil, false
}

func templateFuncNames() []string {
	names := make([]string, 0, len(templateFuncs))
	for n := range templateFuncs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func applyTemplateFuncs(funcs []templateFunc, v string) string {
	for _, f := range funcs {
		v = f(v)
	}
	return v
}
