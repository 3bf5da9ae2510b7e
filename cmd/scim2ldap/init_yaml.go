package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/scim2ldap/scim2ldap/ldapstore"
)

// initPlan is what init chose; render turns it into the YAML file, modelled
// on the matching file in examples/.
type initPlan struct {
	Opts         initOptions
	Version      string
	Kind         string
	Product      string
	Features     map[string]ldapstore.Feature
	PasswordFile string
	StartTLSWhy  string
	Listen       string

	BaseDN, UsersDN, GroupsDN string
	UsersWhy, GroupsWhy       string
	UsersFilter, GroupsFilter string // "" = the preset's
	GroupModel                string

	UserAttrs  []initAttr
	GroupAttrs []initAttr
	Dropped    []string // mappings left out: the schema lacks the attribute
}

// initAttr is one users.attributes / groups.attributes entry.
type initAttr struct {
	Comment           []string
	SCIM, LDAP        string
	Template, Default string
}

// mapAttributes takes the examples' mapping for the kind, minus attributes
// the directory's schema does not have (they would fail check and the
// first create).
func (plan *initPlan) mapAttributes(s *ldapstore.Schema) {
	emails := []string{
		"Okta cloud and Entra send type \"work\"; the Okta Provisioning Agent",
		"sends \"primary\": the first mapping of emails also takes the primary",
		"address when no element has its type.",
	}
	ext := "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
	var users []initAttr
	switch plan.Kind {
	case ldapstore.KindActiveDirectory:
		users = []initAttr{
			{SCIM: "name.givenName", LDAP: "givenName"},
			{SCIM: "name.familyName", LDAP: "sn"},
			{SCIM: "displayName", LDAP: "displayName"},
			// Not written by default, unlike examples/active-directory.yaml:
			// Okta's userNames are e-mail addresses, and AD refuses a UPN with
			// two @ (Samba: "generation of a salting principal failed").
			{Comment: []string{
				"The sign-in name (UPN) is not written: users log on with the logon",
				"name (DOMAIN\\<userName>). Where userNames have no @, uncomment:",
				"- ldap: userPrincipalName",
				"  template: \"{userName}@${SCIM2LDAP_UPN_SUFFIX:-" + dnsDomain(plan.BaseDN) + "}\"",
				"Where they are e-mail addresses, template: \"{userName}\" writes the",
				"address itself (its domain must be a UPN suffix of the forest).",
			}},
			{Comment: emails, SCIM: `emails[type eq "work"].value`, LDAP: "mail"},
			{SCIM: `phoneNumbers[type eq "work"].value`, LDAP: "telephoneNumber"},
			{SCIM: `phoneNumbers[type eq "mobile"].value`, LDAP: "mobile"},
			{SCIM: "title", LDAP: "title"},
			{Comment: []string{"The IdP's own id for the user (Okta user id, Entra object id). Not", "employeeID, which AD limits to 16 characters."},
				SCIM: "externalId", LDAP: "employeeNumber"},
			{SCIM: ext + "department", LDAP: "department"},
			{SCIM: ext + "organization", LDAP: "company"},
			{SCIM: ext + "employeeNumber", LDAP: "employeeID"},
		}
		plan.GroupAttrs = []initAttr{
			{Comment: []string{"The pre-Windows 2000 group name Windows tools show; without it AD makes", "up one ($XXXX-…). Rewritten when the group is renamed."},
				LDAP: "sAMAccountName", Template: "{displayName}"},
		}
	default:
		users = []initAttr{
			{SCIM: "name.givenName", LDAP: "givenName"},
			{Comment: []string{"sn and cn are required by the person object class: when the client", "sends no name, they fall back to the userName."},
				SCIM: "name.familyName", LDAP: "sn", Default: "{userName}"},
			{LDAP: "cn", Template: "{name.givenName} {name.familyName}", Default: "{userName}"},
			{SCIM: "displayName", LDAP: "displayName"},
			{Comment: emails, SCIM: `emails[type eq "work"].value`, LDAP: "mail"},
			{SCIM: `phoneNumbers[type eq "work"].value`, LDAP: "telephoneNumber"},
			{SCIM: `phoneNumbers[type eq "mobile"].value`, LDAP: "mobile"},
			{SCIM: "title", LDAP: "title"},
			{SCIM: "preferredLanguage", LDAP: "preferredLanguage"},
			{Comment: []string{"The IdP's own id for the user (Okta user id, Entra object id)."},
				SCIM: "externalId", LDAP: "employeeNumber"},
			{SCIM: ext + "department", LDAP: "departmentNumber"},
			{SCIM: ext + "organization", LDAP: "o"},
		}
	}
	plan.GroupAttrs = append(plan.GroupAttrs, initAttr{
		Comment: []string{"The Okta Provisioning Agent sends group descriptions in this extension."},
		SCIM:    "urn:okta:custom:group:1.0:description", LDAP: "description",
	})
	keep := func(as []initAttr) []initAttr {
		var out []initAttr
		for _, a := range as {
			if a.LDAP != "" && s != nil && !s.HasAttribute(a.LDAP) {
				plan.Dropped = append(plan.Dropped, a.LDAP)
				continue
			}
			out = append(out, a)
		}
		return out
	}
	plan.UserAttrs = keep(users)
	plan.GroupAttrs = keep(plan.GroupAttrs)
}

