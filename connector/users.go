package connector

import (
	"context"
	stderrors "errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/elimity-com/scim"
	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector/mapping"
	"github.com/scim2ldap/scim2ldap/connector/scimfilter"
	"github.com/scim2ldap/scim2ldap/connector/web"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// users implements the SCIM User resource on top of the directory.
type users struct {
	dirType
	cfg       config.Users
	groups    *groups // nil when groups are not configured
	digestKey []byte  // HMAC key of users.password.digestAttribute
	// dangling remembers the stale references this bridge logged.
	dangling *danglingSet
	// gen are the generated values and genAttrs those kept on update
	// (generate.go).
	gen      []genField
	genAttrs []string
}

var uuidSyntax = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func (u *users) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	if err := u.unmappedInDocument(r.Context()); err != nil {
		return scim.Resource{}, err
	}
	res, err := u.create(r.Context(), map[string]interface{}(attrs))
	projectAnswer(r, res)
	return res, toSCIM(r.Context(), u.log, "create user", err)
}

func (u *users) create(ctx context.Context, doc map[string]interface{}) (scim.Resource, error) {
	userName, _ := mapping.LookupFold(doc, "userName").(string)
	userName = strings.TrimSpace(userName)
	if userName == "" {
		return scim.Resource{}, badValue("userName is required")
	}
	if err := u.checkUserNameLength(userName); err != nil {
		return scim.Resource{}, err
	}
	if taken, err := u.userNameTaken(ctx, userName); err != nil {
		return scim.Resource{}, err
	} else if taken {
		return scim.Resource{}, alreadyExists(u.kind, userName)
	}
	if err := u.refs().toDNs(ctx, u.m, doc); err != nil {
		return scim.Resource{}, err
	}
	entry := map[string][]string{"objectClass": u.cfg.ObjectClasses}
	for attr, vals := range u.m.ToLDAP(doc) {
		if len(vals) > 0 {
			entry[attr] = vals
		}
	}
	entry[u.cfg.UserNameAttribute] = []string{userName}
	active := true
	if v, ok := mapping.AsBool(mapping.LookupFold(doc, "active")); ok {
		active = v
	}
	password, hasPassword, generated, active, err := u.createPassword(doc, userName, active)
	if err != nil {
		return scim.Resource{}, err
	}
	switch {
	case hasPassword && u.cfg.Password.Method == config.PasswordAttribute:
		entry[u.cfg.Password.Attribute] = []string{password}
	case hasPassword && u.cfg.Password.Method == config.PasswordUnicodePwd:
		// In the add itself, so AD never holds the account without its
		// password (it refuses to enable one that has none).
		entry[u.cfg.Password.Attribute] = []string{ldapstore.UnicodePwdValue(password)}
	}
	if hasPassword && !generated && u.digestOn() {
		d, err := u.passwordDigest(password)
		if err != nil {
			return scim.Resource{}, err
		}
		entry[u.cfg.Password.DigestAttribute] = []string{d}
	}
	if generated && u.cfg.Password.MustChangeGenerated {
		entry["pwdLastSet"] = []string{"0"}
	}
	if d := u.cfg.Deactivation; d.Strategy == config.DeactivateFlag && d.CreateValue != 0 {
		// 512 or 514 for AD: created enabled or disabled in one step.
		v, err := ldapstore.SetBits("", int64(d.CreateValue), int64(d.Mask), !active)
		if err != nil {
			return scim.Resource{}, err
		}
		entry[d.Attribute] = []string{v}
	}
	u.lifecycleOnCreate(entry, doc, active)
	if err := u.generate(ctx, entry, doc); err != nil {
		return scim.Resource{}, err
	}
	parent := u.cfg.CreateDN
	if u.tree.moves() {
		parent = u.tree.parentFor(doc, active)
		if err := u.ensureContainer(ctx, parent); err != nil {
			return scim.Resource{}, err
		}
	}
	rdnValue := userName
	if !strings.EqualFold(u.cfg.RDNAttribute, u.cfg.UserNameAttribute) {
		if v := entry[u.cfg.RDNAttribute]; len(v) > 0 {
			rdnValue = v[0]
		}
	}
	dn := ldapstore.ChildDN(u.cfg.RDNAttribute, rdnValue, parent)
	// The entry the add answers with (AddRead) is the final one unless a
	// later step writes to it; then it is read after that step.
	exop := hasPassword && u.cfg.Password.Method == config.PasswordExop
	deactivate := !active && entry[u.cfg.Deactivation.Attribute] == nil
	var e *ldapstore.Entry
	for try := 1; ; try++ {
		dn, e, err = u.addUser(ctx, dn, entry, !exop && !deactivate, u.ldapAttributes(mapping.Projection{}))
		if err = writeErr(err); err == nil || !u.generatedClash(err, try) {
			break
		}
		// A directory that keeps the generated value unique itself (AD's
		// sAMAccountName) refused a value a concurrent create took.
		u.audit.Write(ctx, "add", dn, keys(entry), err)
		if dn, err = u.regenerate(ctx, entry, doc, parent, try); err != nil {
			return scim.Resource{}, err
		}
	}
	if err != nil {
		u.audit.Write(ctx, "add", dn, keys(entry), err)
		if _, policy := ldapstore.PasswordPolicyRejection(err); policy && !hasPassword && active {
			// Active Directory will not enable an account that has no
			// password when its policy requires one.
			return scim.Resource{}, badValue("The directory does not enable an account without a password; send a password, or create the user with active: false.")
		}
		return scim.Resource{}, nameConflict(refused(err, entry, u.cfg.Password.Attribute, password), u.kind, userName)
	}
	u.audit.Write(ctx, "add", dn, keys(entry), nil)
	// The remaining steps need the entry to exist. If one fails, the entry
	// is deleted again, so a create is all or nothing. The password goes
	// first: ppolicy lifts an account lock when the password changes, so
	// a pending (inactive) user must be locked after it.
	err = u.settleCreateRace(ctx, dn, userName)
	if err == nil && len(u.gen) > 0 {
		var changed bool
		if dn, changed, err = u.settleGenerated(ctx, dn, entry, doc); changed {
			e = nil // read again below
		}
	}
	if exop && err == nil {
		err = u.store.SetPassword(ctx, dn, password)
		u.audit.Write(ctx, "password", dn, []string{u.cfg.Password.Attribute}, err)
		err = refusedPassword(err, password)
	}
	if deactivate && err == nil {
		err = u.deactivateNew(ctx, dn)
	}
	if err == nil && e == nil {
		e, err = u.readUser(ctx, dn)
	}
	if err != nil {
		if derr := u.store.Delete(ctx, dn); derr != nil {
			u.log.ErrorContext(ctx, "create rollback failed; remove the entry by hand", "dn", dn, "err", derr)
		}
		u.audit.Write(ctx, "delete (rollback)", dn, nil, nil)
		return scim.Resource{}, err
	}
	u.rememberFull(e)
	return u.one(ctx, e, mapping.Projection{})
}

