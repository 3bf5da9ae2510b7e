// Package mapping is the one translation layer between a SCIM resource and
// a directory entry: every place where a SCIM attribute (name.givenName,
// emails[type eq "work"].value, an extension attribute…) becomes an LDAP
// attribute (givenName, mail, …) and back is driven by the YAML mapping
// compiled here, with its templates, value types and projections.
//
// It knows config, SCIM paths and the SCIM schemas. It must not import
// HTTP (echo), the directory (ldapstore, go-ldap) or the connector above
// it, so that its tests run without any server and tools such as preview
// and the placement rules can build on it.
package mapping
