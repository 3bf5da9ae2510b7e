package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
)

// reloadOnSIGHUP re-reads the configuration file on every SIGHUP (systemd's
// ExecReload, `kill -HUP`) and applies what can change without dropping a
// connection: server.auth (tokens, tokenFile, Basic users), the TLS
// certificate, key and client CAs, and log.level. Everything else needs a
// restart; the log line names what changed but was not applied. An invalid
// file changes nothing. Windows has no SIGHUP: restart the service there.
// The returned func stops listening.
func reloadOnSIGHUP(path string, running *config.Config, srv *connector.Server, log *slog.Logger, level *slog.LevelVar) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-hup:
				reload(path, running, srv, log, level)
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
	}
}

func reload(path string, running *config.Config, srv *connector.Server, log *slog.Logger, level *slog.LevelVar) {
	cfg, err := config.Load(path)
	if err != nil {
		log.Error("reload: configuration not applied; the running one stays", "file", path, "err", err)
		return
	}
	needRestart, err := srv.Reload(cfg)
	if err != nil {
		log.Error("reload: configuration not applied; the running one stays", "file", path, "err", err)
		return
	}
	level.Set(parseLevel(cfg.Log.Level))
	if cfg.Log.Format != running.Log.Format {
		needRestart = append(needRestart, "log.format")
	}
	log.Info("reload: applied server.auth, server.tls files and log.level", "file", path)
	logCertificate(log, srv)
	if len(needRestart) > 0 {
		log.Warn("reload: these settings changed but take effect only after a restart", "settings", needRestart)
	}
}

// certWarning is how long before a certificate expires (the bridge's own,
// or the directory's in check) it is warned about: an expired one fails
// every handshake.
const certWarning = 14 * 24 * time.Hour

// expiryWarning says whose certificate expires (or has expired) within
// certWarning of now; "" when it has longer, or no end is known.
func expiryWarning(whose string, notAfter, now time.Time) string {
	left := notAfter.Sub(now)
	switch {
	case notAfter.IsZero() || left >= certWarning:
		return ""
	case left <= 0:
		return fmt.Sprintf("%s certificate expired on %s; clients refuse it", whose, notAfter.Format(time.DateOnly))
	}
	return fmt.Sprintf("%s certificate expires in %d days (%s)", whose, int(left.Hours()/24), notAfter.Format(time.DateOnly))
}

// logCertificate says when the served certificate expires, and warns
// within certWarning of it.
func logCertificate(log *slog.Logger, srv *connector.Server) {
	end := srv.CertificateNotAfter()
	if end.IsZero() {
		return
	}
	if w := expiryWarning("the bridge's TLS", end, time.Now()); w != "" {
		log.Warn(w+"; replace server.tls.certFile/keyFile and send SIGHUP", "not_after", end, "days_left", int(time.Until(end).Hours()/24))
		return
	}
	log.Info("TLS certificate", "not_after", end)
}
