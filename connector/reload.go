package connector

import (
	"reflect"
	"slices"
	"strings"

	"github.com/scim2ldap/scim2ldap/config"
)

// Reload applies a new, validated configuration to the running server
// where that is safe without dropping a connection:
//
//   - server.auth (tokens, tokenFile, Basic users): requests after the
//     reload are checked against the new credentials;
//   - server.tls certFile, keyFile, clientCAFile: new handshakes use the
//     new files; open connections keep theirs.
//
// Everything else (listen addresses, base paths, limits, ldap, users,
// groups) is compiled into handlers, routes, listeners and the connection
// pool, so it takes a restart; Reload returns the YAML paths of such
// settings that changed, for the caller to log. If the new TLS files cannot
// be loaded, nothing changes and the error says why.
func (s *Server) Reload(cfg *config.Config) (needRestart []string, err error) {
	oldTLS, newTLS := s.cfg.Server.TLS.CertFile != "", cfg.Server.TLS.CertFile != ""
	switch {
	case oldTLS && newTLS:
		if err := s.ops.tls.Load(cfg.Server.TLS); err != nil {
			return nil, err
		}
	case oldTLS != newTLS:
		needRestart = append(needRestart, "server.tls (switching between HTTP and HTTPS)")
	}
	s.auth.Reload(cfg.Server.Auth)

	old, neu := *s.cfg, *cfg
	needRestart = append(needRestart, changedFields("server", reflect.ValueOf(old.Server), reflect.ValueOf(neu.Server), "auth", "tls")...)
	for _, f := range []struct {
		path     string
		old, new any
	}{
		{"directory", old.Directory, neu.Directory},
		{"ldap", old.LDAP, neu.LDAP},
		{"users", old.Users, neu.Users},
		{"groups", old.Groups, neu.Groups},
	} {
		if !reflect.DeepEqual(f.old, f.new) {
			needRestart = append(needRestart, f.path)
		}
	}
	return needRestart, nil
}

// changedFields lists prefix.<yaml key> of the struct fields that differ,
// except the keys in skip.
func changedFields(prefix string, a, b reflect.Value, skip ...string) []string {
	var out []string
	for i := range a.NumField() {
		key, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" || slices.Contains(skip, key) {
			continue
		}
		if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			out = append(out, prefix+"."+key)
		}
	}
	return out
}
