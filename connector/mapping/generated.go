package mapping

import "strings"

// GeneratedKey is where a document carries the values the connector
// generated (users.attributes with unique or allocateFrom), so that other
// templates can use them: homeDirectory: "/home/{generated.uid}" follows
// uid when a collision made it alice1.
const GeneratedKey = "generated"

// UsesGenerated reports whether the field's template reads a generated
// value.
func (f *Field) UsesGenerated() bool {
	if f.template == nil {
		return false
	}
	for _, ph := range f.template.placeholders {
		if ph.x == nil && strings.EqualFold(ph.path.Name, GeneratedKey) && ph.path.URN == "" {
			return true
		}
		if ph.x != nil {
			for path := range ph.x.attrs {
				if p, ok := cutPrefixFold(path, GeneratedKey+"."); ok && p != "" {
					return true
				}
			}
		}
	}
	return false
}

// Render is the value the field's template gives for doc ("" for a field
// without one).
func (f *Field) Render(doc map[string]interface{}) string {
	if f.template == nil {
		return ""
	}
	return f.template.render(doc)
}
