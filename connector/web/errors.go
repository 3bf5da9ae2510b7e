package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

const (
	// ContentType is what every SCIM answer, error or not, is sent as.
	ContentType = "application/scim+json"
	// ErrorSchema is the schema of a SCIM Error body.
	ErrorSchema = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// WriteError answers with a SCIM Error body (RFC 7644 §3.12; status as a
// string, as the RFC and Okta's spec test want).
func WriteError(c echo.Context, status int, scimType, detail string) error {
	body := map[string]interface{}{
		"schemas": []string{ErrorSchema},
		"status":  strconv.Itoa(status),
		"detail":  detail,
	}
	if scimType != "" {
		body["scimType"] = scimType
	}
	raw, _ := json.Marshal(body)
	return c.Blob(status, ContentType, raw)
}

// WriteJSON answers v as a SCIM document.
func WriteJSON(c echo.Context, status int, v interface{}) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.Blob(status, ContentType, raw)
}

// AbsoluteBase is the URL of basePath as the client reached it (scheme,
// host and port of its request, or X-Forwarded-Proto behind a proxy),
// ending in "/".
func AbsoluteBase(r *http.Request, basePath string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	return scheme + "://" + r.Host + basePath + "/"
}
