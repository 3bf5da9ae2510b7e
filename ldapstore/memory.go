package ldapstore

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// Memory is a read-only copy of some directory entries that a Store
// answers its reads from instead of the directory (Options.Memory). It is
// how "scim2ldap preview" shows what a SCIM request would write without a
// directory: the SCIM handlers run unchanged on a dry-run Store whose
// searches see these entries (an empty Memory is an empty directory whose
// containers exist). It is part of the product, not a test double: tests
// compare what preview prints with what the real server then writes to a
// real directory.
//
// Searches evaluate the filter here: equality, ordering and substring
// matches compare case-insensitively (DN values as DNs), presence,
// and/or/not, and the Active Directory bit matching rules. Writes never
// reach it; the dry-run scope remembers them per request.
type Memory struct {
	entries []*Entry
}

// NewMemory holds entries (copied) for a Store's reads.
func NewMemory(entries []*Entry) *Memory {
	m := &Memory{}
	for _, e := range entries {
		c := &Entry{DN: e.DN, Attrs: map[string][]string{}}
		for k, v := range e.Attrs {
			c.Attrs[strings.ToLower(k)] = slices.Clone(v)
		}
		m.entries = append(m.entries, c)
	}
	return m
}

// Len is the number of entries held.
func (m *Memory) Len() int { return len(m.entries) }

// search answers r from the entries. A base DN that is not held is taken
// to exist and be empty for one-level and subtree searches (the configured
// containers of an empty directory); a base-object search of it fails with
// noSuchObject, as the directory would answer.
func (m *Memory) search(r SearchRequest) ([]*Entry, error) {
	f := r.Filter
	if f == nil {
		f = All()
	}
	text, err := render(f)
	if err != nil {
		return nil, wrapErr("search", r.BaseDN, err)
	}
	packet, err := ldap.CompileFilter(text)
	if err != nil {
		return nil, wrapErr("search", r.BaseDN, fmt.Errorf("%w: %w", ErrInvalidFilter, err))
	}
	base := NormalizeDN(r.BaseDN)
	var out []*Entry
	for _, e := range m.entries {
		if !inScope(NormalizeDN(e.DN), base, r.Scope) {
			continue
		}
		ok, err := memMatch(packet, e)
		if err != nil {
			return nil, wrapErr("search", r.BaseDN, fmt.Errorf("filter %s: %w", text, err))
		}
		if !ok {
			continue
		}
		out = append(out, project(e, r.Attributes).clone())
		if r.SizeLimit > 0 && len(out) == r.SizeLimit {
			break
		}
	}
	if r.Scope == ScopeBase && len(out) == 0 && !m.holds(base) {
		return nil, &Error{Op: "search", DN: r.BaseDN, Code: CodeNoSuchObject, Err: fmt.Errorf("preview: %w (not in the entries given)", errGone)}
	}
	return out, nil
}

// holds reports whether the normalised dn is one of the entries.
func (m *Memory) holds(dn string) bool {
	for _, e := range m.entries {
		if NormalizeDN(e.DN) == dn {
			return true
		}
	}
	return false
}

// rootDSE is what a Store with a Memory reports as the root DSE: the
// naming contexts are the shortest DNs held; no controls are advertised,
// so the handlers take the paths that need none.
func (m *Memory) rootDSE() *Entry {
	root := &Entry{DN: "", Attrs: map[string][]string{"vendorname": {"scim2ldap preview (entries from LDIF)"}}}
	for _, e := range m.entries {
		parent, err := ParentDN(e.DN)
		if err != nil {
			continue
		}
		held := false
		for _, p := range m.entries {
			if parent != "" && EqualDN(p.DN, parent) {
				held = true
				break
			}
		}
		if !held {
			root.Attrs["namingcontexts"] = append(root.Attrs["namingcontexts"], e.DN)
		}
	}
	return root
}

// inScope: dn and base are normalised.
func inScope(dn, base string, scope Scope) bool {
	switch scope {
	case ScopeBase:
		return dn == base
	case ScopeOne:
		parent, err := ParentDN(dn)
		return err == nil && NormalizeDN(parent) == base
	}
	return base == "" || dn == base || strings.HasSuffix(dn, ","+base)
}

