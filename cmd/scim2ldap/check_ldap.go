package main

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/connector"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// checkLDAP probes every URL (connect, TLS, bind), then checks the
// configuration against the directory on the first URL that bound.
func checkLDAP(ctx context.Context, r *report, cfg *config.Config, writeProbe bool) {
	store, err := ldapstore.Open(connector.StoreOptions(cfg, nil))
	if err != nil {
		r.fail("ldap settings", err.Error(), "correct ldap.* in the configuration")
		return
	}
	defer store.Close()
	var bound *ldapstore.Probe
	for _, p := range store.Probes() {
		if probeConnection(ctx, r, cfg, p) && bound == nil {
			bound = p
			continue
		}
		p.Close()
	}
	if bound == nil {
		r.skip("ldap directory checks", "need a URL that connects and binds")
		return
	}
	defer bound.Close()
	checkBases(ctx, r, cfg, bound)
	containers := checkTree(ctx, r, cfg, bound)
	schema := checkSchema(ctx, r, cfg, bound)
	checkIDs(ctx, r, cfg, bound)
	checkImport(ctx, r, cfg, bound)
	if !writeProbe {
		r.skip("ldap write probe", "not asked for; add --write-probe to create and delete a test entry in users.createDN")
		return
	}
	checkWrite(ctx, r, cfg, bound, schema)
	checkTreeWrites(ctx, r, cfg, bound, schema, containers)
}

// probeConnection reports connect, TLS and bind of one URL.
func probeConnection(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) bool {
	step := "ldap connect " + p.URL
	start := time.Now()
	if err := p.Connect(ctx); err != nil {
		cause, fix := connectProblem(p.Addr(), p.DialTimeout(), err)
		r.fail(step, cause, fix)
		return false
	}
	r.pass(step, fmt.Sprintf("TCP connection to %s in %s", p.Addr(), time.Since(start).Round(time.Millisecond)))
	if p.UsesTLS() {
		step = "ldap tls " + p.URL
		used, peer, notAfter, err := p.TLS(ctx)
		if err != nil {
			cause, fix := tlsProblem(p.DialTimeout(), err)
			r.fail(step, cause, fix)
			return false
		}
		if used {
			detail := fmt.Sprintf("certificate %q trusted, valid until %s", peer, notAfter.Format(time.DateOnly))
			if cfg.LDAP.InsecureSkipVerify {
				detail = fmt.Sprintf("handshake done, certificate %q NOT verified (ldap.insecureSkipVerify)", peer)
			}
			r.pass(step, detail)
			if w := expiryWarning("the directory's", notAfter, time.Now()); w != "" {
				r.warn(step, w+"; renew it before then")
			}
		}
	}
	who := "anonymously"
	if cfg.LDAP.BindDN != "" {
		who = "as " + cfg.LDAP.BindDN
	}
	step = "ldap bind " + p.URL
	if err := p.Bind(ctx); err != nil {
		cause, fix := bindProblem(cfg, p.DialTimeout(), err)
		r.fail(step, cause, fix)
		return false
	}
	r.pass(step, "bound "+who)
	return true
}

func connectProblem(addr string, timeout time.Duration, err error) (cause, fix string) {
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("connect timed out: no answer from %s within ldap.dialTimeout %s", addr, timeout),
			"a firewall is dropping the connection, the host is wrong, or it is down; check the host and port in ldap.urls and that this machine may reach it (e.g. Test-NetConnection / nc -vz host port)"
	case isRefused(err):
		return fmt.Sprintf("could not connect to %s: connection refused (nothing listens on that port)", addr),
			"check the port in ldap.urls (389 for ldap://, 636 for ldaps://) and that the directory server is running"
	case errors.As(err, &dns):
		return fmt.Sprintf("could not connect to %s: the host name does not resolve (%v)", addr, dns.Err),
			"check the host name in ldap.urls and this machine's DNS"
	}
	return fmt.Sprintf("could not connect to %s: %v", addr, err),
		"check ldap.urls and the network between this machine and the directory"
}

