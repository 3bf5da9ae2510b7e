package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

const (
	scimContentType = "application/scim+json"
	schemaError     = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaPatchOp   = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// writeError answers with a SCIM Error body (RFC 7644 §3.12; status as a
// string, as the RFC and Okta's spec test want).
func writeError(c echo.Context, status int, scimType, detail string) error {
	body := map[string]interface{}{
		"schemas": []string{schemaError},
		"status":  strconv.Itoa(status),
		"detail":  detail,
	}
	if scimType != "" {
		body["scimType"] = scimType
	}
	raw, _ := json.Marshal(body)
	return c.Blob(status, scimContentType, raw)
}

// readBody reads the request body once, within the limit, and keeps it in
// the context: the PATCH handler parses operations from it and the library
// reads it again from a fresh reader.
func readBody(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodDelete || r.Method == http.MethodHead {
				return next(c)
			}
			tooLarge := fmt.Sprintf("The request body is larger than %d bytes (server.bodyLimit).", limit)
			if r.ContentLength > limit {
				return writeError(c, http.StatusRequestEntityTooLarge, "", tooLarge)
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if err != nil {
				return writeError(c, http.StatusBadRequest, "invalidSyntax", "The request body could not be read.")
			}
			if int64(len(body)) > limit {
				return writeError(c, http.StatusRequestEntityTooLarge, "", tooLarge)
			}
			raw := body // as sent, for bodyChecks
			if r.Method == http.MethodPatch {
				body = normalizePatchSchemas(body)
			}
			r = r.WithContext(context.WithValue(context.WithValue(r.Context(), ctxBody, body), rawBodyKey{}, raw))
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			c.SetRequest(r)
			return next(c)
		}
	}
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

// capture buffers a response so it can be corrected before it is sent.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *capture) WriteHeader(status int)      { w.status = status }
func (w *capture) Write(b []byte) (int, error) { return w.body.Write(b) }

// fixResponses corrects what the library gets wrong for real clients:
// 201 without a Location header, relative meta.location, and itemsPerPage
// echoing the requested count instead of the number of resources returned.
func fixResponses(basePath string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			orig := c.Response().Writer
			cw := &capture{ResponseWriter: orig, status: http.StatusOK}
			c.Response().Writer = cw
			err := next(c)
			c.Response().Writer = orig
			if err != nil {
				return err
			}
			body := cw.body.Bytes()
			base := absoluteBase(c.Request(), basePath)
			if fixed, location, ok := fixBody(body, base); ok {
				body = fixed
				if cw.status == http.StatusCreated && location != "" {
					orig.Header().Set("Location", location)
				}
			}
			if len(body) > 0 {
				orig.Header().Set("Content-Length", strconv.Itoa(len(body)))
			}
			orig.WriteHeader(cw.status)
			_, werr := orig.Write(body)
			return werr
		}
	}
}

func absoluteBase(r *http.Request, basePath string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + basePath + "/"
}

// fixBody rewrites meta.location to absolute URLs and itemsPerPage to the
// real page size. It returns the resource's location for a single resource.
func fixBody(body []byte, base string) ([]byte, string, bool) {
	if len(body) == 0 || body[0] != '{' {
		return body, "", false
	}
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
