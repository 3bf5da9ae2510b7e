package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/kardianos/service"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "scim2ldap.yaml", "configuration file (YAML)")
	dryRun := fs.Bool("dry-run", false, "answer SCIM requests as if applied, but only log the LDAP writes they would send (reads still go to the directory)")
	name := fs.String("name", serviceName, "service name, when started by the service manager")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	tuneGC(os.Getenv)
	cfg, err := config.Load(*path)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	// Under a service manager: a Windows service has no console, so the
	// log goes to the Windows Event Log (source NAME, registered by
	// "service install"); systemd sends stderr to the journal.
	p := &program{}
	var svc service.Service
	if !service.Interactive() {
		if svc, err = service.New(p, serviceConfig(*name, "")); err == nil && runtime.GOOS == "windows" {
			if el, err := svc.Logger(nil); err == nil {
				stderr = eventLogWriter{el}
			}
		}
	}
	level := &slog.LevelVar{}
	log := newLogger(cfg.Log, stderr, level)
	opts := connector.StoreOptions(cfg, log)
	opts.DryRun = *dryRun
	store, err := ldapstore.Open(opts)
	if err != nil {
		log.Error("ldap settings", "err", err)
		return 1
	}
	defer store.Close()
	connector.Version = version // for the status page
	srv, err := connector.New(cfg, store, log)
	if err != nil {
		fmt.Fprintf(stderr, "config %s:\n%v\n", *path, err)
		return 1
	}
	// Listening before anything else: a port that is taken must fail the
	// start (the service manager then reports it), not a goroutine later.
	scimL, health, err := srv.Listen()
	if err != nil {
		log.Error("cannot listen", "err", err, "fix", "choose a free address in server.listen / server.healthListen, or stop what holds it")
		return 1
	}
	if *dryRun {
		log.Warn("DRY RUN: writes are logged as \"dry-run: not sent\" and answered as if applied; the directory is not changed")
	}
	// The bridge starts even when the directory is down (it reconnects by
	// itself), but says so at once.
	ping, cancel := context.WithTimeout(context.Background(), cfg.LDAP.DialTimeout+time.Second)
	if err := store.Ping(ping); err != nil {
		log.Warn("directory not reachable yet; requests fail until it is", "err", err)
	}
	cancel()
	log.Info("serving SCIM", "listen", scimL.Addr().String(), "base", cfg.Server.BasePath, "tls", cfg.Server.TLS.CertFile != "", "dry_run", *dryRun, "version", version)
	logCertificate(log, srv)
	logConnect(log, cfg, scimL.Addr().String())

	p.log = log
	p.serve = func(ctx context.Context) error {
		stopReload := reloadOnSIGHUP(*path, cfg, srv, log, level)
		defer stopReload()
		return srv.Serve(ctx, scimL, health)
	}
	if err := p.run(svc); err != nil {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// program runs the server either in the foreground (a terminal, a
// container, a test: SIGINT and SIGTERM stop it) or under the Windows
// service manager or systemd, through kardianos/service, which turns the
// manager's stop request into Stop.
type program struct {
	log   *slog.Logger
	serve func(context.Context) error

	cancel context.CancelFunc
	done   chan error
}

// run serves until stopped: by the service manager through svc, or, when
// svc is nil (interactive, or no service manager found), by SIGINT or
// SIGTERM.
func (p *program) run(svc service.Service) error {
	if svc != nil {
		return svc.Run()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return p.result(p.serve(ctx))
}

// Start is called by the service manager; it must return quickly.
func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan error, 1)
	go func() {
		err := p.result(p.serve(ctx))
		if err != nil && ctx.Err() == nil {
			// The server failed on its own: exit non-zero so the service
			// manager restarts it.
			p.log.Error("server stopped", "err", err)
			os.Exit(1)
		}
		p.done <- err
	}()
	return nil
}

// Stop shuts the server down gracefully (Serve lets requests in progress
// finish, up to 30 s).
func (p *program) Stop(service.Service) error {
	if p.cancel == nil {
		return nil
	}
	p.cancel()
	select {
	case err := <-p.done:
		return err
	case <-time.After(40 * time.Second):
		return errors.New("shutdown took longer than 40s")
	}
}

func (p *program) result(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// eventLogWriter turns each log line into one Windows Event Log entry of
// the line's level.
type eventLogWriter struct{ l service.Logger }

func (w eventLogWriter) Write(b []byte) (int, error) {
	line := strings.TrimRight(string(b), "\n")
	var err error
	switch {
	case strings.Contains(line, "level=ERROR") || strings.Contains(line, `"level":"ERROR"`):
		err = w.l.Error(line)
	case strings.Contains(line, "level=WARN") || strings.Contains(line, `"level":"WARN"`):
		err = w.l.Warning(line)
	default:
		err = w.l.Info(line)
	}
	return len(b), err
}