// rememberRead remembers an entry a GET read: whole when the request
// asked for the default attributes, which are those an update needs.
func (u *users) rememberRead(r *http.Request, e *ldapstore.Entry) {
	q := r.URL.Query()
	if q.Get("attributes") == "" && q.Get("excludedAttributes") == "" {
		u.rememberFull(e)
		return
	}
	u.remember(e)
}

// password returns the password a document carries, if any and if the
// mapping stores passwords at all.
func (u *users) password(doc map[string]interface{}) (string, bool) {
	if u.cfg.Password.Attribute == "-" {
		return "", false
	}
	p, _ := mapping.LookupFold(doc, "password").(string)
	return p, p != ""
}

func (u *users) userNameTaken(ctx context.Context, userName string) (bool, error) {
	return u.nameTaken(ctx, u.cfg.UserNameAttribute, userName)
}

func (u *users) Get(r *http.Request, id string) (scim.Resource, error) {
	proj := mapping.ParseProjection(r.URL.Query())
	e, err := u.findByID(r.Context(), id, u.ldapAttributes(proj))
	if err != nil {
		return scim.Resource{}, toSCIM(r.Context(), u.log, "get user", err)
	}
	u.rememberRead(r, e)
	res, err := u.one(r.Context(), e, proj)
	return res, toSCIM(r.Context(), u.log, "get user", err)
}

