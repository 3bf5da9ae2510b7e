package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/scim2ldap/scim2ldap/config"
	"github.com/scim2ldap/scim2ldap/ldapstore"
)

const initUsage = `Usage: scim2ldap init --ldap-url URL --bind-dn DN --out FILE [flags]

Reads the directory (root DSE, schema, where users and groups live, which
overlays or plug-ins are on) and writes a commented configuration for it
that "scim2ldap check" accepts unchanged. It only reads the directory, and
never replaces FILE unless --force is given.

The bind password comes from the environment variable
SCIM2LDAP_BIND_PASSWORD, from --bind-password-file, or from a prompt on a
terminal; never from a flag value, which other users could see in the
process list.

On a terminal init asks about each choice (numbered; Enter takes the
proposal); otherwise, or with --yes, it takes the proposals and prints them.

Flags:
`

// initOptions are init's flags.
type initOptions struct {
	LDAPURL, BindDN, PasswordFile, Out string
	CAFile, ServerName, Listen         string
	StartTLS, Force, Yes               bool
	ListenSet                          bool // --listen was given: not asked
}

// initDefaultListen is the examples' listener: this machine only, which is
// where an Okta Provisioning Agent usually runs.
const initDefaultListen = "127.0.0.1:8080"

func initCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("init", initUsage, stderr)
	var o initOptions
	fs.StringVar(&o.LDAPURL, "ldap-url", "", "directory URL, ldap://host[:389] or ldaps://host[:636] (required)")
	fs.StringVar(&o.BindDN, "bind-dn", "", "DN of the bridge's service account (required)")
	fs.StringVar(&o.PasswordFile, "bind-password-file", "", "file holding the bind password (one trailing newline is ignored); the configuration then reads it from there")
	fs.StringVar(&o.Out, "out", "", "configuration file to write (required)")
	fs.StringVar(&o.CAFile, "ca-file", "", "PEM file with the CA of the directory's certificate (default: the system's trusted roots)")
	fs.StringVar(&o.ServerName, "server-name", "", "name to verify in the directory's certificate, when it is not the URL's host")
	fs.BoolVar(&o.StartTLS, "start-tls", false, "use StartTLS on an ldap:// URL (init proposes it by itself where the directory needs TLS and offers StartTLS)")
	fs.StringVar(&o.Listen, "listen", initDefaultListen, "host:port the bridge will listen on (server.listen)")
	fs.BoolVar(&o.Force, "force", false, "replace --out if it exists")
	fs.BoolVar(&o.Yes, "yes", false, "ask nothing: take every proposal, also on a terminal")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	fs.Visit(func(f *flag.Flag) { o.ListenSet = o.ListenSet || f.Name == "listen" })
	var missing []string
	for _, f := range []struct{ name, v string }{{"--ldap-url", o.LDAPURL}, {"--bind-dn", o.BindDN}, {"--out", o.Out}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "init: %s missing (or unexpected arguments %q); e.g. scim2ldap init --ldap-url ldaps://dc1.example.com --bind-dn CN=svc-scim,OU=Service,DC=example,DC=com --out scim2ldap.yaml\n\n",
			strings.Join(missing, ", "), fs.Args())
		fs.Usage()
		return 2
	}
	if err := initRun(context.Background(), o, initPrompter(stdout, o.Yes), stdout); err != nil {
		fmt.Fprintf(stderr, "init: %v\n", err)
		return 1
	}
	return 0
}

// initPrompter makes init's prompter; a test answers through it.
var initPrompter = newPrompter

