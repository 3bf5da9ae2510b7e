package connector

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// memberLimit refuses a PATCH naming more members than
// server.maxMembersPerPatch. It runs after web.BodyChecks, as part of the
// body checks: nothing oversized reaches a handler.
func (s *Server) memberLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPatch {
			if n := patchMemberCount(web.Body(r.Context())); n > s.maxMembers {
				return web.WriteError(c, http.StatusBadRequest, "invalidValue", fmt.Sprintf(
					"The PATCH names %d members; at most %d are accepted per request (server.maxMembersPerPatch). Send the change in several PATCH requests.", n, s.maxMembers))
			}
		}
		return next(c)
	}
}

// patchMemberCount counts the member values the operations of a PATCH body
// name, in every shape memberDelta accepts. A body that does not parse
// counts 0: the PATCH handler rejects it.
func patchMemberCount(body []byte) int {
	ops, err := parsePatchBody(body)
	if err != nil {
		return 0
	}
	n := 0
	for _, op := range ops {
		value, err := decodeValue(op.Value)
		if err != nil {
			continue
		}
		if strings.TrimSpace(op.Path) == "" {
			if obj, ok := value.(map[string]interface{}); ok {
				n += countElements(mapping.LookupFold(obj, "members"))
			}
			continue
		}
		p, err := scimfilter.ParsePath(op.Path)
		if err != nil || p.URN != "" || !strings.EqualFold(p.Name, "members") {
			continue
		}
		if p.Filter != nil {
			ids, _ := idsInFilter(p.Filter)
			n += len(ids)
			continue
		}
		n += countElements(value)
	}
	return n
}

func countElements(v interface{}) int {
	switch x := v.(type) {
	case nil:
		return 0
	case []interface{}:
		return len(x)
	}
	return 1
}
