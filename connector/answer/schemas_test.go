package answer

import "testing"

func TestTrimSchemas(t *testing.T) {
	const core, ent, okta = `"urn:ietf:params:scim:schemas:core:2.0:User"`, `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`, `"urn:okta:onprem_app:1.0:user:custom"`
	tests := []struct{ name, in, want string }{
		{"no extension data", `{"id":"1","schemas":[` + core + `,` + ent + `,` + okta + `],"userName":"a"}`,
			`{"id":"1","schemas":[` + core + `],"userName":"a"}`},
		{"one carried", `{"schemas":[` + core + `,` + ent + `,` + okta + `],` + ent + `:{"department":"D","manager":{"value":"x,y"}},"userName":"a"}`,
			`{"schemas":[` + core + `,` + ent + `],` + ent + `:{"department":"D","manager":{"value":"x,y"}},"userName":"a"}`},
		{"both carried", `{"schemas":[` + core + `,` + ent + `,` + okta + `],` + ent + `:{"d":"]"},` + okta + `:{"x":1}}`,
			`{"schemas":[` + core + `,` + ent + `,` + okta + `],` + ent + `:{"d":"]"},` + okta + `:{"x":1}}`},
		{"list", `{"Resources":[{"schemas":[` + core + `,` + ent + `]},{"schemas":[` + core + `,` + ent + `],` + ent + `:{}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}`,
			`{"Resources":[{"schemas":[` + core + `]},{"schemas":[` + core + `,` + ent + `],` + ent + `:{}}],"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"]}`},
		{"error untouched", `{"detail":"x","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}`,
			`{"detail":"x","schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"404"}`},
		{"unreadable array left", `{"schemas":[` + core + `,1],"urn:a":{}, "urn:b":1}`, `{"schemas":[` + core + `,1],"urn:a":{}, "urn:b":1}`},
	}
	for _, tt := range tests {
		if got := string(TrimSchemas([]byte(tt.in))); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
}
