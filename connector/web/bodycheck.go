package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Request bodies are checked here, after authentication and the size limit
// and before any handler runs, so that nothing ambiguous or oversized ever
// reaches the directory. Go's decoder (and so the library and our PATCH
// parser) silently keeps the last of two equal keys; a body with
// {"userName":"a","userName":"b"} is refused instead, since the client and
// the bridge could disagree about what it means. Keys are compared
// case-insensitively, as SCIM attribute names are.

// maxJSONDepth bounds nesting: the deepest real SCIM body (a PATCH value
// with an extension object holding a complex attribute) is 5 levels.
const maxJSONDepth = 32

// BodyChecks holds the limit of server.maxStringLength.
type BodyChecks struct {
	MaxString int
}

// Middleware runs after ReadBody, which keeps the body as sent under
// ctxSentBody (the body handlers see may have been rewritten).
func (b BodyChecks) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		// Go's query parser drops a pair it cannot parse (a raw ";" since
		// Go 1.17) without an error to the handler: a filter sent with an
		// unencoded ";" would vanish and the list would match everyone.
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			scimType := "invalidValue"
			if strings.Contains(strings.ToLower(r.URL.RawQuery), "filter=") {
				scimType = "invalidFilter"
			}
			return WriteError(c, http.StatusBadRequest, scimType, fmt.Sprintf(
				"The query string does not parse (%v); percent-encode ; & + %% and # in parameter values, e.g. ; as %%3B.", err))
		}
		raw := sentBody(r.Context())
		if len(bytes.TrimSpace(raw)) == 0 {
			return next(c)
		}
		if err := checkJSON(raw, b.MaxString); err != nil {
			return WriteError(c, http.StatusBadRequest, err.scimType, err.detail)
		}
		return next(c)
	}
}

type bodyError struct{ scimType, detail string }

// checkJSON walks the body token by token: one JSON value, no duplicate
// keys in any object, no string (key or value) or number longer than
// maxString bytes, nesting at most maxJSONDepth.
func checkJSON(body []byte, maxString int) *bodyError {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // in an object: the next token is a key
	}
	var stack []*frame
	syntax := func(what string) *bodyError {
		return &bodyError{"invalidSyntax", "The request body is not valid JSON: " + what}
	}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return syntax("it ends inside an object or array")
			}
			return nil
		}
		if err != nil {
			return syntax(err.Error())
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, isKey := tok.(string); isKey && top != nil && top.object && top.key {
			if len(key) > maxString {
				return &bodyError{"invalidValue", fmt.Sprintf("An attribute name is longer than %d bytes (server.maxStringLength).", maxString)}
			}
			k := strings.ToLower(key)
			if top.keys[k] {
				return &bodyError{"invalidSyntax", fmt.Sprintf("The request body has the key %q twice in one object (keys are case-insensitive in SCIM); send it once.", truncate(key, 64))}
			}
			top.keys[k] = true
			top.key = false
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if len(stack) >= maxJSONDepth {
					return &bodyError{"invalidValue", fmt.Sprintf("The request body nests deeper than %d levels.", maxJSONDepth)}
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: v == '{'})
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if len(v) > maxString {
				return &bodyError{"invalidValue", fmt.Sprintf("A value is longer than %d bytes (server.maxStringLength).", maxString)}
			}
		case json.Number:
			if len(v) > maxString {
				return &bodyError{"invalidValue", fmt.Sprintf("A number is longer than %d bytes (server.maxStringLength).", maxString)}
			}
			// Go decodes numbers as float64; one beyond its range (1E1000)
			// would pass this walk and then fail in the library's decoder
			// with a message naming Go types.
			if _, err := v.Float64(); err != nil {
				return &bodyError{"invalidValue", fmt.Sprintf("The number %s is out of range; SCIM numbers must fit a 64-bit float.", truncate(string(v), 64))}
			}
		}
		// A value (or a closed container) completed: in an object the next
		// token is a key again; at the top level the body must end here.
		if len(stack) == 0 {
			if _, err := d.Token(); !errors.Is(err, io.EOF) {
				return syntax("there is more after the first JSON value")
			}
			return nil
		}
		if f := stack[len(stack)-1]; f.object {
			f.key = true
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