// one builds the resource of a single entry, with its groups.
func (u *users) one(ctx context.Context, e *ldapstore.Entry, p mapping.Projection) (scim.Resource, error) {
	gs, err := u.groupsOf(ctx, []*ldapstore.Entry{e}, p)
	if err != nil {
		return scim.Resource{}, err
	}
	res := u.resource(e, p, gs[e.DN])
	return res, u.refs().resolveResources(ctx, u.m, []scim.Resource{res})
}

func (u *users) readUser(ctx context.Context, dn string) (*ldapstore.Entry, error) {
	return u.readDN(ctx, dn, u.ldapAttributes(mapping.Projection{}))
}

func (u *users) GetAll(r *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	ctx := r.Context()
	proj := mapping.ParseProjection(r.URL.Query())
	sort, err := u.sortKeys(ctx, r.URL.Query(), "userName", u.cfg.UserNameAttribute)
	if err != nil {
		return scim.Page{}, toSCIM(ctx, u.log, "list users", err)
	}
	entries, total, err := u.list(ctx, u.ldapAttributes(proj), params, sort)
	if err != nil {
		return scim.Page{}, toSCIM(ctx, u.log, "list users", err)
	}
	if len(entries) == 1 {
		// A lookup by filter (userName eq …) often comes before a write;
		// its DN only, as lookups are many and most are not followed by
		// one (the entries kept whole are the written and the read by id).
		u.remember(entries[0])
	}
	page := scim.Page{TotalResults: total, Resources: make([]scim.Resource, 0, len(entries))}
	groupsOf, err := u.groupsOf(ctx, entries, proj)
	if err != nil {
		return scim.Page{}, toSCIM(ctx, u.log, "list users", err)
	}
	for _, e := range entries {
		page.Resources = append(page.Resources, u.resource(e, proj, groupsOf[e.DN]))
	}
	if err := u.refs().resolveResources(ctx, u.m, page.Resources); err != nil {
		return scim.Page{}, toSCIM(ctx, u.log, "list users", err)
	}
	return page, nil
}

func (u *users) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	ctx := r.Context()
	if err := u.unmappedInDocument(ctx); err != nil {
		return scim.Resource{}, err
	}
	if res, done, err := u.cachedUpdate(ctx, r, id, func(*ldapstore.Entry) (map[string]interface{}, error) {
		return map[string]interface{}(attrs), nil
	}); done {
		projectAnswer(r, res)
		return res, toSCIM(ctx, u.log, "replace user", err)
	}
	e, err := u.findByID(ctx, id, u.ldapAttributes(mapping.Projection{}))
	if err != nil {
		return scim.Resource{}, toSCIM(ctx, u.log, "replace user", err)
	}
	if ctx, err = u.precondition(ctx, r, e); err != nil {
		return scim.Resource{}, err
	}
	res, err := u.update(ctx, e, map[string]interface{}(attrs), false)
	projectAnswer(r, res)
	return res, toSCIM(ctx, u.log, "replace user", err)
}

func (u *users) Patch(r *http.Request, id string, _ []scim.PatchOperation) (scim.Resource, error) {
	ctx := r.Context()
	ops, err := parsePatchBody(web.Body(ctx))
	if err != nil {
		return scim.Resource{}, err
	}
	if len(ops) == 0 {
		return scim.Resource{}, badValue("Operations must hold at least one operation (RFC 7644 §3.5.2).")
	}
	if err := u.unmappedInPatch(ctx, ops); err != nil {
		return scim.Resource{}, err
	}
	if res, done, err := u.cachedUpdate(ctx, r, id, func(e *ldapstore.Entry) (map[string]interface{}, error) {
		doc := u.document(e)
		return doc, applyPatch(doc, ops, map[string]bool{}, &u.patch)
	}); done {
		projectAnswer(r, res)
		return res, toSCIM(ctx, u.log, "patch user", err)
	}
	e, err := u.findByID(ctx, id, u.ldapAttributes(mapping.Projection{}))
	if err != nil {
		return scim.Resource{}, toSCIM(ctx, u.log, "patch user", err)
	}
	if ctx, err = u.precondition(ctx, r, e); err != nil {
		return scim.Resource{}, err
	}
	doc := u.document(e)
	if err := applyPatch(doc, ops, map[string]bool{}, &u.patch); err != nil {
		return scim.Resource{}, toSCIM(ctx, u.log, "patch user", err)
	}
	res, err := u.update(ctx, e, doc, false)
	projectAnswer(r, res)
	return res, toSCIM(ctx, u.log, "patch user", err)
}

