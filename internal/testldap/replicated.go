package testldap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// replica makes a slapd one provider of a multi-provider pair: its
// serverID, the URL of the peer it pulls changes from, and whether it is
// the one seeded with the base entries.
type replica struct {
	ID   int
	Peer string
	seed bool
}

// StartReplicated starts two OpenLDAP providers in multi-provider
// replication (syncrepl refreshAndPersist both ways, syncprov on both,
// serverIDs 1 and 2), the way production sites replicate the directory
// that several bridges share, and stops them in tb.Cleanup. a is seeded
// (base entries and opts.PreloadLDIF); b starts empty and takes everything
// from a: StartReplicated returns once both hold the same data. Either may
// be Killed and Restarted; a restarted provider catches up within about a
// second of both being up (WaitInSync).
//
// opts applies to both, except Port, LDAPSPort (-1 turns LDAPS off) and
// Dir, which must be zero: the two need ports and dirs of their own.
func StartReplicated(tb testing.TB, opts Options) (a, b *Server) {
	tb.Helper()
	a, b, err := StartReplicatedProcess(opts)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	tb.Cleanup(func() {
		for _, s := range []*Server{a, b} {
			if err := s.Stop(); err != nil {
				tb.Errorf("%v", err)
			}
		}
	})
	if _, err := InSync(a, b, 30*time.Second); err != nil {
		tb.Fatalf("testldap: the new replicated pair: %v", err)
	}
	return a, b
}

// StartReplicatedProcess is StartReplicated without a testing.TB; the
// caller must Stop both (it does not wait for the first sync).
func StartReplicatedProcess(opts Options) (a, b *Server, err error) {
	if opts.Kind != "" && opts.Kind != OpenLDAP {
		return nil, nil, fmt.Errorf("testldap: replicated beds are OpenLDAP only, not %s", opts.Kind)
	}
	if opts.Port != 0 || opts.LDAPSPort > 0 || opts.Dir != "" {
		return nil, nil, errors.New("testldap: StartReplicated picks ports and dirs itself; leave Options.Port, LDAPSPort and Dir zero")
	}
	if _, err := os.Stat(filepath.Join(moduleDir, "syncprov.so")); err != nil {
		return nil, nil, fmt.Errorf("testldap: slapd module syncprov not found in %s: apt-get install -y slapd (or run scripts/deps.sh)", moduleDir)
	}
	// Each provider's configuration names the other's URL, so all ports
	// are chosen before either starts. Another process may take one in
	// between: then the pair starts again on new ports.
	for attempt := 1; ; attempt++ {
		a, b, err = startPair(opts)
		if err == nil || !errors.Is(err, errPortInUse) || attempt == 3 {
			return a, b, err
		}
	}
}

func startPair(opts Options) (a, b *Server, err error) {
	n := 2
	if opts.LDAPSPort >= 0 {
		n = 4
	}
	ports, err := freePorts(n)
	if err != nil {
		return nil, nil, err
	}
	oa, ob := opts, opts
	oa.Port, ob.Port = ports[0], ports[1]
	if n == 4 {
		oa.LDAPSPort, ob.LDAPSPort = ports[2], ports[3]
	}
	url := func(p int) string { return "ldap://127.0.0.1:" + strconv.Itoa(p) }
	if a, err = startSlapd(oa, &replica{ID: 1, Peer: url(ob.Port), seed: true}); err != nil {
		return nil, nil, err
	}
	ob.PreloadLDIF = "" // b gets a's entries by replication
	if b, err = startSlapd(ob, &replica{ID: 2, Peer: url(oa.Port)}); err != nil {
		_ = a.Stop()
		return nil, nil, err
	}
	return a, b, nil
}

// freePorts returns n distinct free loopback ports, held open together so
// that none is returned twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("testldap: find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ServerID is the provider's serverID in a replicated pair (1 for a, 2 for
// b), the number that entryCSN values of changes made on it carry; 0 for a
// standalone server.
func (s *Server) ServerID() int {
	if s.repl == nil {
		return 0
	}
	return s.repl.ID
}

// CSNServerID returns the serverID in a CSN (entryCSN, contextCSN:
// "20261204231000.123456Z#000000#001#000000"): which provider made the
// change. -1 if csn is not a CSN.
func CSNServerID(csn string) int {
	f := strings.Split(csn, "#")
	if len(f) != 4 {
		return -1
	}
	id, err := strconv.ParseInt(f[2], 16, 32)
	if err != nil {
		return -1
	}
	return int(id)
}

// ContextCSN reads the contextCSN values of the suffix, sorted: one per
// serverID whose changes the provider holds, the replication state that
// two providers in sync agree on.
func (s *Server) ContextCSN() ([]string, error) {
	c, err := dial(s.URL)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetTimeout(2 * time.Second)
	if err := c.Bind(s.BindDN, s.BindPassword); err != nil {
		return nil, err
	}
	res, err := c.Search(ldap.NewSearchRequest(s.BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases,
		0, 0, false, "(objectClass=*)", []string{"contextCSN"}, nil))
	if err != nil {
		return nil, err
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("%s: no suffix entry yet", s.URL)
	}
	csn := res.Entries[0].GetAttributeValues("contextCSN")
	slices.Sort(csn)
	return csn, nil
}

// InSync waits until both providers answer with the same, non-empty
// contextCSN (every change either has made is on both), for at most
// timeout, and returns how long that took. Both must be running.
func InSync(a, b *Server, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	var last string
	for {
		ca, errA := a.ContextCSN()
		cb, errB := b.ContextCSN()
		switch {
		case errA != nil:
			last = fmt.Sprintf("%s: %v", a.URL, errA)
		case errB != nil:
			last = fmt.Sprintf("%s: %v", b.URL, errB)
		case len(ca) > 0 && slices.Equal(ca, cb):
			return time.Since(start), nil
		default:
			last = fmt.Sprintf("contextCSN %s=%v, %s=%v", a.URL, ca, b.URL, cb)
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("testldap: providers not in sync after %v: %s; logs %s, %s:\n%s\n%s",
				timeout, last, filepath.Join(a.Dir, "slapd.log"), filepath.Join(b.Dir, "slapd.log"),
				logTail(filepath.Join(a.Dir, "slapd.log")), logTail(filepath.Join(b.Dir, "slapd.log")))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitInSync is InSync for a test: it fails the test when the providers do
// not catch up within timeout, and returns how long catching up took.
func WaitInSync(tb testing.TB, a, b *Server, timeout time.Duration) time.Duration {
	tb.Helper()
	d, err := InSync(a, b, timeout)
	if err != nil {
		tb.Fatalf("%v", err)
	}
	return d
}
