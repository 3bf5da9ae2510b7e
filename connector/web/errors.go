package web

import (
	"encoding/json"
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
