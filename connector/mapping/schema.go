package mapping

import (
	"strings"

	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
)

const URNEnterpriseUser = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// UserSchemas returns the schemas a user mapping is compiled against and the
// extensions the User resource type announces. The enterprise extension is
// always offered; any other URN in the mapping (e.g. Okta's
// urn:okta:onprem_app:1.0:user:custom) gets a schema built from the mapped
// attributes, because the library drops data of unknown extensions.
func UserSchemas(list []config.AttributeMapping) (SchemaSet, []scim.SchemaExtension) {
	set := SchemaSet{Core: schema.CoreUserSchema(), extensions: map[string]schema.Schema{}}
	ent := schema.ExtensionEnterpriseUser()
	set.extensions[strings.ToLower(ent.ID)] = ent
	exts := []scim.SchemaExtension{{Schema: ent}}
	return customExtensions(set, exts, list)
}

// customExtensions adds a generated schema for every extension URN of the
// mapping that is not known yet.
func customExtensions(set SchemaSet, exts []scim.SchemaExtension, list []config.AttributeMapping) (SchemaSet, []scim.SchemaExtension) {
	custom := map[string]*schema.Schema{}
	var order []string
	for _, am := range list {
		p, err := scimfilter.ParsePath(am.SCIM)
		if err != nil || p.URN == "" {
			continue // compileMapping reports bad paths
		}
		key := strings.ToLower(p.URN)
		if _, known := set.extensions[key]; known {
			continue
		}
		s, ok := custom[key]
		if !ok {
			s = &schema.Schema{ID: p.URN, Name: optional.NewString(p.URN), Description: optional.NewString("Attributes mapped by the scim2ldap configuration.")}
			custom[key] = s
			order = append(order, key)
		}
		if _, dup := findAttr(s.Attributes, p.Name); dup {
			continue
		}
		s.Attributes = append(s.Attributes, customAttribute(p, am.Type))
	}
	for _, key := range order {
		s := *custom[key]
		set.extensions[key] = s
		exts = append(exts, scim.SchemaExtension{Schema: s})
	}
	return set, exts
}

// customAttribute declares one attribute of a generated extension schema.
func customAttribute(p scimfilter.AttrPath, typ string) schema.CoreAttribute {
	if p.Sub != "" {
		return schema.ComplexCoreAttribute(schema.ComplexParams{
			Name:          p.Name,
			SubAttributes: []schema.SimpleParams{simpleParams(p.Sub, typ)},
		})
	}
	return schema.SimpleCoreAttribute(simpleParams(p.Name, typ))
}

func simpleParams(name, typ string) schema.SimpleParams {
	switch typ {
	case "boolean":
		return schema.SimpleBooleanParams(schema.BooleanParams{Name: name})
	case "integer":
		return schema.SimpleNumberParams(schema.NumberParams{Name: name, Type: schema.AttributeTypeInteger()})
	}
	return schema.SimpleStringParams(schema.StringParams{Name: name})
}

// GroupSchemas is userSchemas for groups: the core Group schema plus one
// generated schema per extension URN in the mapping (e.g. Okta's
// urn:okta:custom:group:1.0 description).
func GroupSchemas(list []config.AttributeMapping) (SchemaSet, []scim.SchemaExtension) {
	set := SchemaSet{Core: schema.CoreGroupSchema(), extensions: map[string]schema.Schema{}}
	return customExtensions(set, nil, list)
}
