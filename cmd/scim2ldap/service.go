package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/kardianos/service"
	"github.com/scim2ldap/scim2ldap/config"
)

const serviceName = "scim2ldap"

const serviceUsage = `Usage: scim2ldap service ACTION --config FILE [--name NAME]

Runs scim2ldap as a system service: a Windows service (Service Control
Manager) or a systemd unit on Linux. Run it as Administrator / root.

Actions:
  install     register the service to run "scim2ldap serve --config FILE"
              at boot (FILE made absolute; it is checked first)
  uninstall   stop and remove the service
  start       start the service
  stop        stop the service (requests in progress finish first)
  status      print running, stopped or not installed (exit 0 only if running)

Flags:
  --config FILE   configuration file (needed by install)
  --name NAME     service name, for several bridges on one host (default scim2ldap)

On Linux the unit is hardened like examples/scim2ldap.service (DynamicUser,
ProtectSystem=strict, …) and reads secrets from /etc/scim2ldap/NAME.env.
`

var serviceActions = []string{"install", "uninstall", "start", "stop", "status"}

func serviceCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		fmt.Fprint(w, serviceUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	action := args[0]
	if !slices.Contains(serviceActions, action) {
		fmt.Fprintf(stderr, "unknown action %q; want one of %s\n\n%s", action, strings.Join(serviceActions, ", "), serviceUsage)
		return 2
	}
	fs := flag.NewFlagSet("service "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serviceUsage) }
	path := fs.String("config", "", "configuration file (YAML)")
	name := fs.String("name", serviceName, "service name")
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	abs := ""
	if action == "install" {
		if *path == "" {
			fmt.Fprintf(stderr, "service install needs --config FILE: the service runs \"scim2ldap serve --config FILE\"\n")
			return 2
		}
		var err error
		if abs, err = installablePaths(*path, *name, stderr); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	s, err := service.New(&program{}, serviceConfig(*name, abs))
	if err != nil {
		fmt.Fprintf(stderr, "no service manager found (%v): run \"scim2ldap serve --config FILE\" under your init system instead; examples/scim2ldap.service is a systemd unit\n", err)
		return 1
	}
	if action == "status" {
		st, err := s.Status()
		switch {
		case errors.Is(err, service.ErrNotInstalled):
			fmt.Fprintf(stdout, "%s: not installed\n", *name)
			return 3
		case err != nil:
			fmt.Fprintf(stderr, "%s: status unknown: %v\n", *name, err)
			return 4
		case st == service.StatusRunning:
			fmt.Fprintf(stdout, "%s: running\n", *name)
			return 0
		default:
			fmt.Fprintf(stdout, "%s: stopped\n", *name)
			return 3
		}
	}
	if action == "uninstall" {
		_ = s.Stop() // a running service keeps its port until stopped
	}
	if err := service.Control(s, action); err != nil {
		fmt.Fprintf(stderr, "%s %s: %v\n", action, *name, err)
		if os.Geteuid() > 0 {
			fmt.Fprintln(stderr, "fix: run it as root (sudo)")
		}
		return 1
	}
	switch action {
	case "install":
		fmt.Fprintf(stdout, "installed %s: runs %q serve --config %q at boot; start it with \"scim2ldap service start%s\"\n", *name, exePath(), abs, nameFlag(*name))
		if runtime.GOOS == "linux" {
			fmt.Fprintf(stdout, "secrets (e.g. SCIM2LDAP_BIND_PASSWORD=…) go into %s (mode 0600); logs: journalctl -u %s\n", envFile(*name), *name)
		}
	default:
		fmt.Fprintf(stdout, "%s: %s done\n", *name, action)
	}
	return 0
}

// installablePaths checks the configuration before it is installed (a
// service that fails at every boot is worse than an error now) and that
// the service user will be able to read it.
func installablePaths(path, name string, stderr io.Writer) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if _, err := config.Load(abs); err != nil {
		return "", fmt.Errorf("config %s:\n%v\nfix the configuration first; \"scim2ldap check --config %s\" tests it against the directory", abs, err, abs)
	}
	if runtime.GOOS != "linux" {
		return abs, nil
	}
	// The unit has ProtectHome=yes and DynamicUser=yes.
	for _, p := range []string{abs, exePath()} {
		for _, dir := range []string{"/home/", "/root/", "/tmp/", "/run/user/"} {
			if strings.HasPrefix(p, dir) {
				return "", fmt.Errorf("%s is under %s, which the hardened service cannot read (ProtectHome, PrivateTmp); fix: put the binary in /usr/local/bin and the configuration in /etc/scim2ldap", p, dir)
			}
		}
	}
	if fi, err := os.Stat(abs); err == nil && fi.Mode().Perm()&0o004 == 0 {
		fmt.Fprintf(stderr, "warning: %s is not world-readable, but the service runs as a transient user (DynamicUser); fix: chmod 0644 it and keep secrets in %s as ${VAR}\n", abs, envFile(name))
	}
	return abs, nil
}

// envFile is where the unit (EnvironmentFile=-/etc/scim2ldap/{{Name}}.env)
// reads a service's secrets; a second bridge installed with --name has its own.
func envFile(name string) string { return "/etc/scim2ldap/" + name + ".env" }

// nameFlag is what the admin must add to later service commands.
func nameFlag(name string) string {
	if name == serviceName {
		return ""
	}
	return " --name " + name
}

func exePath() string {
	p, err := os.Executable()
	if err != nil {
		return "scim2ldap"
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return p
}

// serviceConfig describes the service to kardianos/service. configPath is
// empty when the Config is only used to run or control the service.
func serviceConfig(name, configPath string) *service.Config {
	c := &service.Config{
		Name:        name,
		DisplayName: "scim2ldap SCIM to LDAP bridge",
		Description: "SCIM 2.0 / Okta SCIM 1.1 server that provisions users and groups into an LDAP directory.",
		Dependencies: []string{
			"Wants=network-online.target",
			"After=network-online.target",
		},
		Option: service.KeyValue{
			// Linux (systemd)
			"SystemdScript": systemdUnit,
			"Restart":       "on-failure",
			"ReloadSignal":  "HUP",
			// Windows: start after the network is up at boot, restart
			// after a crash.
			"DelayedAutoStart":       true,
			"StartType":              "automatic",
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "10s",
			"OnFailureResetPeriod":   3600,
		},
	}
	if configPath != "" {
		c.Arguments = []string{"serve", "--config", configPath}
		if name != serviceName {
			c.Arguments = append(c.Arguments, "--name", name)
		}
	}
	return c
}

// systemdUnit is examples/scim2ldap.service as a kardianos/service
// template (TestSystemdUnitMatchesExample keeps the two in step).
const systemdUnit = `[Unit]
Description={{Description}}
Documentation=https://github.com/scim2ldap/scim2ldap#operations
ConditionFileIsExecutable={{Path | cmdEscape}}
{{range Dependencies}}{{.}}
{{end}}
[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
ExecReload=/bin/kill -HUP $MAINPID
EnvironmentFile=-/etc/scim2ldap/{{Name}}.env
Restart=on-failure
RestartSec=5
TimeoutStopSec=45
LimitNOFILE=65536
DynamicUser=yes
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
CapabilityBoundingSet=

[Install]
WantedBy=multi-user.target
`
