package ldapstore

import (
	"context"
	"slices"
	"strings"
	"sync"
)

// A DryRunJournal records, in order and with their values, the writes a
// dry-run Store pretends to send under a context (WithDryRunJournal): what
// "scim2ldap preview" prints as LDIF. Values of password attributes are
// masked when recorded, and a Password Modify is recorded without its
// password, so the journal never holds a secret.
type DryRunJournal struct {
	// Secret reports the attributes whose values are masked; nil masks
	// userPassword and unicodePwd.
	Secret func(attr string) bool

	mu  sync.Mutex
	ops []DryRunOp
}

// Masked replaces a secret value in a DryRunOp.
const Masked = "********"

// DryRunOp is one pretended write.
type DryRunOp struct {
	// Kind is "add", "modify", "modrdn", "delete" or "password" (the
	// Password Modify extended operation, RFC 3062).
	Kind string
	DN   string
	// Attrs are an add's attributes, sorted by name in Names.
	Attrs map[string][]string
	Names []string
	// Changes are a modify's changes, in the order sent.
	Changes []Change
	// NewRDN is a modrdn's new RDN ("uid=new"); the old one is deleted.
	NewRDN string
}

type journalKey struct{}

// WithDryRunJournal makes a dry-run Store record the writes it pretends
// under ctx (and contexts derived from it) in j.
func WithDryRunJournal(ctx context.Context, j *DryRunJournal) context.Context {
	return context.WithValue(ctx, journalKey{}, j)
}

// Ops returns the writes recorded so far.
func (j *DryRunJournal) Ops() []DryRunOp {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.ops)
}

func (j *DryRunJournal) secret(attr string) bool {
	if j.Secret != nil {
		return j.Secret(attr)
	}
	return strings.EqualFold(attr, "userPassword") || strings.EqualFold(attr, "unicodePwd")
}

func (j *DryRunJournal) mask(attr string, vals []string) []string {
	if !j.secret(attr) {
		return slices.Clone(vals)
	}
	out := make([]string, len(vals))
	for i := range out {
		out[i] = Masked
	}
	return out
}

func journal(ctx context.Context, op DryRunOp) {
	j, _ := ctx.Value(journalKey{}).(*DryRunJournal)
	if j == nil {
		return
	}
	if op.Attrs != nil {
		attrs := make(map[string][]string, len(op.Attrs))
		for k, v := range op.Attrs {
			attrs[k] = j.mask(k, v)
		}
		op.Attrs = attrs
	}
	changes := make([]Change, len(op.Changes))
	for i, c := range op.Changes {
		changes[i] = Change{Op: c.Op, Attr: c.Attr, Values: j.mask(c.Attr, c.Values)}
	}
	if op.Changes != nil {
		op.Changes = changes
	}
	j.mu.Lock()
	j.ops = append(j.ops, op)
	j.mu.Unlock()
}
