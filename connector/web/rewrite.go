package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// capture buffers a response so it can be corrected before it is sent.
type capture struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *capture) WriteHeader(status int)      { w.status = status }
func (w *capture) Write(b []byte) (int, error) { return w.body.Write(b) }

// RewriteAnswer runs next with its answer buffered and sends the status
// and body rewrite makes of it instead; rewrite may also set headers.
func RewriteAnswer(c echo.Context, next echo.HandlerFunc, rewrite func(h http.Header, status int, body []byte) (int, []byte)) error {
	orig := c.Response().Writer
	cw := &capture{ResponseWriter: orig, status: http.StatusOK}
	c.Response().Writer = cw
	err := next(c)
	c.Response().Writer = orig
	if err != nil {
		return err
	}
	status, body := rewrite(orig.Header(), cw.status, cw.body.Bytes())
	if len(body) > 0 {
		orig.Header().Set("Content-Length", strconv.Itoa(len(body)))
	} else {
		orig.Header().Del("Content-Length")
	}
	orig.WriteHeader(status)
	_, werr := orig.Write(body)
	return werr
}

// Capture runs next with its answer buffered and returns it instead of
// sending it. The response stays uncommitted, so the caller can run next
// again (one answer made of several) and then write its own; headers next
// set stay set.
func Capture(c echo.Context, next echo.HandlerFunc) (status int, body []byte, err error) {
	res := c.Response()
	orig, committed, st, size := res.Writer, res.Committed, res.Status, res.Size
	cw := &capture{ResponseWriter: orig, status: http.StatusOK}
	res.Writer = cw
	err = next(c)
	res.Writer, res.Committed, res.Status, res.Size = orig, committed, st, size
	return cw.status, cw.body.Bytes(), err
}