// dnsDomain is the DNS name of an Active Directory domain's DN
// (DC=example,DC=com → example.com), the usual UPN suffix.
func dnsDomain(dn string) string {
	var labels []string
	for dn != "" {
		attr, value, err := ldapstore.RDNValue(dn)
		if err != nil {
			break
		}
		if strings.EqualFold(attr, "dc") {
			labels = append(labels, strings.ToLower(value))
		}
		if dn, err = ldapstore.ParentDN(dn); err != nil {
			break
		}
	}
	if len(labels) == 0 {
		return "example.com"
	}
	return strings.Join(labels, ".")
}

// feature is the state of one overlay or plug-in.
func (plan *initPlan) feature(name string) ldapstore.Feature { return plan.Features[name] }

func (plan *initPlan) on(name string) bool {
	return plan.feature(name).State == ldapstore.FeatureOn
}

// MemberOf is groups.memberOfAttribute: memberOf where an overlay or
// plug-in keeps it (always in AD), else "-" (search the groups).
func (plan *initPlan) MemberOf() string {
	if plan.Kind == ldapstore.KindActiveDirectory || plan.on(ldapstore.FeatureMemberOf) {
		return "memberOf"
	}
	return "-"
}

// Cleanup is groups.membershipCleanup: directory where referential
// integrity is known to be on (always in AD), else bridge, which is right
// either way (with refint on, its search merely finds nothing left to do).
func (plan *initPlan) Cleanup() string {
	if plan.Kind == ldapstore.KindActiveDirectory || plan.on(ldapstore.FeatureRefint) {
		return "directory"
	}
	return "bridge"
}

// PPolicy: OpenLDAP's deactivation lock needs the ppolicy overlay.
func (plan *initPlan) PPolicy() bool { return plan.on(ldapstore.FeaturePPolicy) }

// FeatureLines describe each overlay or plug-in found, for the header.
func (plan *initPlan) FeatureLines() []string {
	type f struct{ name, label string }
	var fs []f
	switch plan.Kind {
	case ldapstore.KindOpenLDAP:
		fs = []f{{ldapstore.FeatureMemberOf, "memberof overlay"}, {ldapstore.FeatureRefint, "refint overlay"}, {ldapstore.FeaturePPolicy, "ppolicy overlay"}}
	case ldapstore.Kind389DS:
		fs = []f{{ldapstore.FeatureMemberOf, "MemberOf plug-in"}, {ldapstore.FeatureRefint, "Referential Integrity plug-in"}}
	default:
		return nil
	}
	state := map[ldapstore.FeatureState]string{ldapstore.FeatureOn: "on", ldapstore.FeatureOff: "off", ldapstore.FeatureUnknown: "unknown"}
	var out []string
	for _, x := range fs {
		ft := plan.feature(x.name)
		out = append(out, fmt.Sprintf("%s: %s (%s)", x.label, state[ft.State], ft.Evidence))
	}
	return out
}

