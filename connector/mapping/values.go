package mapping

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// LookupFold returns m[key] matching the key case-insensitively, as SCIM
// attribute names are (RFC 7643 §2.1).
func LookupFold(m map[string]interface{}, key string) interface{} {
	if m == nil {
		return nil
	}
	if v, ok := m[key]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// DeleteFold removes every key equal to key case-insensitively.
func DeleteFold(m map[string]interface{}, key string) {
	for k := range m {
		if strings.EqualFold(k, key) {
			delete(m, k)
		}
	}
}

// asList turns a multi-valued attribute into its elements; a lone object
// counts as a one-element list (clients send both).
func asList(v interface{}) []map[string]interface{} {
	switch t := v.(type) {
	case []interface{}:
		out := make([]map[string]interface{}, 0, len(t))
		for _, e := range t {
			if m, ok := e.(map[string]interface{}); ok {
				out = append(out, m)
			}
		}
		return out
	case []map[string]interface{}:
		return t
	case map[string]interface{}:
		return []map[string]interface{}{t}
	}
	return nil
}

// ScalarStrings renders a SCIM value as LDAP strings. Booleans use LDAP's
// Boolean syntax (TRUE/FALSE).
func ScalarStrings(v interface{}) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		if t == "" {
			return nil
		}
		return []string{t}
	case bool:
		if t {
			return []string{"TRUE"}
		}
		return []string{"FALSE"}
	case json.Number:
		return []string{t.String()}
	case float64:
		return []string{strconv.FormatFloat(t, 'f', -1, 64)}
	case int:
		return []string{strconv.Itoa(t)}
	case int64:
		return []string{strconv.FormatInt(t, 10)}
	case []interface{}:
		var out []string
		for _, e := range t {
			out = append(out, ScalarStrings(e)...)
		}
		return out
	}
	return nil
}

// typedValue turns an LDAP string back into the SCIM type of the attribute.
func typedValue(scimType, s string) interface{} {
	switch scimType {
	case "boolean":
		return strings.EqualFold(s, "TRUE")
	case "integer":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "decimal":
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return n
		}
	}
	return s
}

// isTrue accepts the boolean forms clients send (Entra sends "True").
func isTrue(v interface{}) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(t, "true")
	}
	return false
}

// AsBool reads a SCIM boolean that may arrive as a string ("False").
func AsBool(v interface{}) (b, ok bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(t) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// GeneralizedTime parses LDAP GeneralizedTime (20240102030405Z, optionally
// with fractions).
func GeneralizedTime(s string) (time.Time, bool) {
	for _, layout := range []string{"20060102150405Z0700", "20060102150405.999999Z0700", "20060102150405Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ToGeneralizedTime renders an RFC 3339 instant as LDAP GeneralizedTime.
func ToGeneralizedTime(s string) (string, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", false
	}
	// With the ".0" fraction: Samba AD DC misreads an assertion without
	// one ((modifyTimestamp>=20990101000000Z) matched everything), while
	// OpenLDAP, 389 DS and Windows AD take both forms.
	return t.UTC().Format("20060102150405.0Z"), true
}
