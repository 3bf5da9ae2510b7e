package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

const exampleBindDN = "cn=scim2ldap,ou=services,dc=example,dc=com"

func (l *LDAP) check(p *problems) {
	if len(l.URLs) == 0 {
		p.add("ldap.urls", "missing; list at least one directory URL, e.g. [ldap://localhost:389] or [ldaps://ldap.example.com]")
	}
	for i, raw := range l.URLs {
		path := fmt.Sprintf("ldap.urls[%d]", i)
		u := checkLDAPURL(p, path, raw)
		if u != nil && u.Scheme == "ldaps" && l.StartTLS {
			p.add("ldap.startTLS", "cannot be used with %s (%s), which is TLS already; use ldap:// URLs with startTLS, or turn startTLS off", path, raw)
		}
	}
	checkFile(p, "ldap.caFile", l.CAFile)

	// An anonymous bind must be chosen by leaving both empty, never the
	// accident of a password variable that was not exported.
	hasPassword := l.BindPassword != "" || l.BindPasswordFile != ""
	switch {
	case l.BindDN != "" && !hasPassword:
		p.add("ldap.bindPassword", "missing while ldap.bindDN is set; set it (e.g. ${SCIM2LDAP_BIND_PASSWORD}) or ldap.bindPasswordFile, "+
			"or remove ldap.bindDN to bind anonymously")
	case l.BindDN == "" && hasPassword:
		p.add("ldap.bindDN", "missing while a bind password is set; set the DN of the service account, e.g. %s", exampleBindDN)
	case l.BindDN != "":
		checkDN(p, "ldap.bindDN", l.BindDN, exampleBindDN)
	}

	if l.DialTimeout <= 0 {
		p.add("ldap.dialTimeout", "must be more than 0; write e.g. 5s")
	}
	if l.RequestTimeout <= 0 {
		p.add("ldap.requestTimeout", "must be more than 0; write e.g. 30s")
	}
	if l.PoolSize < 1 || l.PoolSize > 256 {
		p.add("ldap.poolSize", "%d is out of range; use 1 to 256", l.PoolSize)
	}
	// Below a second, a directory that is restarting, or still replaying
	// its replication backlog, can look back for good; negative values
	// other than -1s are most likely typos.
	if (l.FailbackAfter > 0 && l.FailbackAfter < time.Second) || (l.FailbackAfter < 0 && l.FailbackAfter != -time.Second) {
		p.add("ldap.failbackAfter", "%s is out of range; use 1s or more (e.g. 30s), or -1s never to return to the first URL by itself", l.FailbackAfter)
	}
}

// checkLDAPURL returns the parsed URL, or nil after reporting why it is not
// a usable ldap:// or ldaps:// URL.
func checkLDAPURL(p *problems, path, raw string) *url.URL {
	if !strings.Contains(raw, "://") {
		p.add(path, "%q has no scheme; write ldap://%s or ldaps://%s", raw, raw, raw)
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		*p = append(*p, &Error{Path: path, Err: err, Msg: fmt.Sprintf("%v; write e.g. ldap://localhost:389", err)})
		return nil
	}
	switch {
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		p.add(path, "scheme %q is not supported; use ldap:// or ldaps://", u.Scheme)
	case u.Hostname() == "":
		p.add(path, "%q has no host; write e.g. ldap://localhost:389", raw)
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "":
		p.add(path, "%q has a path or query, which is not used; write only scheme, host and port, "+
			"and put base DNs in users.baseDN and groups.baseDN", raw)
	default:
		return u
	}
	return nil
}
