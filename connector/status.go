package connector

import (
	"context"
	"os"
	"strings"
	"sync"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// Version is shown on the status page; the binary sets it at start-up.
var Version = ""

// newStatus builds the status page (connector/web/status.go) from the
// configuration and the store: the mapping table, the directory checks
// and the connect instructions. Nothing given to it is a secret.
func newStatus(cfg *config.Config, store *ldapstore.Store, m *web.Metrics) *web.Status {
	return web.NewStatus(web.StatusOptions{
		Token:   cfg.Server.StatusToken,
		Mapping: mappingRows(cfg),
		Connect: func(listen string) ([]web.ConnectTarget, []string) {
			return web.ConnectInfo(cfg, listen, os.Hostname)
		},
		Directories: directoryStates(store),
		Metrics:     m,
		Version:     Version,
	})
}

// directoryStates connects and binds to each ldap.urls entry, all at
// once, on a connection of its own (the pool's connections are busy with
// SCIM and would say nothing about the other URLs).
func directoryStates(store *ldapstore.Store) func(ctx context.Context) []web.DirectoryState {
	if store == nil {
		return nil
	}
	return func(ctx context.Context) []web.DirectoryState {
		probes := store.Probes()
		out := make([]web.DirectoryState, len(probes))
		_, active := store.ActiveURL()
		var wg sync.WaitGroup
		for i, p := range probes {
			out[i] = web.DirectoryState{URL: p.URL, Active: i == active}
			wg.Add(1)
			go func(d *web.DirectoryState, p *ldapstore.Probe) {
				defer wg.Done()
				defer p.Close()
				if err := p.Connect(ctx); err != nil {
					d.Detail = "connect: " + err.Error()
					return
				}
				if _, _, _, err := p.TLS(ctx); err != nil {
					d.Detail = "TLS: " + err.Error()
					return
				}
				d.Reachable = true
				if err := p.Bind(ctx); err != nil {
					d.Detail = "bind as ldap.bindDN: " + err.Error()
					return
				}
				d.Bound = true
			}(&out[i], p)
		}
		wg.Wait()
		return out
	}
}

// mappingRows is the mapping as the admin wrote it, plus what the bridge
// maps by itself (userName, id, active, password; a group's displayName
// and members).
func mappingRows(cfg *config.Config) []web.MappingRow {
	u := cfg.Users
	rows := []web.MappingRow{
		{Resource: "User", SCIM: "id", LDAP: u.IDAttribute, Note: "read-only, stable across renames"},
		{Resource: "User", SCIM: "userName", LDAP: u.UserNameAttribute, Note: "unique; the entry's RDN is " + u.RDNAttribute},
	}
	if u.Deactivation.Strategy != "none" {
		rows = append(rows, web.MappingRow{Resource: "User", SCIM: "active", LDAP: u.Deactivation.Attribute, Note: "deactivation strategy " + u.Deactivation.Strategy})
	}
	if u.Password.Attribute != "-" {
		rows = append(rows, web.MappingRow{Resource: "User", SCIM: "password", LDAP: u.Password.Attribute, Note: "write-only (method " + u.Password.Method + ")"})
	}
	rows = append(rows, attributeRows("User", u.Attributes)...)
	if !cfg.Groups.Enabled() {
		return rows
	}
	g := cfg.Groups
	rows = append(rows,
		web.MappingRow{Resource: "Group", SCIM: "id", LDAP: g.IDAttribute, Note: "read-only"},
		web.MappingRow{Resource: "Group", SCIM: "displayName", LDAP: nonEmpty(g.DisplayNameAttribute, g.RDNAttribute), Note: "the entry's RDN is " + g.RDNAttribute},
		web.MappingRow{Resource: "Group", SCIM: "members", LDAP: g.MemberAttribute, Note: "model " + g.Model},
	)
	return append(rows, attributeRows("Group", g.Attributes)...)
}

func attributeRows(resource string, list []config.AttributeMapping) []web.MappingRow {
	var rows []web.MappingRow
	for _, a := range list {
		var notes []string
		if a.Template != "" {
			notes = append(notes, "template "+a.Template)
		}
		if a.Default != "" {
			notes = append(notes, "default "+a.Default)
		}
		rows = append(rows, web.MappingRow{Resource: resource, SCIM: a.SCIM, LDAP: a.LDAP, Note: strings.Join(notes, "; ")})
	}
	return rows
}

func nonEmpty(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
