package connector

import (
	"github.com/elimity-com/scim"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/discovery"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
)

// newDiscovery hands the discovery endpoints what this configuration does:
// the schemas built from each type's compiled mapping, and the facts
// ServiceProviderConfig reports.
func (s *Server) newDiscovery(cfg *config.Config, types []scim.ResourceType) *discovery.Endpoints {
	var docs []discovery.Type
	for _, t := range types {
		var dt *dirType
		var builtins []mapping.Builtin
		switch h := t.Handler.(type) {
		case *users:
			dt, builtins = &h.dirType, userBuiltins(cfg)
		case *groups:
			dt, builtins = &h.dirType, []mapping.Builtin{
				{Name: "displayName", Required: true, Uniqueness: "server"},
				{Name: "members"},
			}
		default:
			continue
		}
		docs = append(docs, discovery.Type{ID: t.ID.Value(), Name: t.Name, Endpoint: t.Endpoint, Description: t.Description.Value(),
			Schemas: dt.m.Describe(dt.patch.schemas, builtins)})
	}
	bearer, basic := s.auth.Schemes()
	return discovery.New(discovery.Facts{
		MaxResults: s.maxResults, Passwords: s.passwords, Deactivation: s.deactivation, Groups: s.groups,
		Bearer: bearer, Basic: basic, ETags: s.etagsSupported, Sort: s.sortSupported,
	}, docs)
}

// userBuiltins are the User attributes the bridge keeps itself, as the
// configuration has them.
func userBuiltins(cfg *config.Config) []mapping.Builtin {
	b := []mapping.Builtin{{Name: "userName", Required: true, Uniqueness: "server"}}
	if cfg.Users.Deactivation.Strategy != config.DeactivateNone {
		b = append(b, mapping.Builtin{Name: "active"})
	}
	if cfg.Users.Password.Attribute != "-" {
		b = append(b, mapping.Builtin{Name: "password", Mutability: "writeOnly", Returned: "never"})
	}
	if cfg.Groups.Enabled() {
		b = append(b, mapping.Builtin{Name: "groups", Mutability: "readOnly"})
	}
	return b
}
