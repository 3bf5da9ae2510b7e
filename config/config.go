// Package config is the YAML schema of scim2ldap: the structs an admin
// fills in, their defaults, and validation that names the YAML path of every
// mistake together with its fix.
//
// A commented, working example is examples/openldap.yaml. Every string value
// may use ${VAR} or ${VAR:-default}; secrets can also be read from files
// (ldap.bindPasswordFile, server.auth.tokenFile).
package config

import "time"

// Fields tagged secret:"true" hold credentials. Error messages name their
// YAML path but never quote their value, since errors end up in logs.

// Config is the whole file.
type Config struct {
	// Directory names the preset that fills in defaults for the kind of
	// directory server: "openldap" (default), "activedirectory" (Microsoft
	// AD DS or Samba AD DC), "389ds" (389 Directory Server, Red Hat DS) or
	// "generic" (no defaults beyond the generic ones; every users.* field
	// must be set). Every default a preset fills in can be overridden; see
	// presets.go and the README section "Directories".
	Directory string `yaml:"directory"`
	// Server is the SCIM (HTTP) side.
	Server Server `yaml:"server"`
	// LDAP is the connection to the directory.
	LDAP LDAP `yaml:"ldap"`
	// Users maps SCIM Users onto directory entries.
	Users Users `yaml:"users"`
	// Groups maps SCIM Groups onto directory entries.
	Groups Groups `yaml:"groups"`
	// Log configures logging.
	Log Log `yaml:"log"`
}

// Server is the HTTP listener that SCIM clients talk to.
type Server struct {
	// Listen is host:port, e.g. "0.0.0.0:8443". Default "127.0.0.1:8080".
	Listen string `yaml:"listen"`
	// BasePath is where the SCIM 2.0 front is mounted. Default "/scim/v2".
	// Clients put it in their base URL: https://host:port/scim/v2/
	BasePath string `yaml:"basePath"`
	// BodyLimit caps a request body ("4MiB", "512KiB", or bytes).
	// Larger bodies get 413. Default 4MiB.
	BodyLimit ByteSize `yaml:"bodyLimit"`
	// V1BasePaths are where the SCIM 1.1 front (the Okta Provisioning
	// Agent's default dialect) is mounted. Default: when basePath ends in
	// /v2, its /v1 sibling and its parent, e.g. [/scim/v1, /scim], since an
	// agent given a base URL without a version speaks SCIM 1.1. Write []
	// to serve SCIM 2.0 only.
	V1BasePaths []string `yaml:"v1BasePaths"`
	// MaxResults is the largest page a list request returns (count is
	// capped to it) and what /ServiceProviderConfig advertises. Default 100.
	MaxResults int `yaml:"maxResults"`
	// RequestTimeout bounds the directory work of one SCIM request (all its
	// LDAP operations together, waiting for connections included); when it
	// passes, the request fails with a SCIM 500 Error. Okta gives up after
	// 60s. Default 30s.
	RequestTimeout time.Duration `yaml:"requestTimeout"`
	// MaxInFlight caps the SCIM requests that work on the directory at the
	// same time. A request over the cap waits up to QueueTimeout for a
	// turn, then gets 429 with Retry-After. Default 32.
	MaxInFlight int `yaml:"maxInFlight"`
	// QueueTimeout is how long a request over MaxInFlight waits before it
	// is answered 429. Default 1s.
	QueueTimeout time.Duration `yaml:"queueTimeout"`
	// MaxMembersPerPatch caps the member values one PATCH may add, remove
	// or set; more get 400 invalidValue. Default 1000.
	MaxMembersPerPatch int `yaml:"maxMembersPerPatch"`
	// UnmappedAttributes is what happens to a write that carries an
	// attribute no users.attributes / groups.attributes entry stores (a
	// nickName, a home address, an extension the mapping does not know):
	// "warn" (default) accepts the write, logs the attribute's path at WARN
	// once per client with the YAML that would map it, and counts it in
	// /metrics (scim2ldap_unmapped_attributes_total); "reject" answers 400
	// invalidValue naming the attribute, and writes nothing.
	UnmappedAttributes string `yaml:"unmappedAttributes"`
	// MaxStringLength caps every JSON string (and key) in a request body
	// ("64KiB", or bytes); longer ones get 400 invalidValue. Default 64KiB.
	MaxStringLength ByteSize `yaml:"maxStringLength"`
	// MaxAuthFailures is how many failed authentications one client
	// address may make per AuthFailureWindow; beyond that its requests get
	// 429 with Retry-After before any credential is checked. Behind a
	// reverse proxy every client has the proxy's address. Default 10; -1
	// turns the limit off.
	MaxAuthFailures int `yaml:"maxAuthFailures"`
	// AuthFailureWindow is the period of MaxAuthFailures. Default 1m.
	AuthFailureWindow time.Duration `yaml:"authFailureWindow"`
	// TLS, when certFile and keyFile are set, serves HTTPS.
	TLS ServerTLS `yaml:"tls"`
	// HealthListen is a separate host:port for /healthz, /readyz and
	// /metrics (plain HTTP, no SCIM token), e.g. "127.0.0.1:9090" for a
	// monitoring agent. Default: they are served on listen, next to SCIM.
	HealthListen string `yaml:"healthListen"`
	// StatusToken opens the read-only status page (/status, on
	// healthListen when set, else on listen) to other addresses than
	// loopback: a browser sends it as the password of HTTP Basic (any user
	// name), a script as "Authorization: Bearer <token>". Empty (default):
	// only loopback clients (127.0.0.1, ::1) get the page. It must differ
	// from every SCIM token, since the page is not a SCIM client.
	StatusToken string `yaml:"statusToken" secret:"true"`
	// Auth is how SCIM clients authenticate. At least one method must be
	// configured, or none: true chosen explicitly.
	Auth Auth `yaml:"auth"`
}