// errUncached stops an update against a remembered entry before it
// writes anything: it needs more than the one conditional modify.
var errUncached = stderrors.New("the update needs the entry read again")

// cachedUpdate makes an update (build turns the entry into the wanted
// document) against the entry this bridge remembers for id, without
// reading it: the modify carries the Assertion control on the id and the
// version read, so it changes the entry only if nobody has since, and
// answers with the entry (Post-Read): one round trip, as a raw modify.
// It takes only updates whose one write is that modify (no rename, move,
// password or regenerated value). done is false when it did not apply or
// the entry changed meanwhile (then nothing was written and the id is
// forgotten): the caller reads the entry and updates as usual. Errors of
// build are left to that path, which sees the current entry.
func (u *users) cachedUpdate(ctx context.Context, r *http.Request, id string, build func(*ldapstore.Entry) (map[string]interface{}, error)) (res scim.Resource, done bool, err error) {
	e, actx, ok := u.knownEntry(ctx, r, id)
	if !ok || len(u.gen) > 0 || u.tree.moves() {
		return scim.Resource{}, false, nil
	}
	doc, err := build(e)
	if err != nil {
		return scim.Resource{}, false, nil
	}
	if name, _ := mapping.LookupFold(doc, "userName").(string); strings.TrimSpace(name) != e.First(u.cfg.UserNameAttribute) {
		return scim.Resource{}, false, nil
	}
	if _, ok := u.password(doc); ok {
		return scim.Resource{}, false, nil
	}
	res, err = u.update(actx, e, doc, true)
	if stderrors.Is(err, errUncached) || u.staleDN(id, err) {
		return scim.Resource{}, false, nil
	}
	return res, true, err
}

