package ldapstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Failover and failback between Options.URLs.
//
// Several bridges usually sit in front of one replicated directory (two or
// more providers, domain controllers or suppliers, each URL one of them).
// Replication resolves concurrent changes to one entry by timestamp, and
// a userName taken on two providers at once becomes two entries, so the
// bridges must all write to the same provider. They do as long as they all
// list the URLs in the same order and follow two rules:
//
//   - Failover is sticky. New connections go to the active URL (at first
//     the first one). Only when it fails does a dial go on to the others,
//     in their configured order, and the one that answers becomes active:
//     the pooled connections to the old one are replaced as they come back
//     (pool.get/put), and a first URL that comes back is not used at once,
//     while it may still be catching up with what the other took.
//   - Failback waits for quiet. While a later URL is active, a probe dials
//     and binds to each earlier one every probeInterval; once one has
//     answered every probe for Options.FailbackAfter, it becomes active
//     again and is logged at info ("returned to the preferred directory
//     URL"). A negative FailbackAfter never fails back: the store stays
//     where it is until that URL fails too.
//
// Both events are also reported to the Observer as op "failover" and
// "failback" (err nil), and ActiveURL says where connections go now.

// DefaultFailbackAfter is the quiet period of a zero Options.FailbackAfter.
const DefaultFailbackAfter = 30 * time.Second

// route is the failover state of a Store.
type route struct {
	active  atomic.Int32 // index in servers of the URL new connections go to first
	since   atomic.Int64 // UnixNano when active last changed
	mu      sync.Mutex
	probing bool // the failback probe runs (guarded by mu)
}

// activeIndex is the position in Options.URLs of the active URL.
func (s *Store) activeIndex() int { return int(s.route.active.Load()) }

// ActiveURL returns the URL new connections go to first, as configured,
// and its position in Options.URLs: 0 is the preferred one; more means the
// store has failed over and not (yet) returned.
func (s *Store) ActiveURL() (url string, index int) {
	i := s.activeIndex()
	return s.servers[i].url, i
}

// dialOrder is the order a dial tries the URLs in: the active one, then
// the others as configured.
func (s *Store) dialOrder(active int) []int {
	order := make([]int, 0, len(s.servers))
	order = append(order, active)
	for i := range s.servers {
		if i != active {
			order = append(order, i)
		}
	}
	return order
}

// switchTo makes URL to the active one after a dial that started with from
// active could only connect to it (failed is how many URLs it tried
// before). A dial that started before another switch changes nothing: its
// connection is dropped on return to the pool instead of moving everyone.
func (s *Store) switchTo(from, to, failed int) {
	if !s.route.active.CompareAndSwap(int32(from), int32(to)) {
		return
	}
	s.route.since.Store(time.Now().UnixNano())
	if to > 0 {
		s.log.Warn("ldap: connected to a fallback URL", "url", s.servers[to].url, "failed", failed,
			"was", s.servers[from].url)
	} else {
		s.log.Warn("ldap: connected to the preferred URL after the fallback failed", "url", s.servers[to].url,
			"was", s.servers[from].url)
	}
	err := error(nil)
	s.observe("failover", time.Now(), &err)
	if to > 0 {
		s.startProbe()
	}
}

// startProbe starts the failback probe unless it runs or is turned off.
func (s *Store) startProbe() {
	if s.opts.FailbackAfter < 0 {
		return
	}
	s.route.mu.Lock()
	defer s.route.mu.Unlock()
	if s.route.probing {
		return
	}
	s.route.probing = true
	go s.probe()
}

// probeInterval is how often the failback probe dials: often enough that
// the quiet period is observed about ten times, bounded so that a short
// period (tests) does not spin and a long one still notices an outage of
// the preferred URL within seconds.
func probeInterval(quiet time.Duration) time.Duration {
	return min(max(quiet/10, 100*time.Millisecond), 5*time.Second)
}

// probe runs while a URL other than the first is active: every
// probeInterval it dials and binds to each URL before the active one, and
// makes active the first of them that has answered every probe for
// FailbackAfter. It ends then, when the store is closed, or when a dial
// has made an earlier URL active by itself.
func (s *Store) probe() {
	quiet := s.opts.FailbackAfter
	tick := time.NewTicker(probeInterval(quiet))
	defer tick.Stop()
	healthySince := make([]time.Time, len(s.servers)) // zero: failed its last probe
	for {
		select {
		case <-s.pool.done:
			s.stopProbe()
			return
		case <-tick.C:
		}
		active := s.activeIndex()
		if active == 0 {
			if s.stopProbe() {
				return
			}
			continue
		}
		for i := range active {
			if !s.probeOne(s.servers[i]) {
				healthySince[i] = time.Time{}
				continue
			}
			if healthySince[i].IsZero() {
				healthySince[i] = time.Now()
			}
			if time.Since(healthySince[i]) < quiet {
				continue
			}
			if s.route.active.CompareAndSwap(int32(active), int32(i)) {
				away := time.Duration(time.Now().UnixNano() - s.route.since.Swap(time.Now().UnixNano()))
				s.log.Info("ldap: returned to the preferred directory URL", "url", s.servers[i].url,
					"was", s.servers[active].url, "healthy_for", quiet.String(), "away", away.Round(time.Millisecond).String())
				err := error(nil)
				s.observe("failback", time.Now(), &err)
			}
			break
		}
	}
}

// stopProbe ends the probe when no earlier URL is left to return to; it
// reports false when a failover came in between (the probe goes on).
func (s *Store) stopProbe() bool {
	s.route.mu.Lock()
	defer s.route.mu.Unlock()
	select {
	case <-s.pool.done:
	default:
		if s.activeIndex() != 0 {
			return false
		}
	}
	s.route.probing = false
	return true
}

// probeOne reports whether srv accepts a connection and the service
// account's bind within DialTimeout, the same test a pooled connection
// passes.
func (s *Store) probeOne(srv server) bool {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.DialTimeout)
	defer cancel()
	l, err := s.connect(ctx, srv, true)
	if err != nil {
		s.log.Debug("ldap: failback probe failed", "url", srv.url, "err", err)
		return false
	}
	l.Close()
	return true
}
