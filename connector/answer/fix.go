package answer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Fix rewrites meta.location to absolute URLs and itemsPerPage to the
// real page size. It returns the resource's location for a single resource.
//
// Every SCIM answer passes here, so the common shapes the library writes
// (compact JSON from encoding/json) are patched in place: one decode into
// a small struct finds the values to fix and their text is replaced,
// without decoding and re-encoding the whole document (that cost a fifth
// of the bridge's CPU per lookup). Anything else takes fixBodyGeneric.
func Fix(body []byte, base string) ([]byte, string, bool) {
	if len(body) == 0 || body[0] != '{' {
		return body, "", false
	}
	if !bytes.Contains(body, []byte(`"location"`)) && !bytes.Contains(body, []byte(`"totalResults"`)) {
		return body, "", true // nothing to fix (errors, schemas, …)
	}
	if out, location, ok := fixBodyInPlace(body, base); ok {
		return out, location, true
	}
	return fixBodyGeneric(body, base)
}

// fixShape is what Fix needs to know of an answer.
type fixShape struct {
	Meta         *fixMeta        `json:"meta"`
	Resources    *[]fixResource  `json:"Resources"`
	TotalResults json.RawMessage `json:"totalResults"`
	ItemsPerPage json.RawMessage `json:"itemsPerPage"`
}

type fixMeta struct {
	Location *string `json:"location"`
}

type fixResource struct {
	Meta *fixMeta `json:"meta"`
}

// fixBodyInPlace patches meta.location and itemsPerPage in the text of
// body; ok is false when the answer is not in the shape it knows.
func fixBodyInPlace(body []byte, base string) ([]byte, string, bool) {
	var s fixShape
	if json.Unmarshal(body, &s) != nil {
		return nil, "", false
	}
	// encoding/json matches field names case-insensitively; the generic
	// path does not: leave odd spellings to it.
	if (s.Resources != nil && !bytes.Contains(body, []byte(`"Resources":`))) ||
		(s.Meta != nil && !bytes.Contains(body, []byte(`"meta":`))) {
		return nil, "", false
	}
	fix := map[string]string{} // relative location -> absolute
	location := ""
	add := func(m *fixMeta) bool {
		if m == nil || m.Location == nil {
			return true
		}
		loc := *m.Location
		if loc == "" || strings.Contains(loc, "://") {
			return true
		}
		abs := base + strings.TrimPrefix(loc, "/")
		if prev, dup := fix[loc]; dup && prev != abs {
			return false
		}
		fix[loc] = abs
		return true
	}
	if s.Meta != nil && s.Meta.Location != nil {
		location = *s.Meta.Location
		if location != "" && !strings.Contains(location, "://") {
			location = base + strings.TrimPrefix(location, "/")
		}
		add(s.Meta)
	}
	items := -1 // the itemsPerPage to write, if any
	nullResources := false
	switch {
	case s.Resources != nil:
		for _, r := range *s.Resources {
			if !add(r.Meta) {
				return nil, "", false
			}
		}
		items = len(*s.Resources)
	case s.TotalResults != nil:
		// The library writes "Resources":null for an empty page; with
		// no Resources key at all (rare) the generic path decides.
		nullResources = true
		items = 0
	}
	out := body
	if len(fix) > 0 {
		var ok bool
		if out, ok = replaceLocations(body, base, fix); !ok {
			return nil, "", false
		}
	}
	if nullResources {
		i := bytes.Index(out, []byte(`"Resources":null`))
		if i < 0 || bytes.Count(out, []byte(`"Resources":null`)) != 1 {
			return nil, "", false
		}
		out = append(append(append([]byte{}, out[:i]...), `"Resources":[]`...), out[i+len(`"Resources":null`):]...)
	}
	if items >= 0 {
		var ok bool
		if out, ok = replaceItemsPerPage(out, s.ItemsPerPage, items); !ok {
			return nil, "", false
		}
	}
	return out, location, true
}

