package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// resolveFiles makes relative file names relative to dir, the directory of
// the configuration file, so that the bridge finds its files whatever
// directory it is started from. An empty dir leaves them relative to the
// current directory.
func (c *Config) resolveFiles(dir string) {
	for _, p := range []*string{
		&c.Server.TLS.CertFile,
		&c.Server.TLS.KeyFile,
		&c.Server.TLS.ClientCAFile,
		&c.Server.Auth.TokenFile,
		&c.LDAP.BindPasswordFile,
		&c.LDAP.CAFile,
		&c.Users.Password.DigestKeyFile,
	} {
		if *p != "" && dir != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// readSecretFiles moves secrets kept in files into the fields the rest of
// the program reads (LDAP.BindPassword, Server.Auth.BearerTokens).
// Messages name the file but never its content.
func (c *Config) readSecretFiles() problems {
	var p problems
	if name := c.LDAP.BindPasswordFile; name != "" {
		if c.LDAP.BindPassword != "" {
			p.add("ldap.bindPasswordFile", "set either ldap.bindPassword or ldap.bindPasswordFile, not both; remove one")
		} else if pw, err := readPasswordFile(name); err != nil {
			p = append(p, fileError("ldap.bindPasswordFile", "password", err))
		} else if pw == "" {
			p.add("ldap.bindPasswordFile", "%s is empty; write the bind password into it", name)
		} else {
			c.LDAP.BindPassword = pw
		}
	}
	if name := c.Users.Password.DigestKeyFile; name != "" {
		if c.Users.Password.DigestKey != "" {
			p.add("users.password.digestKeyFile", "set either users.password.digestKey or users.password.digestKeyFile, not both; remove one")
		} else if key, err := readPasswordFile(name); err != nil {
			p = append(p, fileError("users.password.digestKeyFile", "key", err))
		} else {
			c.Users.Password.DigestKey = key
		}
	}
	if name := c.Server.Auth.TokenFile; name != "" {
		if tokens, err := readTokenFile(name); err != nil {
			p = append(p, fileError("server.auth.tokenFile", "token", err))
		} else if len(tokens) == 0 {
			p.add("server.auth.tokenFile", "%s holds no tokens; write one token per line", name)
		} else {
			c.Server.Auth.BearerTokens = append(c.Server.Auth.BearerTokens, tokens...)
		}
	}
	return p
}

// fileError reports a file that cannot be read; err (an *fs.PathError)
// names the file.
func fileError(path, what string, err error) *Error {
	return &Error{Path: path, Err: err,
		Msg: fmt.Sprintf("cannot read the %s file: %v; check the path and that scim2ldap may read it", what, err)}
}

// readPasswordFile returns the file without its final line break, which
// editors and echo add but which is not part of the password.
func readPasswordFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t, nil
	}
	return strings.TrimSuffix(s, "\n"), nil
}

// readTokenFile returns one token per line, skipping blank lines and
// # comments so that tokens can be annotated with their owner.
func readTokenFile(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var tokens []string
	for line := range strings.Lines(string(b)) {
		if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
			tokens = append(tokens, t)
		}
	}
	return tokens, nil
}
