package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/scim2ldap/scim2ldap/connector/answer"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scim11"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

const schemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

// normalizePatch is ReadBody's rewrite: PATCH bodies get
// normalizePatchSchemas.
func normalizePatch(r *http.Request, body []byte) []byte {
	if r.Method == http.MethodPatch {
		return normalizePatchSchemas(body)
	}
	return body
}

// normalizePatchSchemas makes a PatchOp body carry exactly the PatchOp
// schema: Entra has sent PATCH bodies without "schemas", which the library
// refuses. Bodies that are not JSON objects are left for the library to
// reject.
func normalizePatchSchemas(body []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return body
	}
	for k := range m {
		if strings.EqualFold(k, "schemas") || strings.EqualFold(k, "operations") {
			v := m[k]
			delete(m, k)
			if strings.EqualFold(k, "operations") {
				m["Operations"] = v
			}
		}
	}
	m["schemas"], _ = json.Marshal([]string{schemaPatchOp})
	out, err := json.Marshal(m)
	if err != nil {
		return body
	}
	return out
}

// patchStandIn hands the library a PATCH it accepts in place of the one
// sent. The handlers read the operations from the body as sent
// (web.Body) and check them there; the library's own check refuses valid
// requests (a URN with "_" such as urn:okta:onprem_app:1.0:user:custom, an
// extension nested in a no-path value) with detail-less errors, and what
// it parses is not used. externalId is an attribute of every resource
// type, so the stand-in validates for Users and Groups alike.
func patchStandIn(next echo.HandlerFunc) echo.HandlerFunc {
	standIn := []byte(`{"schemas":["` + schemaPatchOp + `"],"Operations":[{"op":"add","path":"externalId","value":"-"}]}`)
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPatch {
			r.Body = io.NopCloser(bytes.NewReader(standIn))
			r.ContentLength = int64(len(standIn))
		}
		return next(c)
	}
}

// trimTrailingSlash makes /Users/ the list /Users is: the library would
// read it as the user with id "" and answer 404.
func trimTrailingSlash(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			u := *r.URL
			u.Path = strings.TrimRight(p, "/")
			u.RawPath = strings.TrimRight(u.RawPath, "/")
			r2 := r.Clone(r.Context())
			r2.URL = &u
			c.SetRequest(r2)
		}
		return next(c)
	}
}

type ctxKey int

const ctxFilter ctxKey = iota // the raw ?filter= string, taken out of the URL

func rawFilter(ctx context.Context) string {
	s, _ := ctx.Value(ctxFilter).(string)
	return s
}

// takeFilter moves ?filter= out of the URL into the context. The library
// would validate it with a parser that rejects what Entra and the Okta agent
// send (emails[type eq "work"].value eq, urn:okta:… attributes, id eq);
// our own parser and translator handle it in the resource handlers.
func takeFilter(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		q := r.URL.Query()
		f, ok := q["filter"]
		if !ok {
			return next(c)
		}
		q.Del("filter")
		u := *r.URL
		u.RawQuery = q.Encode()
		r2 := r.WithContext(context.WithValue(r.Context(), ctxFilter, strings.TrimSpace(strings.Join(f, " "))))
		r2.URL = &u
		c.SetRequest(r2)
		return next(c)
	}
}

// fixResponses corrects what the library gets wrong for real clients:
// 201 without a Location header, relative meta.location, and itemsPerPage
// echoing the requested count instead of the number of resources returned.
func fixResponses(basePath string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			return web.RewriteAnswer(c, next, func(h http.Header, status int, body []byte) (int, []byte) {
				fixed, location, ok := answer.Fix(body, web.AbsoluteBase(c.Request(), basePath))
				if !ok {
					return status, body
				}
				fixed = answer.TrimSchemas(fixed)
				if status == http.StatusCreated && location != "" {
					h.Set("Location", location)
				}
				return status, fixed
			})
		}
	}
}

// The most common setup mistakes reach the bridge as requests that look
// almost right. These middlewares recognise them and answer with a SCIM
// Error whose detail names the fix, which is what the admin sees in Okta's
// or Entra's error message.

// scimEndpoints are the names a client appends to its base URL.
var scimEndpoints = map[string]bool{
	"users": true, "groups": true, "serviceproviderconfig": true, "serviceproviderconfigs": true,
	"schemas": true, "resourcetypes": true, "bulk": true, "me": true,
}

// pathHint answers a base URL that ends in /Users or /Groups: the client
// then requests …/Users/Users, …/Users/ServiceProviderConfig, and the
// handlers would answer "User \"Users\" not found", which reads like a
// missing user rather than a wrong URL.
func pathHint(base string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(base, "/"))
			if !ok {
				return next(c)
			}
			segs := strings.Split(strings.Trim(rest, "/"), "/")
			if len(segs) < 2 {
				return next(c)
			}
			first := strings.ToLower(segs[0])
			if (first != "users" && first != "groups") || !scimEndpoints[strings.ToLower(segs[1])] {
				return next(c)
			}
			return web.WriteError(c, http.StatusNotFound, "", fmt.Sprintf(
				"The SCIM base URL must not end in /%s: this request went to %s. Set the client's base URL to %s "+
					"(the SCIM root; the client adds /Users and /Groups itself).",
				segs[0], r.URL.Path, web.AbsoluteBase(r, base)))
		}
	}
}

// versionHint answers a SCIM 1.1 body (schemas urn:scim:schemas:core:1.0)
// sent to the 2.0 front: the Okta Provisioning Agent speaks 1.1 when its
// base URL lacks /v2, and 2.0 URNs when it has it, so a 1.1 body here means
// the agent was set up for 1.1 with a 2.0 URL. It runs after readBody.
func (s *Server) versionHint(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			return next(c)
		}
		body := web.Body(r.Context())
		if !bytes.Contains(body, []byte(scim11.URNCore)) || !hasSchema(body, scim11.URNCore) {
			return next(c)
		}
		detail := fmt.Sprintf("This is a SCIM 1.1 request (schemas %s) sent to the SCIM 2.0 base URL %s. ", scim11.URNCore, web.AbsoluteBase(r, s.cfg.Server.BasePath))
		if v1 := s.cfg.Server.V1BasePaths; len(v1) > 0 {
			detail += fmt.Sprintf("Set the client's base URL to the SCIM 1.1 one, %s, or configure it for SCIM 2.0 "+
				"(the Okta Provisioning Agent speaks 2.0 only with /v2 in its base URL).", web.AbsoluteBase(r, v1[0]))
		} else {
			detail += "This bridge serves SCIM 2.0 only (server.v1BasePaths is empty); configure the client for SCIM 2.0."
		}
		return web.WriteError(c, http.StatusBadRequest, "invalidSyntax", detail)
	}
}

// hasSchema reports whether a JSON object body lists urn in "schemas".
func hasSchema(body []byte, urn string) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(body, &doc) != nil {
		return false
	}
	for k, v := range doc {
		if !strings.EqualFold(k, "schemas") {
			continue
		}
		var list []string
		if json.Unmarshal(v, &list) != nil {
			return false
		}
		for _, s := range list {
			if strings.EqualFold(strings.TrimSpace(s), urn) {
				return true
			}
		}
	}
	return false
}

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
