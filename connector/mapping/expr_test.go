package mapping

import (
	"strings"
	"sync"
	"testing"
)

// TestExpressions renders templates with expressions on one document; no
// directory is involved.
func TestExpressions(t *testing.T) {
	doc := map[string]interface{}{
		"userName":    "Zoë.Núñez@Example.com",
		"name":        map[string]interface{}{"givenName": "Zoë", "familyName": "Núñez-García"},
		"displayName": "",
		"emails": []interface{}{
			map[string]interface{}{"type": "home", "value": "z@home.org"},
			map[string]interface{}{"type": "work", "value": "zoe@corp.example"},
		},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]interface{}{"department": "R&D"},
	}
	tests := []struct{ tmpl, want string }{
		{"{name.givenName} {name.familyName}", "Zoë Núñez-García"},
		{"{lower(ascii(localpart(userName)))}", "zoe.nunez"},
		{"{upper(name.givenName)}", "ZOË"},
		{"{NAME.GIVENNAME}", "Zoë"},
		{"{left(name.givenName, 1)}{name.familyName}", "ZNúñez-García"},
		{"{truncate(lower(ascii(name.familyName)), 5)}", "nunez"},
		{"{truncate(\"jean-paul\", 5)}", "jean"},
		{"{ascii(\"Zoë Núñez Straße Łódź\")}", "Zoe Nunez Strasse Lodz"},
		{"{regexReplace(lower(ascii(name.familyName)), \"[^a-z]\", \"\")}", "nunezgarcia"},
		{"{regexReplace(\"aaa\", \"a{2}\", \"b\")}", "ba"},
		{"{coalesce(displayName, nickName, name.givenName)}", "Zoë"},
		{"{enterprise.department}", "R&D"},
		{"{urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department}", "R&D"},
		{"{enterprise.department == \"R&D\" ? \"research\" : \"other\"}", "research"},
		{"{attr(\"emails[type eq \\\"work\\\"].value\")}", "zoe@corp.example"},
		{"{emails[type eq \"work\"].value}", "zoe@corp.example"},
		{"{title == \"\" ? \"none\" : title}", "none"},
		{"/home/{lower(localpart(userName))}", "/home/zoë.núñez"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			tp, err := parseTemplate(tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.render(doc); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct{ tmpl, wantErr string }{
		{"{lower(}", "not a SCIM attribute path"},
		{"{regexReplace(userName, \"[\", \"\")}", "regexReplace"},
		{"{nosuchfunc(userName)}", "nosuchfunc"},
		{"{attr(userName)}", "attr takes one quoted SCIM path"},
		{"{left(userName, \"x\")}", "left"},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			_, err := CompileTemplate("users.attributes[2].template", tt.tmpl)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "users.attributes[2].template") {
				t.Fatalf("err = %v, want one naming the YAML path and %q", err, tt.wantErr)
			}
		})
	}
}

func TestConditionsAndDNs(t *testing.T) {
	doc := map[string]interface{}{"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]interface{}{"department": "Sales, EMEA"}}
	c, err := CompileCondition("users.placement.rules[0].when", `enterprise.department != ""`)
	if err != nil {
		t.Fatal(err)
	}
	if !c.True(doc) || c.True(map[string]interface{}{}) {
		t.Error("condition wrong")
	}
	tp, _ := CompileTemplate("x", "ou={enterprise.department},ou=People,dc=example,dc=com")
	esc := func(s string) string { return strings.ReplaceAll(s, ",", `\,`) }
	if dn, ok := tp.RenderDN(doc, esc); !ok || dn != `ou=Sales\, EMEA,ou=People,dc=example,dc=com` {
		t.Errorf("dn %q %v", dn, ok)
	}
	if _, ok := tp.RenderDN(map[string]interface{}{}, esc); ok {
		t.Error("empty department must not make a DN")
	}
}

// TestExpressionsConcurrently: creates render templates at the same time
// (the 20 racing creates of the directory suite found a shared transformer).
func TestExpressionsConcurrently(t *testing.T) {
	tp, _ := parseTemplate(`{lower(ascii(name.givenName + "." + name.familyName))}`)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				doc := map[string]interface{}{"name": map[string]interface{}{"givenName": "Zoë", "familyName": "Núñez"}}
				if got := tp.render(doc); got != "zoe.nunez" {
					t.Errorf("got %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}
