package connector

import (
	"log/slog"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// StoreOptions turns the ldap section of cfg into the store's options.
// serve, check and the tests all build their store from it, so that none
// of them forgets a connection setting such as startTLS or caFile.
func StoreOptions(cfg *config.Config, log *slog.Logger) ldapstore.Options {
	l := cfg.LDAP
	return ldapstore.Options{
		URLs: l.URLs, BindDN: l.BindDN, BindPassword: l.BindPassword,
		StartTLS: l.StartTLS, CAFile: l.CAFile, ServerName: l.ServerName, InsecureSkipVerify: l.InsecureSkipVerify,
		DialTimeout: l.DialTimeout, RequestTimeout: l.RequestTimeout, PoolSize: l.PoolSize,
		FailbackAfter: l.FailbackAfter,
		Logger:        log,
	}
}
