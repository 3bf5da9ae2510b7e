package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves main on l (HTTPS when tls is not nil) and, if hl is not
// nil, health on hl, until ctx is cancelled; then it shuts both down
// gracefully, letting requests in progress finish (up to 30 s).
func Serve(ctx context.Context, log *slog.Logger, main http.Handler, tls *TLSState, l net.Listener, health http.Handler, hl net.Listener) error {
	hs := &http.Server{
		Handler:           main,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelInfo),
	}
	servers := []*http.Server{hs}
	errc := make(chan error, 2)
	go func() {
		if tls != nil {
			hs.TLSConfig = tls.serverConfig()
			errc <- hs.ServeTLS(l, "", "")
			return
		}
		errc <- hs.Serve(l)
	}()
	if hl != nil {
		h := &http.Server{Handler: health, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		servers = append(servers, h)
		go func() { errc <- h.Serve(hl) }()
	}
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, srv := range servers {
		if serr := srv.Shutdown(shutdown); err == nil && !errors.Is(serr, http.ErrServerClosed) {
			err = serr
		}
	}
	return err
}
