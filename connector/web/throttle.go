package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Throttle guards the directory: at most maxInFlight SCIM requests work on
// it at once, and each gets at most timeout for all its LDAP operations.
//
// A request over the cap waits up to queue for a turn (Okta and Entra send
// bursts; a short wait smooths them without a round trip), then gets 429
// with an integer Retry-After, the only form Okta honours (it then doubles
// its back-off). The directory itself is never asked how busy it is: the
// connection pool (ldap.poolSize) bounds what reaches it, and the cap here
// bounds how many requests queue for the pool, so a slow directory makes
// clients back off instead of piling up goroutines and timeouts.
type Throttle struct {
	slots   chan struct{}
	queue   time.Duration
	timeout time.Duration
}

func NewThrottle(maxInFlight int, queue, timeout time.Duration) *Throttle {
	return &Throttle{slots: make(chan struct{}, maxInFlight), queue: queue, timeout: timeout}
}

func (t *Throttle) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		select {
		case t.slots <- struct{}{}:
		default:
			wait := time.NewTimer(t.queue)
			select {
			case t.slots <- struct{}{}:
				wait.Stop()
			case <-wait.C:
				secs := retryAfter(t.queue)
				c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
				return WriteError(c, http.StatusTooManyRequests, "", fmt.Sprintf(
					"The bridge is working on %d requests already (server.maxInFlight); retry after %d seconds.", cap(t.slots), secs))
			case <-c.Request().Context().Done():
				wait.Stop()
				return WriteError(c, http.StatusServiceUnavailable, "", "The request was cancelled while waiting for its turn.")
			}
		}
		defer func() { <-t.slots }()
		// The deadline bounds every LDAP operation of the request, waits for
		// a pooled connection and dials included: the store closes a
		// connection whose operation outlives it, so a hung directory turns
		// into a 500 within the bound.
		r := c.Request()
		ctx, cancel := context.WithTimeout(r.Context(), t.timeout)
		defer cancel()
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}
