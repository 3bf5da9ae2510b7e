package ldapstore

import (
	"context"
	"slices"
)

// Permissive Modify on servers without it. 389 DS refuses the control
// (unavailableCriticalExtension, 12, even when sent non-critical) and Samba
// ignores it for member; OpenLDAP honours it without listing it in the root
// DSE. So the control is tried once, and when a server refuses it the
// store remembers that and uses the fallback below from then on.

// ModifyPermissive is Modify where adding a value that is already there and
// deleting a value (or attribute) that is not both succeed, so that re-sent
// membership changes are no-ops. With the Permissive Modify control where
// the server takes it; elsewhere (and when the control was not enough, as
// for OpenLDAP deleting an absent value of a present attribute) each value
// is applied alone and a refusal counts as success if the directory is
// already in the state asked for.
func (s *Store) ModifyPermissive(ctx context.Context, dn string, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	if !s.noPermissive.Load() {
		err := s.modify(ctx, "modify", dn, changes, permissiveControls())
		switch code := Code(err); {
		case code == CodeUnavailableCriticalExtension || code == CodeProtocolError:
			s.noPermissive.Store(true)
			s.log.Debug("ldap: the directory refuses Permissive Modify; using per-value modifies", "dn", dn)
		case redundantChange(code):
			// The control was taken but not honoured: the same modify
			// without it can only fail the same way.
			return s.modifyEach(ctx, dn, changes)
		default:
			return err
		}
	}
	// One atomic modify first: in the common case nothing is redundant.
	err := s.modify(ctx, "modify", dn, changes, nil)
	if !redundantChange(Code(err)) {
		return err
	}
	return s.modifyEach(ctx, dn, changes)
}

// modifyEach applies changes one value at a time, passing over a value
// that is already as asked (an add of a present value, a delete of an
// absent one) and failing on anything else.
func (s *Store) modifyEach(ctx context.Context, dn string, changes []Change) error {
	for _, c := range changes {
		for _, one := range splitChange(c) {
			if err := s.modify(ctx, "modify", dn, []Change{one}, nil); err != nil {
				if !redundantChange(Code(err)) {
					return err
				}
				done, cerr := s.alreadyDone(ctx, dn, one)
				if cerr != nil {
					return cerr
				}
				if !done {
					return err
				}
			}
		}
	}
	return nil
}

// redundantChange: the codes servers give for adding a present value or
// deleting an absent one: 20 and 16 (RFC 4511); Samba says 68 and 53 for
// member.
func redundantChange(code int) bool {
	return slices.Contains([]int{CodeAttributeOrValueExists, CodeNoSuchAttribute, CodeEntryAlreadyExists, CodeUnwillingToPerform}, code)
}

// splitChange makes one change per value of an add or a value delete.
func splitChange(c Change) []Change {
	if (c.Op != ChangeAdd && c.Op != ChangeDelete) || len(c.Values) < 2 {
		return []Change{c}
	}
	out := make([]Change, 0, len(c.Values))
	for _, v := range c.Values {
		out = append(out, Change{Op: c.Op, Attr: c.Attr, Values: []string{v}})
	}
	return out
}

// alreadyDone checks, with the attribute's own equality rule, whether a
// refused single-value change would have changed nothing.
func (s *Store) alreadyDone(ctx context.Context, dn string, c Change) (bool, error) {
	var f Filter
	switch {
	case c.Op == ChangeAdd && len(c.Values) == 1:
		f = Eq(c.Attr, c.Values[0])
	case c.Op == ChangeDelete && len(c.Values) == 1:
		f = Not(Eq(c.Attr, c.Values[0]))
	case c.Op == ChangeDelete && len(c.Values) == 0:
		f = Not(Present(c.Attr))
	default:
		return false, nil
	}
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: f})
	return e != nil, err
}
