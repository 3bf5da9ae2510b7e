// Package scim11 is the SCIM 1.1 dialect of the Okta Provisioning Agent,
// as a translation to and from SCIM 2.0: request bodies get 2.0 URNs (and
// the 1.1 manager shape becomes 2.0's), and 2.0 answers get 1.1 URNs, the
// 1.1 error shape and 1.1 references. The same handlers serve both
// fronts; nothing here knows HTTP routing or the directory.
package scim11

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/scim2ldap/scim2ldap/connector/mapping"
)

const (
	// URNCore is the 1.1 core schema, for users and groups alike.
	URNCore         = "urn:scim:schemas:core:1.0"
	urnEnterprise11 = "urn:scim:schemas:extension:enterprise:1.0"
	urnUser20       = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnGroup20      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	urnList20       = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnError20      = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// to11 maps the 2.0 URNs of answers to their 1.1 forms.
var to11 = map[string]string{
	urnUser20:                 URNCore,
	urnGroup20:                URNCore,
	urnList20:                 URNCore,
	mapping.URNEnterpriseUser: urnEnterprise11,
	"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig": URNCore,
}

// Request turns a 1.1 request body into the 2.0 body the handlers expect;
// groups says the body is a Group's. A body that is not a JSON object is
// returned as it is (the library answers invalidSyntax); one that already
// uses 2.0 schemas is an error that names base20, the 2.0 base URL.
func Request(raw []byte, groups bool, base20 string) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return raw, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil {
		return raw, nil
	}
	core := urnUser20
	if groups {
		core = urnGroup20
	}
	if schemas, ok := m["schemas"].([]interface{}); ok {
		var out []interface{}
		for _, sch := range schemas {
			str, _ := sch.(string)
			switch {
			case strings.EqualFold(str, URNCore):
				out = append(out, core)
			case strings.EqualFold(str, urnEnterprise11):
				out = append(out, mapping.URNEnterpriseUser)
			case strings.HasPrefix(strings.ToLower(str), "urn:ietf:params:scim:"):
				return nil, errors.New("This is the SCIM 1.1 base URL, but the body uses SCIM 2.0 schemas. Use the SCIM 2.0 base URL " + base20 + "/ (or send urn:scim:schemas:core:1.0).")
			default:
				out = append(out, sch)
			}
		}
		m["schemas"] = out
	}
	for k, v := range m {
		if strings.EqualFold(k, urnEnterprise11) {
			delete(m, k)
			m[mapping.URNEnterpriseUser] = v
		}
	}
	managerIn11(m)
	body, err := json.Marshal(m)
	if err != nil {
		return raw, nil
	}
	return body, nil
}

// Answer rewrites a 2.0 answer into SCIM 1.1: URNs, and errors in
// the {"Errors":[{"description","code"}]} shape the agent shows to admins.
func Answer(body []byte, status int) []byte {
	if len(body) == 0 || body[0] != '{' {
		return body
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]interface{}
	if d.Decode(&m) != nil {
		return body
	}
	if hasURN(m, urnError20) {
		detail, _ := m["detail"].(string)
		// detail beside Errors: Okta's SCIM 1.1 SPEC test reads it on a 404.
		out, _ := json.Marshal(map[string]interface{}{
			"schemas": []string{URNCore},
			"Errors":  []map[string]interface{}{{"description": detail, "code": status}},
			"detail":  detail,
		})
		return out
	}
	resource11(m)
	if list, ok := m["Resources"].([]interface{}); ok {
		for _, r := range list {
			if rm, ok := r.(map[string]interface{}); ok {
				resource11(rm)
			}
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

func resource11(m map[string]interface{}) {
	refsOut11(m)
	if schemas, ok := m["schemas"].([]interface{}); ok {
		var out []interface{}
		seen := map[string]bool{}
		for _, sch := range schemas {
			str, _ := sch.(string)
			if v, ok := to11[str]; ok {
				str = v
			}
			if !seen[str] {
				seen[str] = true
				out = append(out, str)
			}
		}
		m["schemas"] = out
	}
	if v, ok := m[mapping.URNEnterpriseUser]; ok {
		delete(m, mapping.URNEnterpriseUser)
		m[urnEnterprise11] = v
	}
}

func hasURN(m map[string]interface{}, urn string) bool {
	list, _ := m["schemas"].([]interface{})
	for _, s := range list {
		if s == urn {
			return true
		}
	}
	return false
}

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