// env is a value read from the environment with init's value as default,
// as the examples write it. A value holding "}" cannot be a default (it
// would end it) and is written as is.
func env(name, value string) string {
	if strings.Contains(value, "}") {
		return q(strings.ReplaceAll(value, "$", "$$"))
	}
	return q("${" + name + ":-" + value + "}")
}

var initTemplate = template.Must(template.New("init").Funcs(template.FuncMap{"env": env, "q": q}).Parse(initYAML))

func (plan *initPlan) render() (string, error) {
	var b bytes.Buffer
	if err := initTemplate.Execute(&b, plan); err != nil {
		return "", fmt.Errorf("render the configuration (a bug in init): %w", err)
	}
	return b.String(), nil
}

// printNext tells the admin what the file needs before serve.
func (plan *initPlan) printNext(w io.Writer) {
	fmt.Fprintf(w, "\nWrote %s. Next:\n", plan.Opts.Out)
	n := 1
	if plan.PasswordFile == "" {
		fmt.Fprintf(w, "  %d. Give the service the bind password: SCIM2LDAP_BIND_PASSWORD (e.g. in /etc/scim2ldap/scim2ldap.env, mode 0600).\n", n)
		n++
	}
	fmt.Fprintf(w, "  %d. scim2ldap token: a token for SCIM2LDAP_TOKEN, and where it goes in Okta and Entra.\n", n)
	fmt.Fprintf(w, "  %d. scim2ldap check --config %s\n", n+1, plan.Opts.Out)
	fmt.Fprintf(w, "  %d. scim2ldap service install --config %s (or scim2ldap serve --config %s); its log and check print the URLs to paste into Okta and Entra.\n",
		n+2, plan.Opts.Out, plan.Opts.Out)
}

