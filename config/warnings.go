package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Warnings lists settings that are valid but weaken security, each as
// "path: what is wrong; the fix". serve logs every one at WARN on start;
// check prints them.
func (c *Config) Warnings() []string {
	var w []string
	l := c.LDAP
	if l.InsecureSkipVerify {
		w = append(w, "ldap.insecureSkipVerify: true: the directory's TLS certificate is NOT verified, so anyone on the network path "+
			"can pose as the directory and read the bind password and every value written; set ldap.caFile to the directory's CA and remove insecureSkipVerify")
	}
	// The file is read into BindPassword on Load; a config checked before
	// that still has a password to leak.
	if (l.BindPassword != "" || l.BindPasswordFile != "") && !l.StartTLS {
		for i, raw := range l.URLs {
			u, err := url.Parse(raw)
			if err != nil || !strings.EqualFold(u.Scheme, "ldap") || isLoopback(u.Hostname()) {
				continue
			}
			w = append(w, fmt.Sprintf("ldap.urls[%d]: %s is plain LDAP to another host: the bind password and every value written cross the network "+
				"in clear text; use ldaps:// or set ldap.startTLS: true", i, raw))
		}
	}
	return w
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
