package answer

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// Fix patches the library's answers in place; the generic decode and
// re-encode is the reference it must agree with, for every shape.
func TestFixBodyAgreesWithGeneric(t *testing.T) {
	const base = "https://idp.example/scim/v2/"
	res := func(id string) map[string]interface{} {
		return map[string]interface{}{"id": id, "userName": "a<b>&c", "meta": map[string]interface{}{"resourceType": "User", "location": "Users/" + id}}
	}
	list := func(count int, rs ...interface{}) map[string]interface{} {
		return map[string]interface{}{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": 7, "itemsPerPage": count, "startIndex": 1, "Resources": rs}
	}
	cases := []struct {
		name     string
		body     interface{} // marshalled as the library does
		raw      string      // or sent as is
		wantFast bool        // patched in place, not by the generic path
		wantLoc  string
	}{
		{name: "single", body: res("1f0e"), wantFast: true, wantLoc: base + "Users/1f0e"},
		{name: "id with escapes", body: res("a&b%2F\"q"), wantFast: true, wantLoc: base + `Users/a&b%2F"q`},
		{name: "list", body: list(100, res("1"), res("2"), res("3")), wantFast: true},
		{name: "empty list", body: list(100), wantFast: true},
		{name: "null Resources", body: map[string]interface{}{"totalResults": 0, "itemsPerPage": 100, "startIndex": 1, "Resources": nil}, wantFast: true},
		{name: "absolute location kept", body: map[string]interface{}{"id": "x", "meta": map[string]interface{}{"location": "https://x/Users/x"}}, wantFast: true, wantLoc: "https://x/Users/x"},
		{name: "leading slash", body: map[string]interface{}{"id": "x", "meta": map[string]interface{}{"location": "/Users/x"}}, wantFast: true, wantLoc: base + "Users/x"},
		{name: "no Resources key", body: map[string]interface{}{"totalResults": 0, "itemsPerPage": 100}},
		{name: "error", body: map[string]interface{}{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "404", "detail": "x"}, wantFast: true},
		{name: "spaced JSON", raw: `{"id": "x", "meta": {"location": "Users/x"}}`, wantLoc: base + "Users/x"},
		{name: "non-object resources", raw: `{"totalResults":2,"itemsPerPage":9,"Resources":[1,"a"]}`},
		{name: "location not a string", raw: `{"meta":{"location":5}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.raw)
			if c.body != nil {
				body, _ = json.Marshal(c.body)
			}
			got, loc, ok := Fix(body, base)
			want, wantLoc, wantOK := fixBodyGeneric(body, base)
			if !wantOK {
				want = body
			}
			if !ok {
				got = body
			}
			var g, w interface{}
			if json.Unmarshal(got, &g) != nil || json.Unmarshal(want, &w) != nil || !reflect.DeepEqual(g, w) {
				t.Errorf("Fix:\n got %s\nwant %s", got, want)
			}
			if loc != wantLoc || loc != c.wantLoc {
				t.Errorf("location %q, generic %q, want %q", loc, wantLoc, c.wantLoc)
			}
			_, _, fast := fixBodyInPlace(body, base)
			if c.wantFast && !fast && c.name != "error" {
				t.Errorf("took the generic path")
			}
		})
	}
}

func BenchmarkFixBody(b *testing.B) {
	var rs []interface{}
	for i := range 100 {
		rs = append(rs, map[string]interface{}{"id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f" + string(rune('0'+i%10)), "userName": "user@example.com",
			"name": map[string]interface{}{"givenName": "U", "familyName": "S"}, "emails": []interface{}{map[string]interface{}{"value": "user@example.com", "type": "work", "primary": true}},
			"meta": map[string]interface{}{"resourceType": "User", "location": "Users/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f" + string(rune('0'+i%10)), "created": "2026-01-01T00:00:00Z"}})
	}
	for _, n := range []int{1, 100} {
		body, _ := json.Marshal(map[string]interface{}{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": n, "itemsPerPage": 100, "startIndex": 1, "Resources": rs[:n]})
		for _, f := range []struct {
			name string
			fn   func([]byte, string) ([]byte, string, bool)
		}{{"inplace", Fix}, {"generic", fixBodyGeneric}} {
			b.Run(f.name+"/resources="+strconv.Itoa(n), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					f.fn(body, "http://127.0.0.1/scim/v2/")
				}
			})
		}
	}
}