// update makes the entry match doc for everything the mapping covers:
// rename first (userName is the RDN), then one modify with every changed
// attribute and the active state, then the password if it changed.
//
// cached is true for an entry remembered, not read (cachedUpdate): then
// it writes nothing and answers errUncached unless its one write is the
// modify, and a modify of nothing must read the entry anyway.
func (u *users) update(ctx context.Context, e *ldapstore.Entry, doc map[string]interface{}, cached bool) (scim.Resource, error) {
	dn := e.DN
	userName, _ := mapping.LookupFold(doc, "userName").(string)
	userName = strings.TrimSpace(userName)
	if userName == "" {
		return scim.Resource{}, badValue("userName must not be empty")
	}
	// References first: an unknown id is refused before any write.
	if err := u.refs().toDNs(ctx, u.m, doc); err != nil {
		return scim.Resource{}, err
	}
	current := e.First(u.cfg.UserNameAttribute)
	var changes []ldapstore.Change
	if userName != current {
		if err := u.checkUserNameLength(userName); err != nil {
			return scim.Resource{}, err
		}
		var err error
		if dn, changes, err = u.rename(ctx, dn, current, userName, u.cfg.UserNameAttribute, u.cfg.RDNAttribute); err != nil {
			return scim.Resource{}, err
		}
	}
	skip := append([]string{u.cfg.RDNAttribute, u.cfg.UserNameAttribute}, u.genAttrs...)
	changes = append(changes, u.mappedChanges(e, doc, u.document(e), skip...)...)
	dn, regen, err := u.regenerated(ctx, dn, doc, u.document(e))
	if err != nil {
		return scim.Resource{}, err
	}
	changes = append(changes, regen...)
	wantActive := u.isActive(e)
	var lock []ldapstore.Change // the deactivation, if this update deactivates
	if v := mapping.LookupFold(doc, "active"); v != nil {
		active, ok := mapping.AsBool(v)
		if !ok {
			return scim.Resource{}, badValue("active must be true or false")
		}
		if active != u.isActive(e) {
			if !active && u.cfg.Deactivation.Strategy == config.DeactivateNone {
				return scim.Resource{}, badValue("this bridge is configured without deactivation (users.deactivation.strategy: none)")
			}
			cs, err := u.activeChanges(e, active)
			if err != nil {
				return scim.Resource{}, err
			}
			changes = append(changes, cs...)
			changes = append(changes, u.lifecycleChanges(doc, active)...)
			if !active {
				lock = cs
			}
		}
		wantActive = active
	}
	if dn, err = u.place(ctx, dn, doc, wantActive); err != nil {
		return scim.Resource{}, err
	}
	// Password before the modify that may carry the lock: ppolicy lifts
	// an account lock when the password changes.
	password, hasPassword := u.password(doc)
	// dn != e.DN exactly: a rename may change only the case of the RDN.
	if cached && (len(changes) == 0 || hasPassword || dn != e.DN) {
		return scim.Resource{}, errUncached
	}
	if hasPassword {
		if err := u.writePassword(ctx, dn, password); err != nil {
			return scim.Resource{}, u.deprovisionAnyway(ctx, dn, lock, err)
		}
	}
	fresh := e
	// An update that changes nothing (the Okta agent PUTs every user it
	// syncs) answers with the entry it just read: reading it again would
	// be a round trip for the same values. A rename, a move or a password
	// may have changed it, so those read it back.
	if len(changes) > 0 || hasPassword || dn != e.DN {
		var err error
		if fresh, err = u.modifyRead(ctx, dn, changes, u.ldapAttributes(mapping.Projection{})); err != nil {
			return scim.Resource{}, err
		}
	}
	fresh = u.followRDN(ctx, fresh, current, userName)
	u.rememberFull(fresh)
	if err := u.cleanupMemberships(ctx, u.memberValue(e), u.memberValue(fresh)); err != nil {
		return scim.Resource{}, err
	}
	if err := u.followReferences(ctx, e.DN, fresh.DN); err != nil {
		return scim.Resource{}, err
	}
	return u.one(ctx, fresh, mapping.Projection{})
}

// writePassword writes a password only when it differs from the stored one:
// the Okta agent sends the password on every PUT, and rewriting it would
// reset password ages and fill the password history. The check reads the
// stored hash and compares locally, so it never counts as a failed bind.
func (u *users) writePassword(ctx context.Context, dn, password string) error {
	// unicodePwd cannot be read, so it cannot be compared: the digest of
	// the last password written stands in for it (without one it is
	// written every time, as an admin reset, which AD does not check
	// against the password history).
	if same, err := u.lastPushedPassword(ctx, dn, password); err != nil || same {
		return err
	}
	if u.cfg.Password.Method != config.PasswordUnicodePwd {
		same, err := u.store.PasswordMatches(ctx, dn, u.cfg.Password.Attribute, password)
		if err != nil && !stderrors.Is(err, ldapstore.ErrPasswordUnknown) {
			return err
		}
		if same {
			return nil
		}
	}
	value := password
	switch u.cfg.Password.Method {
	case config.PasswordExop:
		err := u.store.SetPassword(ctx, dn, password)
		u.audit.Write(ctx, "password", dn, []string{u.cfg.Password.Attribute}, err)
		if err != nil {
			return refusedPassword(err, password)
		}
		digest, err := u.withDigest(nil, password)
		if err != nil {
			return err
		}
		return u.modify(ctx, dn, digest)
	case config.PasswordUnicodePwd:
		value = ldapstore.UnicodePwdValue(password)
	}
	changes, err := u.withDigest([]ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: u.cfg.Password.Attribute, Values: []string{value}}}, password)
	if err != nil {
		return err
	}
	err = u.store.Modify(ctx, dn, changes)
	u.audit.Write(ctx, "password", dn, changeAttrs(changes), err)
	return refusedPassword(err, password)
}

