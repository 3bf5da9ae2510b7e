package config

import (
	"reflect"
	"strings"
	"sync"
)

// suggest returns the candidate word most likely meant, if any is close:
// equal apart from case, "_" and "-" (bind_dn for bindDN), one a prefix of
// the other (warning for warn), or a typo or two away (scm for scim).
func suggest(word string, candidates []string) (string, bool) {
	w := fold(word)
	for _, c := range candidates {
		if fold(c) == w {
			return c, true
		}
	}
	for _, c := range candidates {
		f := fold(c)
		if min(len(f), len(w)) >= 3 && (strings.HasPrefix(f, w) || strings.HasPrefix(w, f)) {
			return c, true
		}
	}
	best, bestDist := "", 0
	for _, c := range candidates {
		f := fold(c)
		if d := editDistance(w, f); d <= typoBudget(f) && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

func fold(s string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
}

// typoBudget allows more typos in longer words, where a few wrong letters
// still leave the word recognisable.
func typoBudget(word string) int {
	switch {
	case len(word) <= 4:
		return 1
	case len(word) <= 8:
		return 2
	}
	return 3
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ar, br := []rune(a), []rune(b)
	prev := make([]int, len(br)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ar); i++ {
		cur := make([]int, len(br)+1)
		cur[0] = i
		for j := 1; j <= len(br); j++ {
			cost := 1
			if ar[i-1] == br[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(br)]
}

// keyHome is a section a key belongs to, for keys written at the wrong
// indentation.
type keyHome struct {
	key     string // as spelled in the schema
	section string // "ldap", "users.attributes[]"; "" is the top level
}

// keyHomes maps each folded key to the sections it is valid in.
var keyHomes = sync.OnceValue(func() map[string][]keyHome {
	homes := map[string][]keyHome{}
	var walk func(t reflect.Type, section string)
	walk = func(t reflect.Type, section string) {
		for _, f := range yamlFields(t) {
			homes[fold(f.key)] = append(homes[fold(f.key)], keyHome{f.key, section})
			ft := f.typ
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case isStructSection(ft):
				walk(ft, joinPath(section, f.key))
			case ft.Kind() == reflect.Slice && isStructSection(ft.Elem()):
				walk(ft.Elem(), joinPath(section, f.key)+"[]")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return homes
})

// misplacedHint says where key belongs when it is valid in another section,
// or returns "".
func misplacedHint(key string) string {
	var where []string
	for _, h := range keyHomes()[fold(key)] {
		switch {
		case h.section == "":
			where = append(where, "the top level")
		case strings.HasSuffix(h.section, "[]"):
			where = append(where, "each entry of "+strings.TrimSuffix(h.section, "[]"))
		default:
			where = append(where, h.section)
		}
	}
	if len(where) == 0 {
		return ""
	}
	return keyHomes()[fold(key)][0].key + " belongs under " + orList(where) + " (check the indentation)"
}

// orList writes "a", "a or b", "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
