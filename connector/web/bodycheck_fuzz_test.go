package web

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCheckJSON: the body check never panics, accepts only valid JSON, and
// what it accepts decodes with every object's keys unique (ignoring case)
// and every string within the limit — so the library and the PATCH parser,
// which keep the last of two equal keys, read the body as the client meant.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","name":{"givenName":"b"}}`,
		`{"userName":"a","USERNAME":"b"}`, `{"a":{"b":1,"b":2}}`, `[{"a":1},{"a":1}]`, `{"a":1} {}`, `{"a":`,
		`{"Operations":[{"op":"add","path":"members","value":[{"value":"1"},{"value":"2"}]}]}`, `"\u00e9"`, `{"\u0061":1,"a":2}`, `[[[[]]]]`,
	} {
		f.Add([]byte(s))
	}
	const maxString = 64
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(strings.TrimSpace(string(body))) == 0 {
			return // the middleware passes empty bodies on (GET, DELETE) without checking
		}
		if checkJSON(body, maxString) != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var v interface{}
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("accepted %q, which does not decode: %v", body, err)
		}
		var walk func(v interface{}, depth int)
		walk = func(v interface{}, depth int) {
			if depth > maxJSONDepth {
				t.Fatalf("accepted %q nesting deeper than %d", body, maxJSONDepth)
			}
			switch x := v.(type) {
			case string:
				if len(x) > maxString {
					t.Fatalf("accepted a string of %d bytes in %q", len(x), body)
				}
			case []interface{}:
				for _, e := range x {
					walk(e, depth+1)
				}
			case map[string]interface{}:
				for k, e := range x {
					walk(k, depth+1)
					walk(e, depth+1)
				}
			}
		}
		walk(v, 0)
		// Unique keys: decoding into a map loses duplicates, so count the
		// keys token by token and compare with the map sizes.
		if n, m := countKeys(body), countMapKeys(v); n != m {
			t.Fatalf("accepted %q with a duplicate key (%d keys, %d distinct)", body, n, m)
		}
	})
}

func countKeys(body []byte) int {
	d := json.NewDecoder(strings.NewReader(string(body)))
	n := 0
	type frame struct{ object, key bool }
	var stack []*frame
	for {
		tok, err := d.Token()
		if err != nil {
			return n
		}
		if len(stack) > 0 {
			if top := stack[len(stack)-1]; top.object && top.key {
				if _, ok := tok.(string); ok {
					n++
					top.key = false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// countMapKeys counts distinct keys ignoring case, as checkJSON compares.
func countMapKeys(v interface{}) int {
	switch x := v.(type) {
	case []interface{}:
		n := 0
		for _, e := range x {
			n += countMapKeys(e)
		}
		return n
	case map[string]interface{}:
		seen := map[string]bool{}
		n := 0
		for k, e := range x {
			seen[strings.ToLower(k)] = true
			n += countMapKeys(e)
		}
		return n + len(seen)
	}
	return 0
}