// deprovisionAnyway writes the deactivation of an update whose password
// could not be written, then answers the password's error: a password
// the directory refuses (policy, history) must never keep a user who is
// being deprovisioned able to sign in.
func (u *users) deprovisionAnyway(ctx context.Context, dn string, lock []ldapstore.Change, passwordErr error) error {
	if len(lock) == 0 {
		return passwordErr
	}
	if err := u.modify(ctx, dn, lock); err != nil {
		u.log.ErrorContext(ctx, "deactivation not written after the password failed", "dn", dn, "err", err)
		return passwordErr
	}
	u.log.InfoContext(ctx, "deactivation written although the password was refused", "dn", dn)
	return passwordErr
}

// checkUserNameLength enforces users.userNameMaxLength (sAMAccountName
// holds 20 characters; AD's own error for more is an opaque 19 or 53).
func (u *users) checkUserNameLength(userName string) error {
	limit := u.cfg.UserNameMaxLength
	if n := utf8.RuneCountInString(userName); limit > 0 && n > limit {
		return badValue(fmt.Sprintf("userName %q has %d characters; the directory keeps it in %s, which holds at most %d",
			userName, n, u.cfg.UserNameAttribute, limit))
	}
	return nil
}

// deactivateNew marks a user just created with active:false, when the add
// could not carry the mark itself.
func (u *users) deactivateNew(ctx context.Context, dn string) error {
	var e *ldapstore.Entry
	if u.cfg.Deactivation.Strategy == config.DeactivateFlag {
		var err error
		if e, err = u.readDN(ctx, dn, []string{u.cfg.Deactivation.Attribute}); err != nil {
			return err
		}
	}
	cs, err := u.activeChanges(e, false)
	if err != nil {
		return err
	}
	return u.modify(ctx, dn, cs)
}

func (u *users) isActive(e *ldapstore.Entry) bool {
	d := u.cfg.Deactivation
	if d.Strategy == config.DeactivateFlag {
		return !ldapstore.BitsOn(e.First(d.Attribute), int64(d.Mask))
	}
	if d.Strategy != config.DeactivateAttribute {
		return true
	}
	for _, v := range e.Get(d.Attribute) {
		if strings.EqualFold(v, d.InactiveValue) {
			return false
		}
	}
	return true
}

// activeChanges are the modifications that set the active state. For the
// flag strategy e must hold the attribute: the other bits are kept as read.
func (u *users) activeChanges(e *ldapstore.Entry, active bool) ([]ldapstore.Change, error) {
	d := u.cfg.Deactivation
	switch d.Strategy {
	case config.DeactivateFlag:
		v, err := ldapstore.SetBits(e.First(d.Attribute), int64(d.CreateValue), int64(d.Mask), !active)
		if err != nil {
			return nil, fmt.Errorf("%s of %s: %w", d.Attribute, e.DN, err)
		}
		if v == e.First(d.Attribute) {
			return nil, nil
		}
		return []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: d.Attribute, Values: []string{v}}}, nil
	case config.DeactivateAttribute:
	default:
		return nil, nil
	}
	if !active {
		return []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: d.Attribute, Values: []string{d.InactiveValue}}}, nil
	}
	if d.ActiveValue != "" {
		return []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: d.Attribute, Values: []string{d.ActiveValue}}}, nil
	}
	if e != nil && len(e.Get(d.Attribute)) == 0 {
		return nil, nil
	}
	return []ldapstore.Change{{Op: ldapstore.ChangeReplace, Attr: d.Attribute}}, nil
}

func (u *users) Delete(r *http.Request, id string) error {
	ctx := r.Context()
	// By a remembered DN the delete is one round trip; what follows it
	// needs only the DN when groups hold DNs (memberUid needs the entry).
	if dn, actx, ok := u.knownDN(ctx, r, id); ok && (u.groups == nil || u.groups.byDN) {
		err := u.store.Delete(actx, dn)
		if !u.staleDN(id, err) {
			return u.deleted(ctx, &ldapstore.Entry{DN: dn}, id, err)
		}
		// Another bridge or an admin moved, renamed or deleted the entry:
		// nothing was written; look the id up as if it was never seen.
	}
	e, err := u.findByID(ctx, id, append([]string{memberUIDAttr}, u.versionAttrs()...))
	if err != nil {
		return toSCIM(ctx, u.log, "delete user", err)
	}
	if ctx, err = u.precondition(ctx, r, e); err != nil {
		return err
	}
	return u.deleted(ctx, e, id, u.store.Delete(ctx, e.DN))
}