// memMatch evaluates a compiled filter against e.
func memMatch(p *ber.Packet, e *Entry) (bool, error) {
	str := func(c *ber.Packet) string { return ber.DecodeString(c.Data.Bytes()) }
	switch p.Tag {
	case ldap.FilterAnd, ldap.FilterOr:
		all := p.Tag == ldap.FilterAnd
		for _, c := range p.Children {
			m, err := memMatch(c, e)
			if err != nil {
				return false, err
			}
			if m != all {
				return m, nil
			}
		}
		return all, nil
	case ldap.FilterNot:
		if len(p.Children) != 1 {
			return false, errors.New("malformed not")
		}
		m, err := memMatch(p.Children[0], e)
		return !m, err
	case ldap.FilterPresent:
		attr := str(p)
		return strings.EqualFold(attr, "objectClass") || len(e.Get(attr)) > 0, nil
	case ldap.FilterEqualityMatch, ldap.FilterApproxMatch, ldap.FilterGreaterOrEqual, ldap.FilterLessOrEqual:
		attr, want := str(p.Children[0]), str(p.Children[1])
		for _, v := range e.Get(attr) {
			switch p.Tag {
			case ldap.FilterGreaterOrEqual:
				if compareValues(v, want) >= 0 {
					return true, nil
				}
			case ldap.FilterLessOrEqual:
				if compareValues(v, want) <= 0 {
					return true, nil
				}
			default:
				if strings.EqualFold(v, want) || EqualDN(v, want) {
					return true, nil
				}
			}
		}
		return false, nil
	case ldap.FilterSubstrings:
		attr := str(p.Children[0])
		for _, v := range e.Get(attr) {
			if substringMatch(strings.ToLower(v), p.Children[1].Children) {
				return true, nil
			}
		}
		return false, nil
	case ldap.FilterExtensibleMatch:
		var rule, attr, value string
		for _, c := range p.Children {
			switch c.Tag {
			case ldap.MatchingRuleAssertionMatchingRule:
				rule = str(c)
			case ldap.MatchingRuleAssertionType:
				attr = str(c)
			case ldap.MatchingRuleAssertionMatchValue:
				value = str(c)
			}
		}
		mask, err := strconv.ParseInt(value, 10, 64)
		if err != nil || (rule != "1.2.840.113556.1.4.803" && rule != "1.2.840.113556.1.4.804") {
			return false, fmt.Errorf("extensible match %s:%s:=%s cannot be evaluated without the directory (use --live)", attr, rule, value)
		}
		for _, v := range e.Get(attr) {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				continue
			}
			if rule == "1.2.840.113556.1.4.803" && n&mask == mask || rule == "1.2.840.113556.1.4.804" && n&mask != 0 {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("filter item %d cannot be evaluated without the directory (use --live)", p.Tag)
}

// compareValues orders integers numerically, anything else (generalized
// time included) as case-folded strings.
func compareValues(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmpInt(x, y)
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func substringMatch(v string, parts []*ber.Packet) bool {
	for _, c := range parts {
		s := strings.ToLower(ber.DecodeString(c.Data.Bytes()))
		switch c.Tag {
		case ldap.FilterSubstringsInitial:
			if !strings.HasPrefix(v, s) {
				return false
			}
			v = v[len(s):]
		case ldap.FilterSubstringsAny:
			i := strings.Index(v, s)
			if i < 0 {
				return false
			}
			v = v[i+len(s):]
		case ldap.FilterSubstringsFinal:
			if !strings.HasSuffix(v, s) {
				return false
			}
		}
	}
	return true
}

// memoryRead is the hook of the Store's read paths: with a Memory, reads
// never reach the network.
func (s *Store) memoryRead(ctx context.Context, r SearchRequest) ([]*Entry, bool, error) {
	if s.opts.Memory == nil {
		return nil, false, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, true, wrapErr("search", r.BaseDN, err)
	}
	es, err := s.opts.Memory.search(r)
	return es, true, err
}

// ParseLDIF reads entries in LDIF (RFC 2849) as ldapsearch and slapcat
// print them: "dn:" records separated by blank lines, "attr: value",
// "attr:: base64", continuation lines starting with one space, comments
// and a "version:" line. Change records are refused: the file describes
// what the directory holds, not what to do to it.
func ParseLDIF(r io.Reader) ([]*Entry, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var (
		out     []*Entry
		cur     *Entry
		lines   []string // logical lines of the current record
		lineNo  int
		started int
	)
	flush := func() error {
		defer func() { lines, cur = nil, nil }()
		for i, l := range lines {
			name, value, err := ldifLine(l)
			if err != nil {
				return fmt.Errorf("LDIF record at line %d: %w", started, err)
			}
			switch {
			case i == 0 && strings.EqualFold(name, "version"):
				continue
			case cur == nil && strings.EqualFold(name, "dn"):
				cur = &Entry{DN: value, Attrs: map[string][]string{}}
			case cur == nil:
				return fmt.Errorf("LDIF record at line %d: starts with %q, not dn:", started, name)
			case strings.EqualFold(name, "changetype"):
				return fmt.Errorf("LDIF record at line %d (%s): a change record; give the entries as ldapsearch or slapcat prints them", started, cur.DN)
			default:
				k := strings.ToLower(name)
				cur.Attrs[k] = append(cur.Attrs[k], value)
			}
		}
		if cur != nil {
			out = append(out, cur)
		}
		return nil
	}
	for sc.Scan() {
		lineNo++
		l := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case l == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, " "):
			if len(lines) == 0 {
				return nil, fmt.Errorf("LDIF line %d: continuation line without a line before it", lineNo)
			}
			lines[len(lines)-1] += l[1:]
		default:
			if len(lines) == 0 {
				started = lineNo
			}
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading LDIF: %w", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}

// ldifLine splits "name: value" or "name:: base64"; URLs (name:<) are
// refused.
func ldifLine(l string) (name, value string, err error) {
	name, rest, ok := strings.Cut(l, ":")
	if !ok {
		return "", "", fmt.Errorf("%q has no colon", l)
	}
	switch {
	case strings.HasPrefix(rest, ":"):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", fmt.Errorf("%s: bad base64: %w", name, err)
		}
		return name, string(raw), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("%s: values from URLs are not supported", name)
	}
	return name, strings.TrimLeft(rest, " "), nil
}

// memoryPage cuts a SearchPage window out of a Memory search; limit 0
// asks only for the total.
func memoryPage(es []*Entry, offset, limit int, err error) ([]*Entry, int, error) {
	if err != nil {
		return nil, 0, err
	}
	total := len(es)
	if limit == 0 || offset >= total {
		return nil, total, nil
	}
	return es[offset:min(total, offset+limit)], total, nil
}