func tlsProblem(timeout time.Duration, err error) (cause, fix string) {
	msg := err.Error()
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown) || strings.Contains(msg, "certificate signed by unknown authority"):
		return "the directory's certificate is not trusted: it is signed by an unknown authority",
			"set ldap.caFile to a PEM file with the CA certificate that signed it (for a self-signed certificate, the certificate itself)"
	case noSAN(err):
		// Setting ldap.serverName to the Common Name does not help (Go
		// ignores it whatever name is asked for), so saying "does not
		// name the host" would send the admin in a circle.
		return "the directory's certificate has no subjectAltName: it names its host only in the subject's Common Name" + cnOf(err) +
				", which Go (and so the bridge) ignores since Go 1.15",
			"give the directory a certificate whose subjectAltName lists the host name (DNS:…) or address (IP:…) used in ldap.urls " +
				"(Active Directory: enrol the DC with AD CS's Kerberos Authentication or Domain Controller template, which add a SAN; " +
				"Samba: make one with a SAN and set tls certfile/keyfile/cafile in smb.conf, see README, Active Directory); " +
				"ldap.serverName cannot work around it, and ldap.insecureSkipVerify only switches verification off"
	case errors.As(err, &host) || strings.Contains(msg, "certificate is valid for") || strings.Contains(msg, "doesn't contain any IP SANs"):
		return "the directory's certificate does not name the host in the URL: " + tlsDetail(msg),
			"use a host name the certificate lists in ldap.urls, or set ldap.serverName to one of them"
	case errors.As(err, &invalid) || strings.Contains(msg, "certificate has expired"):
		return "the directory's certificate is not valid: " + tlsDetail(msg),
			"renew the directory's certificate (or fix this machine's clock)"
	case strings.Contains(msg, "first record does not look like a TLS handshake") || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return "the port does not speak TLS (it answered like plain LDAP, or closed the connection at the TLS hello)",
			"use ldap:// with ldap.startTLS: true for this port, or the directory's LDAPS port (usually 636)"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("TLS handshake timed out: no answer within ldap.dialTimeout %s", timeout),
			"the port accepted TCP but does not answer TLS: check it is the LDAPS port, or that the server is not hung"
	case ldapstore.Code(err) != 0:
		return "the directory refused StartTLS: " + err.Error(),
			"enable TLS on the directory (OpenLDAP: olcTLSCertificateFile/olcTLSCertificateKeyFile) or use ldaps://"
	}
	return "TLS failed: " + msg, "check ldap.caFile, ldap.serverName and the directory's TLS setup"
}

// noSAN reports a certificate rejected for naming its host only in the
// Common Name (Samba's self-made certificate, old AD templates). StartTLS
// errors come from go-ldap flattened into text, hence the string match.
func noSAN(err error) bool {
	var host x509.HostnameError
	if errors.As(err, &host) && host.Certificate != nil {
		c := host.Certificate
		return len(c.DNSNames) == 0 && len(c.IPAddresses) == 0 && len(c.EmailAddresses) == 0 && len(c.URIs) == 0
	}
	return strings.Contains(err.Error(), "legacy Common Name field")
}

// cnOf is " (CN=…)" of the certificate in a hostname error, if known.
func cnOf(err error) string {
	var host x509.HostnameError
	if errors.As(err, &host) && host.Certificate != nil && host.Certificate.Subject.CommonName != "" {
		return " (" + host.Certificate.Subject.CommonName + ")"
	}
	return ""
}

func tlsDetail(msg string) string {
	if i := strings.Index(msg, "x509: "); i >= 0 {
		return strings.TrimSuffix(msg[i+len("x509: "):], ")")
	}
	return msg
}

// bindProblem never quotes the password; go-ldap's errors do not hold it.
func bindProblem(cfg *config.Config, timeout time.Duration, err error) (cause, fix string) {
	pw := "ldap.bindPassword"
	if cfg.LDAP.BindPasswordFile != "" {
		pw = "ldap.bindPasswordFile (" + cfg.LDAP.BindPasswordFile + ")"
	}
	switch ldapstore.Code(err) {
	case ldapstore.CodeInvalidCredentials:
		cause = fmt.Sprintf("the directory rejected the credentials of %s: wrong password, or no such entry (LDAP 49 invalid credentials)", cfg.LDAP.BindDN)
		if d := diagnostic(err); d != "" {
			cause += "; server says: " + d
		}
		return cause, fmt.Sprintf("check ldap.bindDN and %s (the password is not shown here); test them with ldapwhoami -x -H URL -D DN -W", pw)
	case ldapstore.CodeConfidentialityRequired, ldapstore.CodeStrongAuthRequired:
		return "the directory requires TLS before a bind (" + err.Error() + ")", "use an ldaps:// URL or set ldap.startTLS: true"
	case ldapstore.CodeInappropriateAuthentication, ldapstore.CodeUnwillingToPerform:
		return "the directory refused this kind of bind: " + err.Error(), "check ldap.bindDN and " + pw + "; some directories refuse simple binds without TLS"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("bind timed out: the directory accepted the connection but did not answer within ldap.dialTimeout %s", timeout),
			"the directory server is hung or overloaded: check its log and load, or restart it"
	}
	return "bind failed: " + err.Error(), "check the directory's log for the bind of " + cfg.LDAP.BindDN
}