// ServerTLS is the certificate the SCIM listener presents.
type ServerTLS struct {
	// CertFile is a PEM certificate chain.
	CertFile string `yaml:"certFile"`
	// KeyFile is the PEM private key for CertFile.
	KeyFile string `yaml:"keyFile"`
	// ClientCAFile is a PEM bundle of CAs for client certificates (mutual
	// TLS). When set, a client presenting a certificate signed by one of
	// them is authenticated as "cert:<subject CN>" without a token;
	// clients without a certificate still use server.auth. Needs certFile.
	ClientCAFile string `yaml:"clientCAFile"`
}

// Auth lists the accepted credentials; a request passes with any one.
type Auth struct {
	// BearerTokens are accepted as "Authorization: Bearer <token>" and also
	// as the bare token (Okta's "HTTP Header" auth sends the value alone).
	BearerTokens []string `yaml:"bearerTokens" secret:"true"`
	// TokenFile holds more tokens, one per line (blank lines and lines
	// starting with # are ignored). Read at start-up.
	TokenFile string `yaml:"tokenFile"`
	// Basic lists HTTP Basic credentials.
	Basic []BasicUser `yaml:"basic"`
	// None turns authentication off. It must be chosen explicitly and
	// cannot be combined with the other methods.
	None bool `yaml:"none"`
}

// BasicUser is one HTTP Basic credential.
type BasicUser struct {
	// Username is compared exactly.
	Username string `yaml:"username"`
	// Password in clear (prefer ${ENV}), or
	Password string `yaml:"password" secret:"true"`
	// PasswordHash, a bcrypt hash ("$2a$…", "$2b$…", "$2y$…").
	PasswordHash string `yaml:"passwordHash" secret:"true"`
}

// LDAP is how the bridge reaches the directory.
type LDAP struct {
	// URLs are tried in order; the first that answers is used, the next
	// ones take over when it fails. ldap:// or ldaps://.
	URLs []string `yaml:"urls"`
	// BindDN is the service account.
	BindDN string `yaml:"bindDN"`
	// BindPassword is its password (prefer ${ENV}).
	BindPassword string `yaml:"bindPassword" secret:"true"`
	// BindPasswordFile is read instead of BindPassword when set; one
	// trailing newline is removed.
	BindPasswordFile string `yaml:"bindPasswordFile"`
	// StartTLS upgrades ldap:// connections before binding.
	StartTLS bool `yaml:"startTLS"`
	// CAFile is a PEM bundle to verify the directory's certificate
	// (ldaps:// or StartTLS). Default: the system roots.
	CAFile string `yaml:"caFile"`
	// ServerName overrides the name checked in the directory's certificate.
	ServerName string `yaml:"serverName"`
	// InsecureSkipVerify skips certificate verification. For tests only.
	InsecureSkipVerify bool `yaml:"insecureSkipVerify"`
	// DialTimeout bounds connecting (TCP and TLS) to one URL. Default 5s.
	DialTimeout time.Duration `yaml:"dialTimeout"`
	// RequestTimeout bounds one LDAP operation. Default 30s.
	RequestTimeout time.Duration `yaml:"requestTimeout"`
	// PoolSize is how many bound connections are kept open. Default 4.
	PoolSize int `yaml:"poolSize"`
	// FailbackAfter is how long the first URL must have answered again,
	// after a failover to a later one, before the bridge returns to it.
	// Until then it stays where it failed over to: a directory that was
	// down may still be catching up through replication, and bridges that
	// all write to one provider cannot make replication conflicts. Every
	// bridge must list the URLs in the same order. Default 30s; -1s never
	// fails back (the bridge then stays until that URL fails too).
	FailbackAfter time.Duration `yaml:"failbackAfter"`
}

