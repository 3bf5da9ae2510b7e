package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

// ReadBody reads the request body once, within the limit, and keeps it in
// the context (Body): handlers parse it from there and the SCIM library
// reads it again from a fresh reader. rewrite, when not nil, may replace
// the body handlers see (e.g. to normalise a client's quirk); BodyChecks
// still checks the body as sent.
func ReadBody(limit int64, rewrite func(r *http.Request, body []byte) []byte) echo.MiddlewareFunc {
	tooLarge := fmt.Sprintf("The request body is larger than %d bytes (server.bodyLimit).", limit)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodDelete || r.Method == http.MethodHead {
				return next(c)
			}
			if r.ContentLength > limit {
				return WriteError(c, http.StatusRequestEntityTooLarge, "", tooLarge)
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if err != nil {
				return WriteError(c, http.StatusBadRequest, "invalidSyntax", "The request body could not be read.")
			}
			if int64(len(body)) > limit {
				return WriteError(c, http.StatusRequestEntityTooLarge, "", tooLarge)
			}
			raw := body // as sent, for BodyChecks
			if rewrite != nil {
				body = rewrite(r, body)
			}
			r = r.WithContext(context.WithValue(context.WithValue(r.Context(), ctxBody, body), ctxSentBody, raw))
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			c.SetRequest(r)
			return next(c)
		}
	}
}