// replaceLocations rewrites every "location":"<rel>" whose value is a key
// of fix, in one pass over body. ok is false if a value could not be read.
func replaceLocations(body []byte, base string, fix map[string]string) ([]byte, bool) {
	key := []byte(`"location":"`)
	escBase, _ := json.Marshal(base)
	if len(escBase) >= 2 {
		escBase = escBase[1 : len(escBase)-1]
	}
	out := make([]byte, 0, len(body)+len(fix)*64)
	rest := body
	done := 0
	for {
		i := bytes.Index(rest, key)
		if i < 0 {
			break
		}
		start := i + len(key) - 1 // the value's opening quote
		end := stringEnd(rest, start)
		if end < 0 {
			return nil, false
		}
		raw := rest[start+1 : end-1]
		abs, hit := "", false
		if bytes.IndexByte(raw, '\\') < 0 {
			abs, hit = fix[string(raw)] // no escapes: the text is the value
		} else {
			var v string
			if json.Unmarshal(rest[start:end], &v) != nil {
				return nil, false
			}
			abs, hit = fix[v]
		}
		if hit {
			out = append(out, rest[:start]...)
			if bytes.IndexByte(raw, '\\') < 0 && len(escBase) > 0 {
				// The JSON text of base + rel is that of base followed by
				// the text of rel, which is already there.
				out = append(append(append(append(out, '"'), escBase...), bytes.TrimPrefix(raw, []byte("/"))...), '"')
			} else {
				enc, err := json.Marshal(abs)
				if err != nil {
					return nil, false
				}
				out = append(out, enc...)
			}
			done++
		} else {
			out = append(out, rest[:end]...)
		}
		rest = rest[end:]
	}
	if done == 0 {
		return nil, false
	}
	return append(out, rest...), true
}

// stringEnd returns the index just past the JSON string that starts at
// b[start] (a quote), or -1.
func stringEnd(b []byte, start int) int {
	for i := start + 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// replaceItemsPerPage sets the top-level itemsPerPage to n. The library
// writes the list's keys sorted, so the top-level key is the last one in
// the text (after Resources); its old value must be the one decoded.
func replaceItemsPerPage(body []byte, old json.RawMessage, n int) ([]byte, bool) {
	key := []byte(`"itemsPerPage":`)
	if old == nil {
		return nil, false
	}
	i := bytes.LastIndex(body, key)
	if i < 0 {
		return nil, false
	}
	v := i + len(key)
	if !bytes.HasPrefix(body[v:], old) {
		return nil, false
	}
	out := make([]byte, 0, len(body)+8)
	out = append(out, body[:v]...)
	out = strconv.AppendInt(out, int64(n), 10)
	return append(out, body[v+len(old):]...), true
}

// fixBodyGeneric is Fix by a full decode and re-encode, for answers
// whose shape fixBodyInPlace does not know.
func fixBodyGeneric(body []byte, base string) ([]byte, string, bool) {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil {
		return body, "", false
	}
	location := absoluteLocation(m, base)
	if res, ok := m["Resources"].([]interface{}); ok {
		m["itemsPerPage"] = len(res)
		for _, r := range res {
			if rm, ok := r.(map[string]interface{}); ok {
				absoluteLocation(rm, base)
			}
		}
	} else if m["Resources"] == nil && m["totalResults"] != nil {
		m["Resources"] = []interface{}{}
		m["itemsPerPage"] = 0
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body, "", false
	}
	return out, location, true
}

func absoluteLocation(m map[string]interface{}, base string) string {
	meta, ok := m["meta"].(map[string]interface{})
	if !ok {
		return ""
	}
	loc, _ := meta["location"].(string)
	if loc == "" || strings.Contains(loc, "://") {
		return loc
	}
	loc = base + strings.TrimPrefix(loc, "/")
	meta["location"] = loc
	return loc
}
