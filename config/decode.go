package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// decoder fills a Config from a yaml.Node by walking the node tree and the
// Go types side by side. yaml.v3 can decode on its own, but its errors give
// a line and a Go type, not the YAML path, and it ignores unknown keys;
// walking ourselves also lets ${VAR} expansion see which values are strings.
type decoder struct {
	lookupEnv func(string) (string, bool)
	problems  problems
	// lines records where each path was written, so that problems found
	// after decoding can still point at a line.
	lines map[string]int
	// expanding guards against aliases that contain themselves.
	expanding map[*yaml.Node]bool
}

func newDecoder(lookupEnv func(string) (string, bool)) *decoder {
	return &decoder{lookupEnv: lookupEnv, lines: map[string]int{}, expanding: map[*yaml.Node]bool{}}
}

// document decodes the first document of root into out (a pointer).
func (d *decoder) document(root *yaml.Node, out any) {
	n := root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return
		}
		n = n.Content[0]
	}
	if n.Kind == 0 { // an empty file
		return
	}
	d.decode(n, reflect.ValueOf(out).Elem(), "", false)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// decode stores n in v. secret is set below fields tagged secret:"true",
// whose values must not appear in messages.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind == yaml.AliasNode {
		if d.expanding[n] {
			d.problems.addAt(path, n.Line, "alias *%s refers to itself; remove the loop", n.Value)
			return
		}
		d.expanding[n] = true
		defer delete(d.expanding, n)
		d.decode(n.Alias, v, path, secret)
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty value keeps the zero value, which defaults fill in
	}
	switch {
	case reflect.PointerTo(v.Type()).Implements(unmarshalerType):
		d.scalar(n, v, path, secret)
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), path, secret)
	case isStructSection(v.Type()):
		d.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path, secret)
	case v.Kind() == reflect.String:
		d.text(n, v, path, secret)
	default:
		d.scalar(n, v, path, secret)
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problems.addAt(path, n.Line, "want a mapping of keys, got %s", describe(n, false))
		return
	}
	fields := yamlFields(v.Type())
	// Merged mappings (<<: *base) go first so that keys written here win,
	// as YAML specifies.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			d.merge(n.Content[i+1], v, path)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.problems.addAt(path, k.Line, "a key must be a plain name, got %s", describe(k, false))
			continue
		}
		p := joinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.problems.addAt(p, k.Line, "duplicate key; it is already set on line %d, remove one", first)
			continue
		}
		seen[k.Value] = k.Line
		f, ok := fieldByKey(fields, k.Value)
		if !ok {
			d.problems.addAt(p, k.Line, "%s", unknownKey(k.Value, fields))
			continue
		}
		d.lines[p] = k.Line
		d.decode(val, v.FieldByIndex(f.index), p, f.secret)
	}
}

// merge decodes the mappings of a merge key. In a list of them the first
// wins, so they are decoded last to first.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.SequenceNode {
		for i := len(n.Content) - 1; i >= 0; i-- {
			d.decode(n.Content[i], v, path, false)
		}
		return
	}
	d.decode(n, v, path, false)
}

func unknownKey(key string, fields []yamlField) string {
	keys := make([]string, len(fields))
	for i, f := range fields {
		keys[i] = f.key
	}
	if s, ok := suggest(key, keys); ok {
		return fmt.Sprintf("unknown key; did you mean %q?", s)
	}
	if hint := misplacedHint(key); hint != "" {
		return "unknown key here; " + hint
	}
	return "unknown key; the keys here are " + strings.Join(keys, ", ")
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind != yaml.SequenceNode {
		d.problems.addAt(path, n.Line, `want a list, got %s; write each item on its own line starting with "- "`, describe(n, secret))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.lines[p] = item.Line
		d.decode(item, s.Index(i), p, secret)
	}
	v.Set(s)
}

func (d *decoder) text(n *yaml.Node, v reflect.Value, path string, secret bool) {
	if n.Kind != yaml.ScalarNode {
		d.problems.addAt(path, n.Line, "want a string, got %s", describe(n, secret))
		return
	}
	s := n.Value
	if n.ShortTag() == "!!str" {
		var err error
		if s, err = expandEnv(s, d.lookupEnv); err != nil {
			d.problems.addAt(path, n.Line, "%s", err)
			return
		}
	}
	// Values that YAML reads as numbers or booleans (port: 389, pin: 0123)
	// are kept as written rather than as yaml.v3 would reformat them.
	v.SetString(s)
}

// scalar decodes numbers, booleans, durations and yaml.Unmarshalers.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string, secret bool) {
	custom := reflect.PointerTo(v.Type()).Implements(unmarshalerType)
	if n.Kind != yaml.ScalarNode && !custom {
		d.problems.addAt(path, n.Line, "want %s, got %s", want(v.Type()), describe(n, secret))
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		s, err := expandEnv(n.Value, d.lookupEnv)
		if err != nil {
			d.problems.addAt(path, n.Line, "%s", err)
			return
		}
		// Re-resolve as if written plain, so that "${POOL_SIZE:-4}" and
		// "4" become a number where a number is wanted.
		n = &yaml.Node{Kind: yaml.ScalarNode, Value: s, Line: n.Line, Column: n.Column}
	}
	err := n.Decode(v.Addr().Interface())
	switch {
	case err == nil:
	case custom: // the type's own message names the forms it accepts
		d.problems.addAt(path, n.Line, "%s", err)
	default:
		d.problems.addAt(path, n.Line, "want %s, got %s%s", want(v.Type()), describe(n, secret), hint(v.Type(), n))
	}
}

func want(t reflect.Type) string {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return "a duration such as 5s, 30s or 1m30s"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "a whole number"
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		return "a whole number, 0 or more"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "a number"
	}
	return "a " + t.String()
}

func hint(t reflect.Type, n *yaml.Node) string {
	if t == reflect.TypeFor[time.Duration]() && n.ShortTag() == "!!int" {
		return "; add a unit, e.g. " + n.Value + "s"
	}
	return ""
}

// describe names what was written, quoting it only when it is not secret.
func describe(n *yaml.Node, secret bool) string {
	if n.Kind == yaml.ScalarNode && !secret {
		return fmt.Sprintf("%q", n.Value)
	}
	return "a " + kindName(n)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "single value"
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// yamlField is a struct field as seen from YAML.
type yamlField struct {
	key    string
	index  []int
	typ    reflect.Type
	secret bool
}

// yamlFields lists the keys of a struct, named as yaml.v3 names them.
func yamlFields(t reflect.Type) []yamlField {
	var fields []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" {
			continue
		}
		if key == "" {
			key = strings.ToLower(f.Name)
		}
		fields = append(fields, yamlField{key: key, index: f.Index, typ: f.Type, secret: f.Tag.Get("secret") == "true"})
	}
	return fields
}

func fieldByKey(fields []yamlField, key string) (yamlField, bool) {
	for _, f := range fields {
		if f.key == key {
			return f, true
		}
	}
	return yamlField{}, false
}

// isStructSection reports whether t is written as a YAML mapping of its
// fields, as opposed to a struct that decodes itself from a scalar.
func isStructSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(unmarshalerType)
}