// Users maps SCIM Users to directory entries.
type Users struct {
	// BaseDN is searched (whole subtree) for users.
	BaseDN string `yaml:"baseDN"`
	// BaseDNs are further subtrees searched for users besides BaseDN (e.g.
	// a disabled-users OU outside it): reads, filters, lookups by id,
	// uniqueness checks and imports cover them all, in order. See tree.go.
	BaseDNs []string `yaml:"baseDNs"`
	// CreateDN is the container new users are created in. Default BaseDN.
	// With placement rules, where a user goes when no rule matches.
	CreateDN string `yaml:"createDN"`
	// Placement chooses the container of each user from its attributes,
	// and moves it when that changes (tree.go).
	Placement Placement `yaml:"placement"`
	// Filter selects user entries below BaseDN, e.g. "(objectClass=inetOrgPerson)".
	// Default: an objectClass filter on the last of ObjectClasses.
	Filter string `yaml:"filter"`
	// ObjectClasses are written on create.
	ObjectClasses []string `yaml:"objectClasses"`
	// RDNAttribute names the entry: <rdnAttribute>=<userName>,<createDN>
	// (or its mapped value when it is not userNameAttribute, e.g. AD's cn).
	// When it is not userNameAttribute and another entry already has that
	// name, the new entry gets "<name> 2" (3, …), and a rename of userName
	// renames an entry whose RDN was made from the old userName.
	RDNAttribute string `yaml:"rdnAttribute"`
	// IDAttribute holds the immutable SCIM id. Default "entryUUID"
	// ("objectGUID" for activedirectory, "nsUniqueId" for 389ds).
	IDAttribute string `yaml:"idAttribute"`
	// IDFormat says how IDAttribute's value becomes the SCIM id: "string"
	// (as stored) or "guid" (16 binary bytes in Microsoft's byte order,
	// shown as the canonical GUID string and searched with an escaped
	// binary filter). Default "guid" for objectGUID, else "string".
	IDFormat string `yaml:"idFormat"`
	// UserNameAttribute holds userName. Default RDNAttribute
	// ("sAMAccountName" for activedirectory; "userPrincipalName" works too).
	UserNameAttribute string `yaml:"userNameAttribute"`
	// UserNameMaxLength refuses (400) a userName longer than this many
	// characters, for attributes with a size limit the directory may not
	// enforce itself (or enforces with an unhelpful error). Default 20 when
	// userNameAttribute is sAMAccountName (its limit in Active Directory),
	// else no limit; -1 turns the limit off.
	UserNameMaxLength int `yaml:"userNameMaxLength"`
	// CreatedAttribute and ModifiedAttribute hold the entry's creation and
	// last change times, read for meta.created and meta.lastModified and
	// searched by filters on them (Okta's incremental import). Default
	// createTimestamp and modifyTimestamp; whenCreated and whenChanged for
	// activedirectory, whose modifyTimestamp is computed and cannot be
	// searched reliably.
	CreatedAttribute  string `yaml:"createdAttribute"`
	ModifiedAttribute string `yaml:"modifiedAttribute"`
	// VersionAttribute is the entry's change marker, which the directory
	// changes on every write: it becomes meta.version and the ETag, and a
	// write with If-Match is sent with the LDAP Assertion control on it,
	// so that it fails (412) if anyone changed the entry since the client
	// read it. Default entryCSN for openldap, uSNChanged for
	// activedirectory, "-" (no versions) otherwise. ETags are served only
	// when the directory also supports the Assertion control (see README).
	VersionAttribute string `yaml:"versionAttribute"`
	// Attributes maps SCIM attributes to LDAP attributes.
	Attributes []AttributeMapping `yaml:"attributes"`
	// Password says where and how a SCIM password is written.
	Password Password `yaml:"password"`
	// Deactivation says what active:false does to the entry.
	Deactivation Deactivation `yaml:"deactivation"`
	// OnDeactivate adds a move and attributes to deactivation (tree.go).
	OnDeactivate OnDeactivate `yaml:"onDeactivate"`
}

