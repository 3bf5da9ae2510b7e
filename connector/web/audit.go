package web

import (
	"context"
	"log/slog"
	"sort"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// AuditLog writes one line per directory write: operation, DN, the names of
// the attributes changed (never values: passwords ride along), the SCIM
// client and the result.
type AuditLog struct{ Log *slog.Logger }

func (a *AuditLog) Write(ctx context.Context, op, dn string, attrs []string, err error) {
	if a == nil || a.Log == nil {
		return
	}
	sorted := append([]string(nil), attrs...)
	sort.Strings(sorted)
	result := "ok"
	if err != nil {
		result = "failed"
	} else if ldapstore.InDryRunScope(ctx) {
		result = "dry-run (not sent)"
	}
	recordAudit(ctx, op, dn, sorted, result) // the status page's list (status.go)
	a.Log.InfoContext(ctx, "audit", "op", op, "dn", dn, "attributes", sorted, "client", Client(ctx), "result", result)
}
