package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
)

// unmappedPolicy is server.unmappedAttributes: a write carrying attributes
// no mapping entry stores is refused (reject), or accepted with a WARN per
// client and path and a count in /metrics (warn). It is never silent.
type unmappedPolicy struct {
	reject bool
	log    *slog.Logger
	count  func(resource, path string) // nil: not counted

	mu   sync.Mutex
	seen map[string]bool // client + path already warned of
}

// maxWarned bounds seen: clients choose the paths.
const maxWarned = 10000

// check applies the policy to the paths a write of kind (User, Group)
// would lose; section is the YAML section that maps them.
func (p *unmappedPolicy) check(ctx context.Context, kind, section string, paths []string) error {
	if p == nil || len(paths) == 0 {
		return nil
	}
	if p.reject {
		return badValue(fmt.Sprintf("This bridge stores no %s of a %s: no %s.attributes entry maps it, so the value would be lost. "+
			"Map it in the bridge's YAML (%s), or stop sending it from the client; server.unmappedAttributes: warn accepts such writes.",
			strings.Join(paths, ", "), kind, section, yamlHint(section, paths[0])))
	}
	client := web.Client(ctx)
	for _, path := range paths {
		if p.count != nil {
			p.count(kind, path)
		}
		key := client + "\x00" + kind + "\x00" + path
		p.mu.Lock()
		first := !p.seen[key]
		if first && len(p.seen) < maxWarned {
			p.seen[key] = true
		}
		p.mu.Unlock()
		if first {
			p.log.WarnContext(ctx, "a SCIM client sends an attribute this bridge does not store; its value is dropped (logged once per client and attribute)",
				"resource", kind, "attribute", path, "client", client, "map it with", yamlHint(section, path))
		}
	}
	return nil
}

// yamlHint is the mapping entry that would store path.
func yamlHint(section, path string) string {
	scimPath := path
	if strings.HasSuffix(path, "]") {
		scimPath += ".value"
	}
	return fmt.Sprintf("%s.attributes: - scim: '%s' ldap: <LDAP attribute>", section, scimPath)
}

// sentDocument is the body of a POST or PUT as the client sent it: the
// library drops attributes its schemas do not know before the handler
// sees them, and those are lost too.
func sentDocument(ctx context.Context) map[string]interface{} {
	d := json.NewDecoder(bytes.NewReader(web.Body(ctx)))
	d.UseNumber()
	var doc map[string]interface{}
	if d.Decode(&doc) != nil {
		return nil
	}
	return doc
}

// unmappedInDocument applies the policy to a POST or PUT.
func (d *dirType) unmappedInDocument(ctx context.Context) error {
	doc := sentDocument(ctx)
	if doc == nil {
		return nil
	}
	return d.unmapped.check(ctx, d.kind, d.section, d.m.Unmapped(doc, d.patch.core, d.builtin))
}

// unmappedInPatch applies the policy to the operations of a PATCH that
// add or replace values; what applyPatch refuses anyway is left to it.
func (d *dirType) unmappedInPatch(ctx context.Context, ops []patchOp) error {
	var paths []string
	at := func(rawPath string, value interface{}) {
		p, err := scimfilter.ParsePath(rawPath)
		if err != nil {
			return
		}
		if strings.EqualFold(p.URN, d.patch.core) {
			p.URN = ""
		}
		if (p.URN == "" && d.builtin(p.Name)) || !d.patch.schemas.Knows(p.URN, p.Name, p.Sub) {
			return
		}
		if p.Filter != nil {
			value = nil // the element is the filter's: noTarget or stored
		}
		paths = append(paths, d.m.UnmappedAt(p.URN, p.Name, p.Sub, value)...)
	}
	for _, op := range ops {
		if strings.EqualFold(op.Op, "remove") {
			continue
		}
		value, err := decodeValue(op.Value)
		if err != nil {
			continue
		}
		if strings.TrimSpace(op.Path) != "" {
			at(op.Path, value)
			continue
		}
		obj, _ := value.(map[string]interface{})
		for k, v := range obj {
			ext, nested := v.(map[string]interface{})
			switch {
			case nested && strings.EqualFold(k, d.patch.core):
				for sk, sv := range ext {
					at(sk, sv)
				}
			case nested && mapping.ContainsFold(d.patch.urns, k):
				for sk, sv := range ext {
					at(k+":"+sk, sv)
				}
			default:
				at(k, v)
			}
		}
	}
	return d.unmapped.check(ctx, d.kind, d.section, paths)
}