// AttributeMapping is one SCIM attribute ↔ LDAP attribute pair.
//
// Examples:
//
//	attributes:
//	  - scim: name.givenName              # a sub-attribute
//	    ldap: givenName
//	  - scim: emails[type eq "work"].value  # one typed value of a multi-valued attribute
//	    ldap: mail
//	  - scim: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
//	    ldap: departmentNumber
//	  - ldap: cn                          # derived: written from a template, never read back
//	    template: "{name.givenName} {name.familyName}"
//	  - scim: name.familyName
//	    ldap: sn
//	    default: "{userName}"             # used when the client sends no familyName
type AttributeMapping struct {
	// SCIM is the SCIM attribute path. Empty for a derived attribute.
	SCIM string `yaml:"scim"`
	// LDAP is the directory attribute.
	LDAP string `yaml:"ldap"`
	// Template builds the LDAP value from SCIM values ({path} placeholders).
	// Set either SCIM or Template.
	Template string `yaml:"template"`
	// Default is a template written when the SCIM value is absent or
	// empty, or when Template renders empty (for attributes the object
	// class requires).
	Default string `yaml:"default"`
	// Unique (with Template) makes the attribute a generated unique value:
	// computed once at create, checked against every user, and on a
	// collision suffixed 1, 2, … inside MaxLength. Kept when its inputs
	// change later unless Regenerate. See tree.go.
	Unique bool `yaml:"unique"`
	// MaxLength caps a generated value in characters (20 for
	// sAMAccountName); the suffix replaces the end when needed.
	MaxLength int `yaml:"maxLength"`
	// Regenerate recomputes a generated value when its inputs change.
	Regenerate bool `yaml:"regenerate"`
	// AllocateFrom (without SCIM or Template) gives each new user the
	// next free number at or above it (uidNumber from 10000), unique
	// among users.
	AllocateFrom int `yaml:"allocateFrom"`
	// Type is the SCIM type of an attribute of a custom extension schema
	// (core and enterprise attributes have theirs): "string" (default),
	// "boolean" or "integer". Okta sends custom flags as JSON booleans.
	Type string `yaml:"type"`
	// Reference makes the attribute point at another entry: "user" or
	// "group". SCIM carries the target's id, the directory its DN (e.g.
	// the enterprise manager ↔ manager). On write the id is looked up
	// (an unknown id is refused); on read the DN is turned back into the
	// id, with displayName and $ref; a DN that names no user (or group)
	// below its baseDN is left out. Empty: a plain value.
	Reference string `yaml:"reference"`
	// ReferenceCleanup says who follows a referenced entry's rename and
	// removes the reference when the entry is deleted: "directory"
	// (default: OpenLDAP's refint with the attribute in refint_attributes,
	// 389 DS's referential integrity plug-in with it in
	// referint-membership-attr, Active Directory by itself for manager)
	// or "bridge" (the bridge updates the referring entries when it
	// renames or deletes the target).
	ReferenceCleanup string `yaml:"referenceCleanup"`
}