func diagnostic(err error) string {
	var e *ldapstore.Error
	if errors.As(err, &e) {
		return e.Diagnostic
	}
	return ""
}

// checkBases reports that every configured container exists.
func checkBases(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) {
	type base struct{ path, dn string }
	bases := []base{{"users.baseDN", cfg.Users.BaseDN}}
	if !ldapstore.EqualDN(cfg.Users.CreateDN, cfg.Users.BaseDN) {
		bases = append(bases, base{"users.createDN", cfg.Users.CreateDN})
	}
	if cfg.Groups.Enabled() {
		bases = append(bases, base{"groups.baseDN", cfg.Groups.BaseDN})
		if !ldapstore.EqualDN(cfg.Groups.CreateDN, cfg.Groups.BaseDN) {
			bases = append(bases, base{"groups.createDN", cfg.Groups.CreateDN})
		}
	}
	for _, b := range bases {
		step := "ldap " + b.path
		e, err := p.Read(ctx, b.dn, "objectClass")
		switch {
		case err != nil:
			r.fail(step, fmt.Sprintf("cannot read %s: %v", b.dn, err), "check that the service account may read it")
		case e == nil:
			fix := fmt.Sprintf("create it (e.g. an organizationalUnit) or correct %s", b.path)
			if nc := namingContexts(ctx, p); nc != "" {
				fix += "; this directory holds " + nc
			}
			r.fail(step, fmt.Sprintf("%s does not exist (or the service account cannot see it)", b.dn), fix)
		default:
			r.pass(step, b.dn+" exists")
		}
	}
}

func namingContexts(ctx context.Context, p *ldapstore.Probe) string {
	e, err := p.Read(ctx, "", "namingContexts")
	if err != nil || e == nil {
		return ""
	}
	return strings.Join(e.Get("namingContexts"), ", ")
}

// checkSchema reports configured object classes and mapped attributes the
// directory does not know: they would fail the first create with
// "undefined attribute type" or "objectClass violation". It returns the
// schema read (nil if it could not be read) for the write probe.
func checkSchema(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) *ldapstore.Schema {
	s, err := p.Schema(ctx, cfg.Users.BaseDN)
	if err != nil {
		r.fail("ldap schema", "cannot read the directory's schema: "+err.Error(), "let the service account read the subschema subentry (cn=Subschema)")
		return nil
	}
	checkClasses(r, s, "users.objectClasses", cfg.Users.ObjectClasses)
	if cfg.Groups.Enabled() {
		checkClasses(r, s, "groups.objectClasses", cfg.Groups.ObjectClasses)
	}
	attrs := mappedAttributes(cfg)
	var missing []string
	for _, a := range attrs {
		if !s.HasAttribute(a.name) {
			missing = append(missing, fmt.Sprintf("%s (%s)", a.name, a.path))
		}
	}
	if len(missing) > 0 {
		r.fail("ldap schema attributes", "the directory has no attribute type "+strings.Join(missing, ", "),
			"correct the attribute name in the configuration, or load the schema that defines it")
	} else {
		r.pass("ldap schema attributes", fmt.Sprintf("all %d configured attributes exist (schema %s)", len(attrs), s.DN))
	}
	checkAllowed(r, s, "users", cfg.Users.ObjectClasses, attrs)
	if cfg.Groups.Enabled() {
		checkAllowed(r, s, "groups", cfg.Groups.ObjectClasses, attrs)
	}
	return s
}