// initRun does the work of init; every error says what to do.
func initRun(ctx context.Context, o initOptions, ui *prompter, stdout io.Writer) error {
	// Before anything else: an existing file is not ours to replace.
	if !o.Force {
		if _, err := os.Stat(o.Out); err == nil {
			return fmt.Errorf("%s exists; choose another --out, or add --force to replace it", o.Out)
		}
	}
	for _, f := range []*string{&o.CAFile, &o.PasswordFile} {
		// Absolute, so the configuration works wherever it is moved to
		// (relative names in it are relative to the file's directory).
		if *f != "" {
			abs, err := filepath.Abs(*f)
			if err != nil {
				return fmt.Errorf("%s: %w", *f, err)
			}
			*f = abs
		}
	}
	pw, err := initPassword(o, ui)
	if err != nil {
		return err
	}
	opts := ldapstore.Options{
		URLs: []string{o.LDAPURL}, BindDN: o.BindDN, BindPassword: pw,
		StartTLS: o.StartTLS, CAFile: o.CAFile, ServerName: o.ServerName,
	}
	fmt.Fprintf(stdout, "Reading %s as %s (read only)\n", o.LDAPURL, o.BindDN)
	p, err := initConnect(ctx, opts)
	if err != nil {
		return err
	}
	defer func() { p.Close() }()
	d, err := p.Discover(ctx)
	if err != nil {
		return fmt.Errorf("read the root DSE and schema of %s: %w; check that %s may read them", o.LDAPURL, err, o.BindDN)
	}

	plan := &initPlan{
		Opts: o, Product: d.Product, Features: d.Features,
		PasswordFile: o.PasswordFile, Version: version,
	}
	kinds := []choice{
		{ldapstore.KindOpenLDAP, "OpenLDAP"},
		{ldapstore.Kind389DS, "389 Directory Server / Red Hat DS"},
		{ldapstore.KindActiveDirectory, "Active Directory or Samba AD DC"},
	}
	why := "recognised from the root DSE"
	if i := slices.IndexFunc(kinds, func(c choice) bool { return c.value == d.Kind }); i > 0 {
		kinds[0], kinds[i] = kinds[i], kinds[0]
	} else if i < 0 {
		why = "the root DSE matches none of the presets; OpenLDAP's is the closest to a plain LDAP server"
	}
	if d.Product != "" {
		why += ": " + d.Product
	}
	if plan.Kind, err = ui.choose("directory", why, kinds); err != nil {
		return err
	}

	tp, err := plan.settleTLS(ctx, p, d, opts, stdout)
	if err != nil {
		return err
	}
	p = tp

	if len(d.NamingContexts) == 0 {
		return fmt.Errorf("the root DSE of %s lists no naming context; check that %s may read the root DSE (namingContexts)", o.LDAPURL, o.BindDN)
	}
	var ncs []choice
	for _, nc := range d.NamingContexts {
		ncs = append(ncs, choice{nc, ""})
	}
	if plan.BaseDN, err = ui.choose("naming context", "the directory's first data naming context", ncs); err != nil {
		return err
	}

	if err := plan.chooseContainers(ctx, p, ui); err != nil {
		return err
	}
	plan.mapAttributes(d.Schema)
	plan.Listen = o.Listen
	if !o.ListenSet {
		listens := []choice{
			{initDefaultListen, "this machine only: an Okta Provisioning Agent installed here"},
			{"0.0.0.0:8443", "every interface: Okta cloud, Entra or an agent elsewhere; add server.tls"},
		}
		if plan.Listen, err = ui.choose("listen", "this machine only", listens); err != nil {
			return err
		}
	}

	text, err := plan.render()
	if err != nil {
		return err
	}
	if err := initVerify(ctx, text, o.Out, pw); err != nil {
		return err
	}
	if err := writeNew(o.Out, text, o.Force); err != nil {
		return err
	}
	plan.printNext(stdout)
	return nil
}

// initPassword takes the bind password from --bind-password-file, else
// SCIM2LDAP_BIND_PASSWORD, else a prompt.
func initPassword(o initOptions, ui *prompter) (string, error) {
	if o.PasswordFile != "" {
		b, err := os.ReadFile(o.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read --bind-password-file: %w", err)
		}
		// As config reads ldap.bindPasswordFile: one trailing newline
		// (LF or CRLF) is not part of the password.
		pw, ok := strings.CutSuffix(string(b), "\r\n")
		if !ok {
			pw = strings.TrimSuffix(pw, "\n")
		}
		if pw == "" {
			return "", fmt.Errorf("--bind-password-file %s is empty; put the bind password in it", o.PasswordFile)
		}
		return pw, nil
	}
	if pw := os.Getenv("SCIM2LDAP_BIND_PASSWORD"); pw != "" {
		return pw, nil
	}
	if !ui.interactive {
		return "", errors.New("no bind password: set SCIM2LDAP_BIND_PASSWORD, or give --bind-password-file FILE (or run init on a terminal to be asked)")
	}
	pw, err := ui.password("Password of " + o.BindDN + ": ")
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if pw == "" {
		return "", errors.New("empty password; the bridge needs a service account with a password")
	}
	return pw, nil
}

