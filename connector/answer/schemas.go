package answer

import "bytes"

// The library lists every configured extension in each resource's
// "schemas", whether or not the resource has data in it; RFC 7643 §3
// wants the schemas the resource carries. It also writes the attributes
// map over ours after the handler returns, so the answer is mended as
// text: encoding/json writes map keys sorted and "schemas" < "urn:…" <
// "userName", so the extension objects a resource carries are exactly the
// "urn:…" keys right after its "schemas" array.

// TrimSchemas drops, from every "schemas" array of body, the URNs after
// the first that are not keys following the array. Anything it cannot
// read is left as it is.
func TrimSchemas(body []byte) []byte {
	key := []byte(`"schemas":[`)
	if bytes.Count(body, []byte(`"urn:`)) < 3 { // a core URN, an extension URN and its key at least
		return body
	}
	var out []byte
	rest := body
	for {
		i := bytes.Index(rest, key)
		if i < 0 {
			break
		}
		open := i + len(key) - 1
		urns, end, ok := stringArray(rest, open)
		if !ok || len(urns) < 2 {
			out = append(out, rest[:open+1]...)
			rest = rest[open+1:]
			continue
		}
		carried := carriedKeys(rest, end)
		kept := [][]byte{urns[0]}
		for _, u := range urns[1:] {
			if carried[string(u)] {
				kept = append(kept, u)
			}
		}
		out = append(out, rest[:open]...)
		out = append(out, '[')
		out = append(out, bytes.Join(kept, []byte(","))...)
		out = append(out, ']')
		rest = rest[end:]
	}
	if out == nil {
		return body
	}
	return append(out, rest...)
}

// stringArray reads the JSON array of strings that opens at b[open]; it
// returns each element's text (quotes included) and the index past ']'.
func stringArray(b []byte, open int) (elems [][]byte, end int, ok bool) {
	i := open + 1
	for i < len(b) {
		switch b[i] {
		case ']':
			return elems, i + 1, true
		case ',':
			i++
		case '"':
			e := stringEnd(b, i)
			if e < 0 {
				return nil, 0, false
			}
			elems = append(elems, b[i:e])
			i = e
		default:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// carriedKeys lists the "urn:…" keys (quoted text) of the object members
// that follow b[at:] (",\"urn:…\":{…}" repeated).
func carriedKeys(b []byte, at int) map[string]bool {
	keys := map[string]bool{}
	for at < len(b) && b[at] == ',' && bytes.HasPrefix(b[at+1:], []byte(`"urn:`)) {
		e := stringEnd(b, at+1)
		if e < 0 || e >= len(b) || b[e] != ':' {
			break
		}
		keys[string(b[at+1:e])] = true
		v := valueEnd(b, e+1)
		if v < 0 {
			break
		}
		at = v
	}
	return keys
}

// valueEnd returns the index past the JSON value starting at b[start], or
// -1.
func valueEnd(b []byte, start int) int {
	if start >= len(b) {
		return -1
	}
	if b[start] == '"' {
		return stringEnd(b, start)
	}
	depth := 0
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '"':
			e := stringEnd(b, i)
			if e < 0 {
				return -1
			}
			i = e - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
