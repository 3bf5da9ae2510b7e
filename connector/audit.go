package connector

import (
	"context"
	"log/slog"
	"sort"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// auditLog writes one line per directory write: operation, DN, the names of
// the attributes changed (never values: passwords ride along), the SCIM
// client and the result.
type auditLog struct{ log *slog.Logger }

func (a *auditLog) write(ctx context.Context, op, dn string, attrs []string, err error) {
	if a == nil || a.log == nil {
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
	a.log.InfoContext(ctx, "audit", "op", op, "dn", dn, "attributes", sorted, "client", clientName(ctx), "result", result)
}