// initConnect connects, secures and binds one probe, reporting a failure
// the way check does, in init's flag names.
func initConnect(ctx context.Context, opts ldapstore.Options) (*ldapstore.Probe, error) {
	opts.DialTimeout = 10 * time.Second
	store, err := ldapstore.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("%w; correct --ldap-url, --bind-dn or --ca-file", err)
	}
	// The probe keeps its own connection; the store (an unused pool) is
	// not needed beyond making it.
	defer store.Close()
	p := store.Probes()[0]
	fail := func(cause, fix string) error {
		p.Close()
		return fmt.Errorf("%s. Fix: %s", strings.TrimSuffix(cause, "."), initFlagNames.Replace(fix))
	}
	if err := p.Connect(ctx); err != nil {
		return nil, fail(connectProblem(p.Addr(), p.DialTimeout(), err))
	}
	if _, _, _, err := p.TLS(ctx); err != nil {
		return nil, fail(tlsProblem(p.DialTimeout(), err))
	}
	if err := p.Bind(ctx); err != nil {
		cfg := &config.Config{LDAP: config.LDAP{BindDN: opts.BindDN}}
		return nil, fail(bindProblem(cfg, p.DialTimeout(), err))
	}
	return p, nil
}

// initFlagNames turns check's advice, which names configuration keys, into
// init's flags.
var initFlagNames = strings.NewReplacer(
	"ldap.bindDN", "--bind-dn",
	"ldap.bindPassword", "the password (SCIM2LDAP_BIND_PASSWORD or --bind-password-file)",
	"ldap.urls", "--ldap-url",
	"ldap.caFile", "--ca-file",
	"ldap.serverName", "--server-name",
	"ldap.startTLS: true", "--start-tls",
	"ldap.dialTimeout", "the 10s connect timeout",
)

