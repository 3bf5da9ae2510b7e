// Package web is the bridge's HTTP plumbing, the part that has nothing to
// do with SCIM resources: authentication (tokens, Basic and its cache,
// client certificates, the failed-authentication limiter), request body
// limits and JSON hygiene, the throttle, TLS and its reload, metrics,
// health and readiness, the request and audit logs, and serving with a
// graceful shutdown.
//
// It knows config and, for readiness and the audit log, ldapstore's
// store; its error answers have the SCIM Error shape so that clients read
// them. It must not import the SCIM library (elimity), the mapping or the
// connector above it.
package web
