package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestServiceHelpListsActions(t *testing.T) {
	for _, args := range [][]string{{"service", "--help"}, {"service", "install", "--help"}} {
		var out, errb bytes.Buffer
		code := run(args, &out, &errb)
		if code != 0 {
			t.Errorf("%v: exit %d", args, code)
		}
		help := out.String() + errb.String()
		for _, action := range []string{"install", "uninstall", "start", "stop", "status", "--config"} {
			if !strings.Contains(help, action) {
				t.Errorf("%v does not list %s:\n%s", args, action, help)
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"service", "restart-everything"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown action") {
		t.Errorf("unknown action: %d %s", code, errb.String())
	}
	if code := run([]string{"service", "install"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "needs --config") {
		t.Errorf("install without --config: %d %s", code, errb.String())
	}
}

// TestSystemdUnitMatchesExample keeps the unit "service install" writes
// as hardened as the shipped examples/scim2ldap.service.
func TestSystemdUnitMatchesExample(t *testing.T) {
	b, err := os.ReadFile("../../examples/scim2ldap.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "ExecStart=") || strings.HasPrefix(line, "EnvironmentFile=") ||
			strings.HasPrefix(line, "Description=") || strings.HasPrefix(line, "Wants=") || strings.HasPrefix(line, "After=") {
			continue
		}
		if !strings.Contains(systemdUnit, line+"\n") {
			t.Errorf("the installed unit lacks %q", line)
		}
	}
	for _, want := range []string{"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "EnvironmentFile=-/etc/scim2ldap/{{Name}}.env", "ExecReload=/bin/kill -HUP $MAINPID"} {
		if !strings.Contains(systemdUnit, want) {
			t.Errorf("the installed unit lacks %q", want)
		}
	}
}

// TestServiceEnvFileFollowsName: a bridge installed with --name reads its
// secrets from its own file, and the admin is told that file's name.
func TestServiceEnvFileFollowsName(t *testing.T) {
	for _, name := range []string{serviceName, "scim2ldap-eu"} {
		unit := strings.ReplaceAll(systemdUnit, "{{Name}}", name)
		if want := "EnvironmentFile=-" + envFile(name) + "\n"; !strings.Contains(unit, want) {
			t.Errorf("--name %s: the unit lacks %q", name, want)
		}
	}
	if nameFlag(serviceName) != "" || nameFlag("scim2ldap-eu") != " --name scim2ldap-eu" {
		t.Errorf("nameFlag: %q %q", nameFlag(serviceName), nameFlag("scim2ldap-eu"))
	}
}