// deleted audits the delete of e and, when it succeeded, forgets its id
// and removes what referred to it.
func (u *users) deleted(ctx context.Context, e *ldapstore.Entry, id string, err error) error {
	u.audit.Write(ctx, "delete", e.DN, nil, err)
	if err == nil {
		u.forgetID(id)
		err = u.cleanupMemberships(ctx, u.memberValue(e), "")
	}
	if err == nil {
		err = u.followReferences(ctx, e.DN, "")
	}
	return toSCIM(ctx, u.log, "delete user", err)
}

// memberValue is what a group's member attribute holds for this user.
func (u *users) memberValue(e *ldapstore.Entry) string {
	if u.groups != nil && !u.groups.byDN {
		return e.First(memberUIDAttr)
	}
	return e.DN
}

// ldapAttributes lists what to request from the directory for a projection.
func (u *users) ldapAttributes(p mapping.Projection) []string {
	attrs := append([]string{u.idAttr, u.cfg.UserNameAttribute, u.createdAttr(), u.modifiedAttr()}, u.versionAttrs()...)
	if p.Wants("active") && u.cfg.Deactivation.Strategy != config.DeactivateNone {
		attrs = append(attrs, u.cfg.Deactivation.Attribute)
	}
	if g := u.groups; g != nil {
		if g.cfg.MemberOfAttribute != "" && p.Wants("groups") {
			attrs = append(attrs, g.cfg.MemberOfAttribute)
		}
		if !g.byDN {
			attrs = append(attrs, memberUIDAttr)
		}
	}
	return append(attrs, u.mappedAttributes(p)...)
}

// document is the full SCIM view of an entry, before projection.
func (u *users) document(e *ldapstore.Entry) map[string]interface{} {
	doc := map[string]interface{}{"userName": e.First(u.cfg.UserNameAttribute)}
	u.m.FromLDAP(e.Get, doc)
	doc["active"] = u.isActive(e)
	return doc
}

func (u *users) resource(e *ldapstore.Entry, p mapping.Projection, groupList []interface{}) scim.Resource {
	doc := u.document(e)
	if u.groups != nil && p.Wants("groups") {
		if groupList == nil {
			groupList = []interface{}{}
		}
		doc["groups"] = groupList
	}
	p.Apply(doc)
	return scim.Resource{ID: u.entryID(e), Attributes: doc, Meta: u.meta(e)}
}

// userSpecials are the filterable User attributes that are not in the
// attribute mapping.
func (u *users) userSpecials() map[string]special {
	d := u.cfg.Deactivation
	sp := u.commonSpecials("username", u.cfg.UserNameAttribute)
	sp["active"] = func(_ context.Context, c scimfilter.Compare) (ldapstore.Filter, error) {
		if c.Value.Kind != scimfilter.KindBool || (c.Op != scimfilter.OpEq && c.Op != scimfilter.OpNe) {
			return nil, invalidFilter("active takes eq or ne with true or false")
		}
		wantActive := c.Value.Bool == (c.Op == scimfilter.OpEq)
		if d.Strategy == config.DeactivateFlag {
			inactive := ldapstore.BitsSet(d.Attribute, int64(d.Mask))
			if wantActive {
				return ldapstore.Not(inactive), nil
			}
			return inactive, nil
		}
		if d.Strategy != config.DeactivateAttribute {
			if wantActive {
				return ldapstore.All(), nil
			}
			return ldapstore.None(), nil
		}
		inactive := ldapstore.Eq(d.Attribute, d.InactiveValue)
		if wantActive {
			return ldapstore.Not(inactive), nil
		}
		return inactive, nil
	}
	return sp
}

var _ scim.ResourceHandler = (*users)(nil)
