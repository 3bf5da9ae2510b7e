package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

// userAttrs is what the bridge requests for a user of examples/openldap.yaml
// (id, userName, meta, active, groups, then the mapping), so the raw reads
// decode the same attributes as the bridge's.
var userAttrs = []string{
	"entryUUID", "uid", "createTimestamp", "modifyTimestamp", "pwdAccountLockedTime", "memberOf",
	"givenName", "sn", "displayName", "mail", "telephoneNumber", "mobile", "title", "preferredLanguage",
	"employeeNumber", "departmentNumber", "o", "ou",
}

func userName(i int) string { return fmt.Sprintf("user%06d@example.com", i) }

// writeUsers writes n users for slapadd, shaped like the ones the bridge
// creates from Okta's bodies (uid = userName).
func writeUsers(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := range n {
		u := userName(i)
		fmt.Fprintf(w, "dn: uid=%s,ou=People,dc=example,dc=com\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: inetOrgPerson\n"+
			"uid: %s\ncn: Given%d Family%d\nsn: Family%d\ngivenName: Given%d\ndisplayName: Given%d Family%d\nmail: %s\nemployeeNumber: 00u%07d\n\n",
			u, u, i, i, i, i, i, i, u, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// rate runs n operations on conc workers and returns operations per second.
// The first error stops every worker.
func rate(ctx context.Context, w window, conc int, op func(worker, i int) error) (float64, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for worker := range conc {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := w.lo + int(next.Add(1)-1)
				if i >= w.hi {
					return
				}
				if err := op(worker, i); err != nil {
					cancel(fmt.Errorf("operation %d: %w", i, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return 0, err
	}
	return float64(w.hi-w.lo) / time.Since(start).Seconds(), nil
}

// window is the range of operation numbers one run of a phase does.
type window struct{ lo, hi int }

// part is the window of n operations that p.half names: the whole, or its
// first or second half.
func (p params) part(n int) window {
	switch p.half {
	case 1:
		return window{0, n / 2}
	case 2:
		return window{n / 2, n}
	}
	return window{0, n}
}

// rawClients is one bound go-ldap connection per worker.
type rawClients struct {
	conns []*ldap.Conn
	dir   *testldap.Server
}

func dialBound(dir *testldap.Server) (*ldap.Conn, error) {
	l, err := ldap.DialURL(dir.URL)
	if err != nil {
		return nil, err
	}
	l.SetTimeout(60 * time.Second)
	if err := l.Bind(dir.BindDN, dir.BindPassword); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func newRawClients(dir *testldap.Server, conc int) (*rawClients, error) {
	rc := &rawClients{dir: dir}
	for range conc {
		l, err := dialBound(dir)
		if err != nil {
			rc.close()
			return nil, err
		}
		rc.conns = append(rc.conns, l)
	}
	return rc, nil
}

func (rc *rawClients) close() {
	for _, l := range rc.conns {
		l.Close()
	}
}

func rawDN(i int) string {
	return fmt.Sprintf("uid=raw%06d@example.com,ou=People,dc=example,dc=com", i)
}

// add writes the entry the bridge writes for a create without password.
func (rc *rawClients) add(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.ops), p.conc, func(w, i int) error {
		u := fmt.Sprintf("raw%06d@example.com", i)
		req := ldap.NewAddRequest(rawDN(i), nil)
		req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "inetOrgPerson"})
		req.Attribute("uid", []string{u})
		req.Attribute("givenName", []string{"Raw"})
		req.Attribute("sn", []string{strconv.Itoa(i)})
		req.Attribute("cn", []string{"Raw " + strconv.Itoa(i)})
		req.Attribute("displayName", []string{"Raw " + strconv.Itoa(i)})
		req.Attribute("mail", []string{u})
		req.Attribute("employeeNumber", []string{"00uraw" + strconv.Itoa(i)})
		return rc.conns[w].Add(req)
	})
}

// search looks users up by uid with the bridge's filter and attributes.
func (rc *rawClients) search(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.lookups), p.conc, func(w, i int) error {
		f := "(&(objectClass=inetOrgPerson)(uid=" + ldap.EscapeFilter(userName(spread(i, p.n))) + "))"
		res, err := rc.conns[w].Search(ldap.NewSearchRequest("ou=People,dc=example,dc=com", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, f, userAttrs, nil))
		if err == nil && len(res.Entries) != 1 {
			err = fmt.Errorf("%s: %d entries", f, len(res.Entries))
		}
		return err
	})
}

// spread visits the users in a scattered but repeatable order.
func spread(i, n int) int { return int((uint64(i)*2654435761 + 12345) % uint64(n)) }

// modify replaces two attributes, as the bridge's PATCH does.
func (rc *rawClients) modify(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.ops), p.conc, func(w, i int) error {
		req := ldap.NewModifyRequest(rawDN(i), nil)
		req.Replace("title", []string{"Engineer " + strconv.Itoa(i)})
		req.Replace("telephoneNumber", []string{"+1 555 0100 " + strconv.Itoa(i)})
		return rc.conns[w].Modify(req)
	})
}

func (rc *rawClients) delete(ctx context.Context, p params) (float64, error) {
	return rate(ctx, p.part(p.ops), p.conc, func(w, i int) error {
		return rc.conns[w].Del(ldap.NewDelRequest(rawDN(i), nil))
	})
}

// rawPagedRead reads every user with the paged-results control (page 500)
// and the bridge's attributes, decoding each entry and keeping none, and
// checks it saw n.
func rawPagedRead(ctx context.Context, dir *testldap.Server, n int) (time.Duration, error) {
	l, err := dialBound(dir)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	req := ldap.NewSearchRequest("ou=People,dc=example,dc=com", ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=inetOrgPerson)", userAttrs, nil)
	paging := ldap.NewControlPaging(500)
	req.Controls = []ldap.Control{paging}
	start := time.Now()
	seen := 0
	for pages := 0; pages <= n/500+1 && ctx.Err() == nil; pages++ {
		res, err := l.Search(req)
		if err != nil {
			return 0, err
		}
		seen += len(res.Entries)
		next, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if next == nil || len(next.Cookie) == 0 {
			break
		}
		paging.SetCookie(next.Cookie)
	}
	d := time.Since(start)
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if seen != n {
		return 0, fmt.Errorf("read %d entries, want %d", seen, n)
	}
	return d, nil
}

// ldapsearchRead times OpenLDAP's own client on the same read, to tell
// client-side decoding from server time.
func ldapsearchRead(ctx context.Context, dir *testldap.Server, n int) (time.Duration, error) {
	path, err := exec.LookPath("ldapsearch")
	if err != nil {
		return 0, err
	}
	args := []string{"-x", "-LLL", "-H", dir.URL, "-D", dir.BindDN, "-w", dir.BindPassword, "-b", "ou=People,dc=example,dc=com",
		"-E", "pr=500/noprompt", "(objectClass=inetOrgPerson)"}
	cmd := exec.CommandContext(ctx, path, append(args, userAttrs...)...)
	start := time.Now()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	seen := 0
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if len(sc.Bytes()) > 4 && string(sc.Bytes()[:4]) == "dn: " {
			seen++
		}
	}
	if err := cmd.Wait(); err != nil {
		return 0, err
	}
	if seen != n {
		return 0, errors.New("ldapsearch: wrong entry count")
	}
	return time.Since(start), nil
}