func checkClasses(r *report, s *ldapstore.Schema, path string, classes []string) {
	var missing []string
	for _, c := range classes {
		if s.Class(c) == nil {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		r.fail("ldap schema "+path, "the directory has no object class "+strings.Join(missing, ", "),
			"correct "+path+", or load the schema that defines it")
		return
	}
	r.pass("ldap schema "+path, strings.Join(classes, ", ")+" exist")
}

// checkAllowed warns about mapped attributes the entries' object classes
// do not allow (an objectClass violation on write), unless an
// extensibleObject class allows anything. The auxiliary classes the
// schema's DIT content rules allow count (Active Directory's
// securityPrincipal brings sAMAccountName); only a warning, since a
// directory may add classes it does not publish.
func checkAllowed(r *report, s *ldapstore.Schema, kind string, classes []string, attrs []mapped) {
	for _, c := range classes {
		if strings.EqualFold(c, "extensibleObject") {
			return
		}
	}
	must, may := s.Allowed(classes)
	var out []string
	for _, a := range attrs {
		n := strings.ToLower(a.name)
		if a.kind == kind && a.written && !must[n] && !may[n] && s.HasAttribute(a.name) {
			out = append(out, fmt.Sprintf("%s (%s)", a.name, a.path))
		}
	}
	if len(out) > 0 {
		r.warn("ldap schema "+kind+".objectClasses", "they do not allow "+strings.Join(out, ", ")+
			": writing it fails with objectClass violation unless the directory adds a class that allows it; add such a class to "+kind+".objectClasses")
	}
}

type mapped struct {
	kind, path, name string
	written          bool // written into the entry by the bridge (not operational)
}

// mappedAttributes lists every LDAP attribute the configuration names.
func mappedAttributes(cfg *config.Config) []mapped {
	u := cfg.Users
	out := []mapped{
		{"users", "users.rdnAttribute", u.RDNAttribute, true},
		{"users", "users.userNameAttribute", u.UserNameAttribute, true},
		{"users", "users.idAttribute", u.IDAttribute, false},
	}
	if u.Password.Attribute != "-" && u.Password.Attribute != "" {
		out = append(out, mapped{"users", "users.password.attribute", u.Password.Attribute, true})
	}
	if u.Deactivation.Strategy == "attribute" && u.Deactivation.Attribute != "" {
		// pwdAccountLockedTime is operational (ppolicy): not in MAY.
		out = append(out, mapped{"users", "users.deactivation.attribute", u.Deactivation.Attribute, false})
	}
	for i, a := range u.Attributes {
		out = append(out, mapped{"users", fmt.Sprintf("users.attributes[%d].ldap", i), a.LDAP, true})
	}
	if g := cfg.Groups; g.Enabled() {
		out = append(out,
			mapped{"groups", "groups.rdnAttribute", g.RDNAttribute, true},
			mapped{"groups", "groups.displayNameAttribute", g.DisplayNameAttribute, true},
			mapped{"groups", "groups.memberAttribute", g.MemberAttribute, true},
			mapped{"groups", "groups.idAttribute", g.IDAttribute, false},
		)
		if g.MemberOfAttribute != "" {
			out = append(out, mapped{"users", "groups.memberOfAttribute", g.MemberOfAttribute, false})
		}
		for i, a := range g.Attributes {
			out = append(out, mapped{"groups", fmt.Sprintf("groups.attributes[%d].ldap", i), a.LDAP, true})
		}
	}
	return slices.DeleteFunc(out, func(m mapped) bool { return m.name == "" })
}

// checkIDs reports that the id attribute comes back on a search: the SCIM
// id of every resource is read from it.
func checkIDs(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) {
	checkID(ctx, r, p, "users", cfg.Users.BaseDN, cfg.Users.Filter, cfg.Users.IDAttribute)
	if cfg.Groups.Enabled() {
		checkID(ctx, r, p, "groups", cfg.Groups.BaseDN, cfg.Groups.Filter, cfg.Groups.IDAttribute)
	}
}

func checkID(ctx context.Context, r *report, p *ldapstore.Probe, kind, base, filter, idAttr string) {
	step := "ldap " + kind + ".idAttribute"
	f, err := ldapstore.ParseFilter(filter)
	if err != nil {
		r.fail(step, fmt.Sprintf("%s.filter %q: %v", kind, filter, err), "correct "+kind+".filter")
		return
	}
	e, err := p.First(ctx, base, f, idAttr)
	if err != nil {
		r.fail(step, fmt.Sprintf("search of %s with %s failed: %v", base, filter, err), "check "+kind+".baseDN, "+kind+".filter and the service account's read access")
		return
	}
	where := "on " + kind + " entry "
	if e == nil {
		// No entries yet: the base entry shows whether the attribute is
		// returned at all.
		if e, err = p.Read(ctx, base, idAttr); err != nil || e == nil {
			r.skip(step, fmt.Sprintf("no entry matches %s below %s yet", filter, base))
			return
		}
		where = "(no " + kind + " yet) on the base entry "
	}
	if e.First(idAttr) == "" {
		r.fail(step, fmt.Sprintf("%s is not returned %s%s", idAttr, where, e.DN),
			fmt.Sprintf("set %s.idAttribute to an attribute every entry has and the service account may read (entryUUID on OpenLDAP, nsUniqueId on 389-ds, objectGUID on Active Directory)", kind))
		return
	}
	r.pass(step, fmt.Sprintf("%s is returned %s%s", idAttr, where, e.DN))
}

// checkImport walks users.baseDN (and groups.baseDN) with the configured
// filter the way a full import does, paged and keys only, as the service
// account: a directory limit that would stop the import part-way (389 DS's
// look-through limit of 5,000 entries, OpenLDAP's size.prtotal) fails it
// here, with the limit named, instead of in the middle of Okta's import.
func checkImport(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe) {
	countAll(ctx, r, p, "users", cfg.Users.BaseDN, cfg.Users.Filter)
	if cfg.Groups.Enabled() {
		countAll(ctx, r, p, "groups", cfg.Groups.BaseDN, cfg.Groups.Filter)
	}
}

func countAll(ctx context.Context, r *report, p *ldapstore.Probe, kind, base, filter string) {
	step := "ldap " + kind + " import"
	f, err := ldapstore.ParseFilter(filter)
	if err != nil {
		r.fail(step, fmt.Sprintf("%s.filter %q: %v", kind, filter, err), "correct "+kind+".filter")
		return
	}
	start := time.Now()
	n, err := p.Count(ctx, base, f)
	if ldapstore.Code(err) == ldapstore.CodeNoSuchObject {
		r.skip(step, base+" does not exist (see above)")
		return
	}
	if err != nil {
		if limit, ok := ldapstore.DirectoryLimit(err); ok {
			r.fail(step, fmt.Sprintf("a full import of %s stops after %d entries: %s", base, n, limit),
				"lift that limit for "+who(p)+" (README, section of your directory), then run check again")
			return
		}
		r.fail(step, fmt.Sprintf("listing every entry of %s with %s failed after %d entries: %v", base, filter, n, err),
			"check "+kind+".baseDN, "+kind+".filter and the service account's read access")
		return
	}
	r.pass(step, fmt.Sprintf("a full import reads %d %s below %s (listed in %s, paged)", n, kind, base, time.Since(start).Round(time.Millisecond)))
}

func who(p *ldapstore.Probe) string {
	if dn := p.BindDN(); dn != "" {
		return dn
	}
	return "anonymous binds"
}

// checkWrite creates a test user entry in users.createDN the way the
// bridge creates users, then deletes it: the configured object classes,
// the RDN and userName attributes, and every required attribute the
// mapping writes (a "default:" or a template makes the bridge write it
// for any client), all with the probe's name. Required attributes the
// mapping does not write are left to the directory, as on a real create:
// AD fills objectCategory, objectSid and the like itself, and where the
// directory does not, the probe fails the way the first SCIM create would
// and says which attribute to map.
func checkWrite(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe, s *ldapstore.Schema) {
	checkWriteIn(ctx, r, cfg, p, s, "ldap write probe", cfg.Users.CreateDN)
}

// checkWriteIn is checkWrite in another container (placement's).
func checkWriteIn(ctx context.Context, r *report, cfg *config.Config, p *ldapstore.Probe, s *ldapstore.Schema, step, container string) {
	name, dn, attrs, unmapped := probeEntry(cfg, s, container)
	if err := p.Add(ctx, dn, attrs); err != nil {
		r.fail(step, fmt.Sprintf("could not create the test entry %s: %v", dn, err), writeFix(cfg, err, unmapped))
		return
	}
	if err := p.Delete(ctx, dn); err != nil {
		r.fail(step, fmt.Sprintf("created the test entry %s but could not delete it: %v", dn, err),
			"delete "+dn+" by hand and grant the service account delete rights (SCIM DELETE needs them)")
		return
	}
	r.pass(step, fmt.Sprintf("created and deleted %s (%s %s)", dn, cfg.Users.UserNameAttribute, name))
}

// probeEntry builds the write probe's entry. unmapped lists the
// attributes the object classes require that it leaves out.
func probeEntry(cfg *config.Config, s *ldapstore.Schema, container string) (name, dn string, attrs map[string][]string, unmapped []string) {
	var b [4]byte
	_, _ = rand.Read(b[:])
	name = "scim2ldap-check-" + hex.EncodeToString(b[:])
	// sAMAccountName holds 20 characters; four random hex digits are
	// enough for an entry that lives for a moment.
	if n := cfg.Users.UserNameMaxLength; n > 0 && len(name) > n {
		name = name[:n]
	}
	u := cfg.Users
	dn = ldapstore.ChildDN(u.RDNAttribute, name, container)
	attrs = map[string][]string{"objectClass": u.ObjectClasses, u.RDNAttribute: {name}}
	canon := func(a string) string { return strings.ToLower(a) }
	if s != nil {
		canon = func(a string) string { return strings.ToLower(s.Canonical(a)) }
	}
	have := map[string]bool{canon("objectClass"): true, canon(u.RDNAttribute): true}
	if !have[canon(u.UserNameAttribute)] {
		attrs[u.UserNameAttribute] = []string{name}
		have[canon(u.UserNameAttribute)] = true
	}
	if s == nil {
		return name, dn, attrs, nil
	}
	written := map[string]string{}
	for _, a := range u.Attributes {
		if a.Default != "" || a.Template != "" || a.AllocateFrom > 0 {
			written[canon(a.LDAP)] = a.LDAP
		}
	}
	for _, a := range s.Required(u.ObjectClasses) {
		switch c := canon(a); {
		case have[c]:
		case written[c] != "":
			// A fixed value or a number from an allocation floor as the
			// bridge would write it; the probe's name for anything else.
			attrs[written[c]] = []string{probeValue(cfg, written[c], name)}
			have[c] = true
		default:
			unmapped = append(unmapped, a)
		}
	}
	return name, dn, attrs, unmapped
}

// writeFix is the advice for a write probe the directory refused, by the
// result code: only a refusal of access is about rights.
func writeFix(cfg *config.Config, err error, unmapped []string) string {
	who, where := cfg.LDAP.BindDN, cfg.Users.CreateDN
	switch ldapstore.Code(err) {
	case ldapstore.CodeInsufficientAccessRights:
		switch cfg.Directory {
		case config.DirectoryActiveDirectory:
			return "the service account may not create users there: delegate \"Create, delete and manage user accounts\" on " + where +
				" to " + who + " (README, Active Directory: dsacls, or samba-tool dsacl set on Samba)"
		case config.Directory389DS:
			return "the service account may not create entries there: add the README's ACI (389 DS) granting add to " + who + " below " + where
		}
		return "the service account may not create entries there: grant it write access to " + where + " (OpenLDAP: olcAccess … by dn.exact=\"" + who + "\" write)"
	case ldapstore.CodeObjectClassViolation, ldapstore.CodeUndefinedAttributeType:
		if len(unmapped) > 0 {
			return "the object classes require " + strings.Join(unmapped, ", ") + ", which the mapping does not write: map each in users.attributes with a default: (e.g. default: \"{userName}\"), or correct users.objectClasses"
		}
		return "correct users.objectClasses, users.rdnAttribute and the mapped attributes (the directory's message above names the attribute)"
	case ldapstore.CodeNamingViolation, ldapstore.CodeInvalidDNSyntax:
		return "the directory refused the entry's name: correct users.rdnAttribute (cn on Active Directory, uid on OpenLDAP and 389 DS) and users.createDN"
	case ldapstore.CodeNoSuchObject:
		return "users.createDN " + where + " does not exist: create it or correct users.createDN"
	case ldapstore.CodeConstraintViolation, ldapstore.CodeInvalidAttributeSyntax, ldapstore.CodeUnwillingToPerform:
		return "the directory refused a value of the test entry (its message above says which): correct that attribute's mapping, or the directory's constraint"
	case 0:
		return "check the connection to the directory and run check again"
	}
	return "the directory's message above says why; its log has the details of the add of a " + cfg.Users.RDNAttribute + "=scim2ldap-check-… entry"
}
