package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// RequestLog gives each request an id and logs one line per request. It
// never logs headers or bodies: they carry tokens and passwords.
func RequestLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			id := c.Request().Header.Get("X-Request-Id")
			if id == "" || len(id) > 64 || strings.ContainsAny(id, " \t\r\n") {
				var b [8]byte
				_, _ = rand.Read(b[:])
				id = hex.EncodeToString(b[:])
			}
			c.Response().Header().Set("X-Request-Id", id)
			r := c.Request()
			c.SetRequest(r.WithContext(withRequestID(r.Context(), id)))
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			log.InfoContext(c.Request().Context(), "request",
				"method", r.Method, "path", r.URL.Path, "status", c.Response().Status,
				"duration_ms", time.Since(start).Milliseconds(), "client", Client(c.Request().Context()))
			return nil
		}
	}
}