// Password says how a SCIM password reaches the directory.
type Password struct {
	// Attribute holds the password. Default "userPassword". Set to "-" to
	// ignore passwords sent by clients.
	Attribute string `yaml:"attribute"`
	// Method is "exop" (RFC 3062 Password Modify: the server hashes it;
	// default for openldap and 389ds), "attribute" (the value is written
	// to Attribute as sent; only for servers that hash on write) or
	// "unicodePwd" (Active Directory: the value is written as a quoted
	// UTF-16LE string; default for activedirectory). unicodePwd is only
	// ever sent over TLS: every ldap.urls entry must be ldaps:// or
	// ldap.startTLS must be true, and the bridge refuses at run time to
	// send it on a connection without TLS.
	Method string `yaml:"method"`
	// DigestAttribute is an attribute of the user's entry where the bridge
	// keeps a keyed digest (HMAC-SHA256 with DigestKey and a random salt,
	// never the password or a plain hash) of the last password it wrote,
	// so that it writes a password only when it differs from that one:
	// the Okta agent sends the password with every update, and each write
	// of unicodePwd resets pwdLastSet (the password never expires, and
	// "must change password at next logon" is cleared). The service
	// account must be able to read and write it; anyone who can read it
	// learns when a user's password was last pushed, and with the key
	// could test guesses offline. Default for activedirectory with method
	// unicodePwd: msDS-cloudExtensionAttribute20 (Windows Server 2012
	// schema and later, and Samba); elsewhere none, since the stored hash
	// is compared instead. "-" turns it off: every password a client
	// sends is written. README "Passwords that did not change" weighs
	// the alternatives.
	DigestAttribute string `yaml:"digestAttribute"`
	// DigestKey is the secret HMAC key for DigestAttribute, at least 16
	// characters (prefer ${ENV} or DigestKeyFile). Default: a key derived
	// from ldap.bindPassword, so that changing that password makes the
	// bridge write each user's password once more at the next push. Every
	// bridge writing to the same directory needs the same key.
	DigestKey string `yaml:"digestKey" secret:"true"`
	// DigestKeyFile is read instead of DigestKey when set; one trailing
	// newline is removed.
	DigestKeyFile string `yaml:"digestKeyFile"`
	// OnCreateWithout says what happens when a client creates an active
	// user without a password (Entra never sends one): "generate" (a
	// random password of 24 characters that meets Active Directory's
	// complexity rules; it is never logged or returned, and the user gets
	// a password by a reset later; default for activedirectory),
	// "disabled" (the account is created disabled, active: false, and is
	// enabled by the update that brings a password), "refuse" (400; users
	// created with active: false are still accepted) or "allow" (created
	// without a password; default elsewhere).
	OnCreateWithout string `yaml:"onCreateWithout"`
	// MustChangeGenerated (onCreateWithout generate, method unicodePwd)
	// creates the account with "user must change password at next logon"
	// (pwdLastSet 0), for sites where the help desk hands out the first
	// password with a reset that keeps that flag.
	MustChangeGenerated bool `yaml:"mustChangeGenerated"`
}

// Deactivation says how active:false is stored.
type Deactivation struct {
	// Strategy is "attribute" (set Attribute to InactiveValue; remove it,
	// or set ActiveValue, on reactivation), "flag" (Attribute is an
	// integer of bit flags: deactivation sets the bits of Mask, reactivation
	// clears them, every other bit is kept) or "none" (active is always
	// true and active:false is refused). Defaults: openldap attribute
	// pwdAccountLockedTime = 000001010000Z (ppolicy's administrative lock);
	// 389ds attribute nsAccountLock = true; activedirectory flag
	// userAccountControl, mask 2 (ACCOUNTDISABLE), createValue 512.
	Strategy string `yaml:"strategy"`
	// Attribute is the LDAP attribute the strategy writes.
	Attribute string `yaml:"attribute"`
	// InactiveValue marks a deactivated user.
	InactiveValue string `yaml:"inactiveValue"`
	// ActiveValue is written on reactivation; empty removes the attribute.
	ActiveValue string `yaml:"activeValue"`
	// Mask (strategy flag) is the bits that mark a deactivated user, e.g.
	// 2 (userAccountControl's ACCOUNTDISABLE). Searching for active users
	// uses the bitwise-AND matching rule 1.2.840.113556.1.4.803, which
	// Active Directory and Samba support.
	Mask int `yaml:"mask"`
	// CreateValue (strategy flag) is written to Attribute when a user is
	// created, with Mask's bits added for a user created inactive, e.g.
	// 512 (NORMAL_ACCOUNT), so new users get 512 or 514. 0 writes nothing
	// on create (the directory's default applies).
	CreateValue int `yaml:"createValue"`
}

