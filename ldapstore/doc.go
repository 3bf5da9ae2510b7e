// Package ldapstore is the LDAP side of scim2ldap: a small, opinionated
// client over github.com/go-ldap/ldap/v3 with a connection pool, failover,
// paged searches, escaping helpers for filters and DNs, one place that
// classifies LDAP results (Error, Code, IsUnavailable) and local password
// verification.
//
// The SCIM side (package connector) must not import go-ldap, so everything
// it needs is expressed in this package's own types: Entry, Filter, Change,
// SearchRequest and the Code* constants. Nothing here knows about SCIM.
//
// Values that end up in filters or DNs are only ever put there by the
// escaping helpers (Eq, Substring, …, ChildDN, Rename), never by string
// concatenation, so user-controlled data cannot change the structure of a
// filter or DN. Passwords are never logged and never appear in errors.
package ldapstore
