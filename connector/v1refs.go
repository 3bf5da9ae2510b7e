package connector

import "github.com/scim2ldap/scim2ldap/connector/mapping"

// References on the SCIM 1.1 front, within what SCIM 1.1 can express: the
// enterprise manager is {"managerId", "displayName"} (1.1 enterprise
// extension), and 1.1 has no $ref; members keep value, display and type,
// a user's groups value, display and type (direct, indirect).

// managerIn11 turns a 1.1 manager ({"managerId": id}) in a request body
// already moved to the 2.0 enterprise URN into the 2.0 {"value": id}.
func managerIn11(m map[string]interface{}) {
	ext, _ := m[mapping.URNEnterpriseUser].(map[string]interface{})
	for k, v := range ext {
		man, ok := v.(map[string]interface{})
		if !ok || !equalFold(k, "manager") {
			continue
		}
		for mk, mv := range man {
			if equalFold(mk, "managerId") {
				delete(man, mk)
				man["value"] = mv
			}
		}
	}
}

// refsOut11 rewrites the references of a 2.0 resource (before its URNs
// become 1.1) into their 1.1 forms.
func refsOut11(m map[string]interface{}) {
	if ext, ok := m[mapping.URNEnterpriseUser].(map[string]interface{}); ok {
		if man, ok := ext["manager"].(map[string]interface{}); ok {
			out := map[string]interface{}{"managerId": man["value"]}
			if name, ok := man["displayName"]; ok {
				out["displayName"] = name
			}
			ext["manager"] = out
		}
	}
	for _, attr := range []string{"members", "groups"} {
		list, _ := m[attr].([]interface{})
		for _, el := range list {
			if em, ok := el.(map[string]interface{}); ok {
				delete(em, "$ref")
			}
		}
	}
}

func equalFold(a, b string) bool { return mapping.ContainsFold([]string{a}, b) }