// settleTLS makes the connection encrypted where the configuration will
// need it: Active Directory takes passwords only over TLS and 389 DS runs
// the Password Modify operation only over TLS, and any bind password to
// another host should not cross the network in clear. Where the URL is
// plain ldap:// and the directory offers StartTLS, init tries it and, if
// the certificate is trusted, writes startTLS: true.
func (plan *initPlan) settleTLS(ctx context.Context, p *ldapstore.Probe, d *ldapstore.Discovery, opts ldapstore.Options, stdout io.Writer) (*ldapstore.Probe, error) {
	u, err := url.Parse(opts.URLs[0])
	if err != nil || !strings.EqualFold(u.Scheme, "ldap") || opts.StartTLS {
		return p, nil
	}
	needTLS := plan.Kind == ldapstore.KindActiveDirectory || plan.Kind == ldapstore.Kind389DS
	remote := !isLoopbackHost(u.Hostname())
	if !needTLS && !remote {
		return p, nil
	}
	reason := "the bind password would cross the network in clear"
	switch plan.Kind {
	case ldapstore.KindActiveDirectory:
		reason = "Active Directory takes passwords only over TLS"
	case ldapstore.Kind389DS:
		reason = "389 DS runs the Password Modify operation only over TLS"
	}
	// Where TLS is needed, StartTLS is tried even when the root DSE does
	// not list it (Samba's does not): its error then says why.
	if !d.StartTLS && !needTLS {
		fmt.Fprintf(stdout, "note: %s does not offer StartTLS: %s; prefer an ldaps:// URL\n", opts.URLs[0], reason)
		return p, nil
	}
	opts.StartTLS = true
	tp, err := initConnect(ctx, opts)
	if err != nil {
		if needTLS {
			return nil, fmt.Errorf("%s, but StartTLS on %s failed: %w; or use --ldap-url ldaps://%s:636 (with --ca-file for its CA)", reason, opts.URLs[0], err, u.Hostname())
		}
		fmt.Fprintf(stdout, "note: StartTLS failed (%v); the configuration keeps plain LDAP, so %s\n", err, reason)
		return p, nil
	}
	p.Close()
	plan.Opts.StartTLS = true
	plan.StartTLSWhy = reason
	fmt.Fprintf(stdout, "ldap.startTLS: true (%s; the directory's certificate is trusted)\n", reason)
	return tp, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// containerSample bounds the entries init reads to find the containers: a
// large directory is judged by a sample, as the counts only rank them.
const containerSample = 20000

// chooseContainers proposes the containers holding most user and group
// entries, falling back on the usual names (ou=People, ou=Groups,
// CN=Users) on an empty directory.
func (plan *initPlan) chooseContainers(ctx context.Context, p *ldapstore.Probe, ui *prompter) error {
	ad := plan.Kind == ldapstore.KindActiveDirectory
	// Active Directory's built-in accounts and groups (Administrator,
	// krbtgt, Domain Admins) are critical system objects: they do not make
	// CN=Users a place for provisioned users.
	notCritical := ldapstore.Not(ldapstore.Eq("isCriticalSystemObject", "TRUE"))
	var users ldapstore.Filter = ldapstore.Eq("objectClass", "inetOrgPerson")
	userFallbacks := []rdn{{"ou", "People"}, {"ou", "Users"}, {"ou", "Accounts"}}
	groupFallbacks := []rdn{{"ou", "Groups"}, {"ou", "Group"}}
	if ad {
		users = ldapstore.And(ldapstore.Eq("objectCategory", "person"), ldapstore.Eq("objectClass", "user"), notCritical)
		userFallbacks = []rdn{{"OU", "People"}, {"OU", "Users"}, {"CN", "Users"}}
		groupFallbacks = []rdn{{"OU", "Groups"}, {"CN", "Users"}}
	}
	uc, err := p.CountByParent(ctx, ldapstore.SearchRequest{BaseDN: plan.BaseDN, Scope: ldapstore.ScopeSub, Filter: users}, containerSample)
	if err != nil {
		return fmt.Errorf("search the users below %s: %w; check that %s may read it", plan.BaseDN, err, plan.Opts.BindDN)
	}
	plan.GroupModel = config.GroupOfNames
	var groups ldapstore.Filter = ldapstore.Eq("objectClass", "groupOfNames")
	if ad {
		plan.GroupModel = config.ActiveDirectory
		groups = ldapstore.And(ldapstore.Eq("objectClass", "group"), notCritical)
	} else {
		// The model most existing groups use; groupOfNames on a tie.
		var most int
		for _, m := range []string{config.GroupOfNames, config.GroupOfUniqueNames} {
			f := ldapstore.Eq("objectClass", m)
			es, err := p.List(ctx, ldapstore.SearchRequest{BaseDN: plan.BaseDN, Scope: ldapstore.ScopeSub, Filter: f}, containerSample)
			if err != nil {
				return fmt.Errorf("search the groups below %s: %w; check that %s may read it", plan.BaseDN, err, plan.Opts.BindDN)
			}
			if len(es) > most {
				most, plan.GroupModel, groups = len(es), m, f
			}
		}
	}
	gc, err := p.CountByParent(ctx, ldapstore.SearchRequest{BaseDN: plan.BaseDN, Scope: ldapstore.ScopeSub, Filter: groups}, containerSample)
	if err != nil {
		return fmt.Errorf("search the groups below %s: %w; check that %s may read it", plan.BaseDN, err, plan.Opts.BindDN)
	}
	userClass, groupClass := "inetOrgPerson", plan.GroupModel
	if ad {
		userClass, groupClass = "user", "group"
	}
	var why string
	if plan.UsersDN, why, err = plan.chooseContainer(ctx, p, ui, "users container", userClass, uc, userFallbacks); err != nil {
		return err
	}
	plan.UsersWhy = why
	if plan.GroupsDN, why, err = plan.chooseContainer(ctx, p, ui, "groups container", groupClass, gc, groupFallbacks); err != nil {
		return err
	}
	plan.GroupsWhy = why
	if ad {
		// A container that also holds built-in accounts (CN=Users) gets
		// a filter that keeps them out of SCIM: no IdP should see or change
		// Administrator or Domain Admins.
		for _, c := range []struct {
			dn     string
			filter *string
			f      ldapstore.Filter
		}{
			{plan.UsersDN, &plan.UsersFilter, users},
			{plan.GroupsDN, &plan.GroupsFilter, groups},
		} {
			e, err := p.First(ctx, c.dn, ldapstore.Eq("isCriticalSystemObject", "TRUE"))
			if err == nil && e != nil {
				*c.filter = c.f.String()
			}
		}
	}
	return nil
}

// rdn is a container's name below the naming context.
type rdn struct{ attr, value string }

// chooseContainer offers the containers found (most entries first) and
// the usual ones that exist; the first is the proposal.
func (plan *initPlan) chooseContainer(ctx context.Context, p *ldapstore.Probe, ui *prompter, what, class string, found []ldapstore.Container, fallbacks []rdn) (string, string, error) {
	var cs []choice
	seen := func(dn string) bool {
		return slices.ContainsFunc(cs, func(c choice) bool { return ldapstore.EqualDN(c.value, dn) })
	}
	for _, c := range found {
		if len(cs) == 5 {
			break
		}
		cs = append(cs, choice{c.DN, fmt.Sprintf("holds %d %s entries", c.Entries, class)})
	}
	for _, r := range fallbacks {
		dn := ldapstore.ChildDN(r.attr, r.value, plan.BaseDN)
		if seen(dn) {
			continue
		}
		if e, err := p.Read(ctx, dn, "objectClass"); err == nil && e != nil {
			cs = append(cs, choice{dn, "exists, holds no " + class + " entries yet"})
		}
	}
	if !seen(plan.BaseDN) {
		cs = append(cs, choice{plan.BaseDN, "the whole naming context"})
	}
	why := "the container that " + cs[0].label
	if len(found) == 0 {
		why = "no " + class + " entries anywhere yet; this container exists"
	}
	dn, err := ui.choose(what, why, cs)
	if err != nil {
		return "", "", err
	}
	for _, c := range cs {
		if c.value == dn {
			why = c.label
		}
	}
	return dn, why, nil
}

// initVerify loads the text as check will, and runs check's directory
// steps on it, so that init never writes a file check would fail. The
// secrets the file reads from the environment are stood in for, the bind
// password with the one init used (a bindPasswordFile is read as is).
func initVerify(ctx context.Context, text, out, pw string) error {
	stand := strings.NewReplacer(
		`"${SCIM2LDAP_BIND_PASSWORD}"`, `"init-stand-in"`,
		`"${SCIM2LDAP_TOKEN}"`, `"init-stand-in"`,
	).Replace(text)
	cfg, err := config.Parse([]byte(stand), out)
	if err != nil {
		return fmt.Errorf("the configuration init made does not load (a bug in init; please report it with the directory's kind): %w", err)
	}
	if cfg.LDAP.BindPasswordFile == "" {
		cfg.LDAP.BindPassword = pw
	}
	var buf bytes.Buffer
	r := &report{w: &buf}
	checkLDAP(ctx, r, cfg, false)
	if r.failed > 0 {
		return fmt.Errorf("the configuration would fail check, so it was not written:\n%s", failLines(buf.String()))
	}
	return nil
}

func failLines(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "FAIL ") {
			out = append(out, "  "+l)
		}
	}
	return strings.Join(out, "\n")
}

// writeNew writes the file, refusing to replace one unless force: the
// exclusive create also closes the race with a file made since the check
// at the start. It holds no secret, so it is world-readable like the
// examples (the systemd unit's dynamic user must read it).
func writeNew(path, text string, force bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; choose another --out, or add --force to replace it", path)
	}
	if err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
