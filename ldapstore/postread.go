package ldapstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"
)

// postReadOID is the LDAP Post-Read control (RFC 4527): the server answers
// a write with the entry as the write left it, which saves the read back
// (one round trip and one search in the server) that the SCIM handlers
// otherwise need to answer with the stored resource.
const postReadOID = "1.3.6.1.1.13.2"

// Whether the directory supports a control, as read from the root DSE's
// supportedControl once per Store (the postRead and assertion fields).
const (
	controlUnknown int32 = iota
	controlYes
	controlNo
)

// AddRead is Add followed by a read of the new entry with readAttrs (as
// SearchRequest.Attributes). go-ldap v3.4.15 returns no response controls
// for an add (there is no AddWithResult), so the Post-Read control cannot
// be used here yet and the entry is always read back; callers use AddRead
// so that the day it can, only this function changes.
func (s *Store) AddRead(ctx context.Context, dn string, attrs map[string][]string, readAttrs []string) (*Entry, error) {
	if err := s.Add(ctx, dn, attrs); err != nil {
		return nil, err
	}
	return s.readBack(ctx, dn, readAttrs)
}

// ModifyRead is Modify, and returns the entry as it is afterwards with
// readAttrs (as SearchRequest.Attributes). When the directory advertises
// the Post-Read control the entry comes with the modify's answer, in the
// same round trip; otherwise (Active Directory, Samba, Options.NoPostRead,
// a dry run, or a server that answered without the control) it is read
// back with a base-object search. No changes sends no modify, only the
// read.
func (s *Store) ModifyRead(ctx context.Context, dn string, changes []Change, readAttrs []string) (*Entry, error) {
	if len(changes) == 0 || s.opts.DryRun || !s.postReadSupported(ctx) {
		if err := s.Modify(ctx, dn, changes); err != nil {
			return nil, err
		}
		return s.readBack(ctx, dn, readAttrs)
	}
	ctl, err := postReadControl(readAttrs)
	if err != nil {
		return nil, wrapErr("modify", dn, err)
	}
	asserted, err := assertionControls(ctx, "modify", dn)
	if err != nil {
		return nil, err
	}
	req, names, err := modifyRequest("modify", dn, changes, append([]ldap.Control{ctl}, asserted...))
	if err != nil {
		return nil, err
	}
	var e *Entry
	err = s.exec(ctx, "modify", dn, tlsGuard(func(l *ldap.Conn) error {
		e = nil
		res, err := l.ModifyWithResult(req)
		if err != nil {
			return err
		}
		e, err = postReadEntry(res.Controls)
		if err != nil {
			// The modify is applied; only its echo is unreadable.
			s.log.Warn("ldap: unreadable Post-Read control, reading the entry back", "dn", dn, "err", err)
			e = nil
		}
		return nil
	}, names...))
	if err != nil {
		return nil, err
	}
	if e == nil {
		return s.readBack(ctx, dn, readAttrs)
	}
	return e, nil
}

// readBack reads the entry just written; its absence is an error, since a
// write just succeeded on it.
func (s *Store) readBack(ctx context.Context, dn string, attrs []string) (*Entry, error) {
	e, err := s.SearchOne(ctx, SearchRequest{BaseDN: dn, Scope: ScopeBase, Filter: All(), Attributes: attrs})
	if err == nil && e == nil {
		err = wrapErr("search", dn, errors.New("entry vanished after write"))
	}
	return e, err
}

// postReadSupported: see controlSupported.
func (s *Store) postReadSupported(ctx context.Context) bool {
	return s.controlSupported(ctx, &s.postRead, postReadOID, s.opts.NoPostRead)
}

// postReadControl is the request control: non-critical, its value the
// attribute list (AttributeSelection: SEQUENCE OF LDAPString).
func postReadControl(attrs []string) (ldap.Control, error) {
	seq := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "AttributeSelection")
	if attrs == nil {
		attrs = []string{"1.1"}
	}
	for _, a := range attrs {
		switch a {
		case "*", "+", "1.1":
		default:
			if err := ValidateAttributeName(a); err != nil {
				return nil, err
			}
		}
		seq.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, a, "attribute"))
	}
	return ldap.NewControlString(postReadOID, false, string(seq.Bytes())), nil
}

// postReadEntry finds the Post-Read response control and decodes its value,
// a SearchResultEntry (DN and attributes). Values are kept as the raw
// bytes the server sent, as searches keep them (objectGUID stays 16
// bytes). No control gives nil and no error.
func postReadEntry(controls []ldap.Control) (*Entry, error) {
	c, _ := ldap.FindControl(controls, postReadOID).(*ldap.ControlString)
	if c == nil {
		return nil, nil
	}
	return decodeSearchResultEntry([]byte(c.ControlValue))
}

// decodeSearchResultEntry decodes SearchResultEntry ::= [APPLICATION 4]
// SEQUENCE { objectName LDAPDN, attributes SEQUENCE OF SEQUENCE { type,
// vals SET OF value } }. The outer tag is not checked: RFC 4527 servers
// differ on whether they send the application tag or a plain SEQUENCE.
func decodeSearchResultEntry(b []byte) (*Entry, error) {
	p, err := ber.DecodePacketErr(b)
	if err != nil {
		return nil, fmt.Errorf("post-read entry: %w", err)
	}
	if p.TagType != ber.TypeConstructed || len(p.Children) != 2 {
		return nil, errors.New("post-read entry: not a SEQUENCE of DN and attributes")
	}
	dn, ok := p.Children[0].Value.(string)
	if !ok {
		return nil, errors.New("post-read entry: DN is not a string")
	}
	e := &Entry{DN: dn, Attrs: make(map[string][]string, len(p.Children[1].Children))}
	for _, a := range p.Children[1].Children {
		if len(a.Children) != 2 {
			return nil, errors.New("post-read entry: attribute is not a SEQUENCE of type and values")
		}
		name, ok := a.Children[0].Value.(string)
		if !ok {
			return nil, errors.New("post-read entry: attribute type is not a string")
		}
		k := strings.ToLower(name)
		for _, v := range a.Children[1].Children {
			s, ok := v.Value.(string)
			if !ok {
				return nil, fmt.Errorf("post-read entry: a value of %s is not a string", name)
			}
			e.Attrs[k] = append(e.Attrs[k], s)
		}
	}
	return e, nil
}