// Groups maps SCIM Groups to directory entries.
type Groups struct {
	// BaseDN is searched (whole subtree) for groups.
	BaseDN string `yaml:"baseDN"`
	// BaseDNs are further subtrees searched for groups besides BaseDN.
	BaseDNs []string `yaml:"baseDNs"`
	// Placement chooses the container of each group, as users.placement.
	Placement Placement `yaml:"placement"`
	// CreateDN is the container new groups are created in. Default BaseDN.
	CreateDN string `yaml:"createDN"`
	// Filter selects group entries below BaseDN. Default: an objectClass
	// filter on the model's structural class.
	Filter string `yaml:"filter"`
	// Model is the group schema: "groupOfNames" (default), "groupOfUniqueNames",
	// "posixGroup" or "activeDirectory" (default for the activedirectory
	// preset: objectClass group, member DNs, may be empty).
	Model string `yaml:"model"`
	// ObjectClasses are written on create. Default from Model.
	ObjectClasses []string `yaml:"objectClasses"`
	// RDNAttribute names the entry: <rdnAttribute>=<displayName>. Default "cn".
	RDNAttribute string `yaml:"rdnAttribute"`
	// IDAttribute holds the immutable SCIM id. Default "entryUUID"
	// ("objectGUID" for activedirectory, "nsUniqueId" for 389ds).
	IDAttribute string `yaml:"idAttribute"`
	// IDFormat is "string" or "guid", as users.idFormat. Default "guid"
	// for objectGUID, else "string".
	IDFormat string `yaml:"idFormat"`
	// GroupType (model activeDirectory) is written to groupType when a
	// group is created: -2147483646 global security (default), -2147483644
	// domain-local security, -2147483640 universal security, 2, 4 and 8
	// the distribution kinds. 0 writes nothing (AD makes a global security
	// group).
	GroupType int `yaml:"groupType"`
	// CreatedAttribute, ModifiedAttribute and VersionAttribute: as for
	// users.
	CreatedAttribute  string `yaml:"createdAttribute"`
	ModifiedAttribute string `yaml:"modifiedAttribute"`
	VersionAttribute  string `yaml:"versionAttribute"`
	// DisplayNameAttribute holds displayName. Default RDNAttribute.
	DisplayNameAttribute string `yaml:"displayNameAttribute"`
	// MemberAttribute holds the members. Default from Model
	// (member, uniqueMember, memberUid).
	MemberAttribute string `yaml:"memberAttribute"`
	// EmptyMember is the placeholder DN kept in a groupOfNames or
	// groupOfUniqueNames group that has no members, since their schema
	// requires one. It is never shown as a SCIM member. Default: the empty
	// DN "" is not allowed by every server, so the default is
	// "cn=nobody" (an entry that need not exist).
	EmptyMember string `yaml:"emptyMember"`
	// MemberOfAttribute is the user attribute that lists a user's groups
	// (the memberof overlay's memberOf), read to fill a user's "groups"
	// without a search per user. Default "memberOf" for the DN-based
	// models; "-" means none: the bridge searches the groups instead (always
	// so for posixGroup). Use "-" where no overlay or plug-in keeps memberOf.
	MemberOfAttribute string `yaml:"memberOfAttribute"`
	// MembershipCleanup says who removes a deleted user from its groups
	// and follows a renamed user: "directory" (referential integrity, e.g.
	// OpenLDAP's refint overlay; default for DN-based models) or "bridge"
	// (the bridge searches the groups and updates them; default and the
	// only choice for posixGroup, whose memberUid no overlay follows).
	MembershipCleanup string `yaml:"membershipCleanup"`
	// IndirectMemberships adds to a user's "groups" the groups it is in
	// through nested groups, with type "indirect" (direct ones have type
	// "direct"). Computed by the bridge from the groups' memberOf, one
	// search per level of nesting for a whole page of users (at most 32
	// levels); needs memberOfAttribute, listing direct groups only (389
	// DS: memberOfSkipNested: on in the MemberOf plug-in). Default false:
	// direct memberships only, at no extra cost.
	IndirectMemberships bool `yaml:"indirectMemberships"`
	// GIDNumberMin is the lowest gidNumber given to a new posixGroup; a new
	// group gets one more than the highest gidNumber below baseDN, and at
	// least this. Default 10000.
	GIDNumberMin int `yaml:"gidNumberMin"`
	// Attributes maps further SCIM group attributes (e.g. description).
	Attributes []AttributeMapping `yaml:"attributes"`
}

// Enabled reports whether SCIM Groups are served: leaving groups.baseDN
// empty turns them off.
func (g Groups) Enabled() bool { return g.BaseDN != "" }

// Log configures the process log.
type Log struct {
	// Level is debug, info (default), warn or error.
	Level string `yaml:"level"`
	// Format is "text" (default) or "json".
	Format string `yaml:"format"`
}