const initYAML = `# scim2ldap configuration written by "scim2ldap init" ({{.Version}}) for
{{- if eq .Kind "activedirectory"}} Active Directory
{{- else if eq .Kind "389ds"}} 389 Directory Server
{{- else}} OpenLDAP{{end}}
{{- with .Product}} ({{.}}){{end}},
# naming context {{.BaseDN}}: users in {{.UsersDN}}, groups in {{.GroupsDN}}.
# It was checked against the directory as written; edit it freely (the
# README section "Configuration" and examples/ explain every key).
{{- with .FeatureLines}}
#
# Found in the directory:
{{- range .}}
#   {{.}}
{{- end}}
{{- end}}
#
# Every value may use ${VAR} or ${VAR:-default}; the defaults are what init
# used. Set in the service's environment:
#   SCIM2LDAP_LDAP_URL       the directory URL
#   SCIM2LDAP_BIND_DN        the bridge's service account
{{- if not .PasswordFile}}
#   SCIM2LDAP_BIND_PASSWORD  its password (required: no default)
{{- end}}
#   SCIM2LDAP_LISTEN         host:port the SCIM server listens on
#   SCIM2LDAP_TOKEN          the bearer token SCIM clients send (required:
#                            "scim2ldap token" makes one)
{{- if .Opts.CAFile}}
#   SCIM2LDAP_LDAP_CA_FILE   PEM of the directory's CA
{{- end}}
{{- if .Opts.ServerName}}
#   SCIM2LDAP_LDAP_SERVER_NAME  name in its certificate
{{- end}}
directory: {{.Kind}}

server:
  listen: {{env "SCIM2LDAP_LISTEN" .Listen}}
  # Clients use http(s)://<host>:<port>/scim/v2/ as their base URL (the Okta
  # Provisioning Agent's SCIM 1.1 default: /scim/v1/); serve and check print
  # the exact URLs.
  basePath: /scim/v2
  auth:
    bearerTokens:
      - "${SCIM2LDAP_TOKEN}"
  # Okta cloud and Entra connect only over HTTPS:
  # tls:
  #   certFile: /etc/scim2ldap/tls.crt
  #   keyFile: /etc/scim2ldap/tls.key

ldap:
  urls:
    - {{env "SCIM2LDAP_LDAP_URL" .Opts.LDAPURL}}
{{- if .Opts.StartTLS}}
{{- with .StartTLSWhy}}
  # {{.}}: StartTLS encrypts the connection.
{{- end}}
  startTLS: true
{{- end}}
  bindDN: {{env "SCIM2LDAP_BIND_DN" .Opts.BindDN}}
{{- if .PasswordFile}}
  bindPasswordFile: {{q .PasswordFile}}
{{- else}}
  bindPassword: "${SCIM2LDAP_BIND_PASSWORD}"
{{- end}}
{{- if .Opts.CAFile}}
  caFile: {{env "SCIM2LDAP_LDAP_CA_FILE" .Opts.CAFile}}
{{- end}}
{{- if .Opts.ServerName}}
  # The name in the directory's certificate, which differs from the URL's host.
  serverName: {{env "SCIM2LDAP_LDAP_SERVER_NAME" .Opts.ServerName}}
{{- end}}

users:
  # init's choice: {{.UsersWhy}}
  baseDN: {{q .UsersDN}}
{{- if eq .Kind "activedirectory"}}
  # New users: CN=<userName>,<baseDN>. A SCIM rename changes sAMAccountName
  # and leaves the CN, as renames in AD usually do.
  rdnAttribute: cn
  objectClasses: [top, person, organizationalPerson, user]
{{- if .UsersFilter}}
  # Computer accounts are objectClass user too, and this container holds
  # the built-in accounts (Administrator, krbtgt): SCIM never sees them.
  filter: {{q .UsersFilter}}
{{- else}}
  # Computer accounts are objectClass user too; objectCategory leaves them out.
  filter: (&(objectCategory=person)(objectClass=user))
{{- end}}
  # The SCIM id is the objectGUID, which survives renames and moves, shown
  # as the GUID string Windows tools print.
  idAttribute: objectGUID
  idFormat: guid
  # userName is the pre-Windows 2000 logon name, at most 20 characters: a
  # longer userName gets a 400 that says so (README "Active Directory" for
  # using the UPN instead).
  userNameAttribute: sAMAccountName
  userNameMaxLength: 20
  # Passwords are written to unicodePwd as an administrator reset, only
  # over TLS; the domain's password policy applies (a rejected password is
  # a 400 with the reason).
  password:
    attribute: unicodePwd
    method: unicodePwd
  # active:false sets ACCOUNTDISABLE (2) in userAccountControl, active:true
  # clears it; new users get 512 (normal account) or 514 (disabled).
  deactivation:
    strategy: flag
    attribute: userAccountControl
    mask: 2
    createValue: 512
{{- else}}
  # New users: uid=<userName>,<baseDN>
  rdnAttribute: uid
  objectClasses: [top, person, organizationalPerson, inetOrgPerson]
{{- if eq .Kind "389ds"}}
  # The SCIM id is nsUniqueId, which every entry has and keeps across renames.
  idAttribute: nsUniqueId
{{- else}}
  # The SCIM id is the entry's entryUUID: it survives renames.
  idAttribute: entryUUID
{{- end}}
  userNameAttribute: uid
  # Passwords go through the Password Modify extended operation, so the
  # server hashes them with its own scheme and applies its password policy.
  password:
    attribute: userPassword
    method: exop
{{- if eq .Kind "389ds"}}
  # active:false sets nsAccountLock: true (binds as the user fail);
  # active:true removes it.
  deactivation:
    strategy: attribute
    attribute: nsAccountLock
    inactiveValue: "true"
{{- else if .PPolicy}}
  # active:false sets ppolicy's administrative lock; active:true removes it.
  deactivation:
    strategy: attribute
    attribute: pwdAccountLockedTime
    inactiveValue: "000001010000Z"
{{- else}}
  # The ppolicy overlay is off, so nothing can lock an account: active is
  # always true and active:false is refused. Load ppolicy and set strategy:
  # attribute, attribute: pwdAccountLockedTime, inactiveValue: "000001010000Z".
  deactivation:
    strategy: none
{{- end}}
{{- end}}
  attributes:
{{- range .UserAttrs}}
{{- range .Comment}}
    # {{.}}
{{- end}}
{{- if not .LDAP}}
{{- else if .SCIM}}
    - scim: {{.SCIM}}
      ldap: {{.LDAP}}
{{- else}}
    - ldap: {{.LDAP}}
{{- end}}
{{- with .Template}}
      template: {{q .}}
{{- end}}
{{- with .Default}}
      default: {{q .}}
{{- end}}
{{- end}}
{{- with .Dropped}}
    # Left out, as the directory's schema has no such attribute: {{range $i, $a := .}}{{if $i}}, {{end}}{{$a}}{{end}}
{{- end}}

groups:
  # init's choice: {{.GroupsWhy}}
  baseDN: {{q .GroupsDN}}
{{- if eq .Kind "activedirectory"}}
  # New groups: CN=<displayName>,<baseDN>, objectClass group (global
  # security) with member DNs; AD groups may be empty.
  model: activeDirectory
  rdnAttribute: cn
{{- if .GroupsFilter}}
  # This container also holds the built-in groups (Domain Admins, …):
  # SCIM never sees them.
  filter: {{q .GroupsFilter}}
{{- end}}
  idAttribute: objectGUID
  idFormat: guid
  groupType: -2147483646
  # AD keeps memberOf on every user and removes deleted users from groups
  # (and follows renames and moves) by itself.
  memberOfAttribute: memberOf
  membershipCleanup: directory
{{- else}}
  # New groups: cn=<displayName>,<baseDN>
  model: {{.GroupModel}}
  rdnAttribute: cn
  idAttribute: {{if eq .Kind "389ds"}}nsUniqueId{{else}}entryUUID{{end}}
  # {{.GroupModel}} requires a member: a group with no members keeps this
  # placeholder value (it need not exist and is never shown over SCIM).
  emptyMember: cn=nobody
{{- if eq .MemberOf "memberOf"}}
  # The {{if eq .Kind "389ds"}}MemberOf plug-in{{else}}memberof overlay{{end}} keeps memberOf on users: one lookup per page
  # of users fills their "groups".
{{- else}}
  # The {{if eq .Kind "389ds"}}MemberOf plug-in{{else}}memberof overlay{{end}} is off or could not be seen, so users' "groups"
  # come from a search of the groups. Once it is on, write memberOf here.
{{- end}}
  memberOfAttribute: {{q .MemberOf}}
{{- if eq .Cleanup "directory"}}
  # The {{if eq .Kind "389ds"}}Referential Integrity plug-in{{else}}refint overlay{{end}} removes deleted users from groups and
  # follows renames.
{{- else}}
  # The {{if eq .Kind "389ds"}}Referential Integrity plug-in{{else}}refint overlay{{end}} is off or could not be seen
  # (the service account may not read the server's configuration), so the
  # bridge removes deleted users from their groups and follows renames
  # itself. Where it is on, "directory" saves that search.
{{- end}}
  membershipCleanup: {{.Cleanup}}
{{- end}}
  attributes:
{{- range .GroupAttrs}}
{{- range .Comment}}
    # {{.}}
{{- end}}
{{- if .SCIM}}
    - scim: {{.SCIM}}
      ldap: {{.LDAP}}
{{- else}}
    - ldap: {{.LDAP}}
{{- end}}
{{- with .Template}}
      template: {{q .}}
{{- end}}
{{- end}}

log:
  level: info
  format: text
`
