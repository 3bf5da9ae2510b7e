package ldapstore

import (
	"time"
)

// Observer is told about every operation a Store sends to the directory,
// after it ends: op is "search", "add", "modify", "rename", "delete",
// "password modify", "ping" or "connect" (TCP, TLS and bind of a new pooled
// connection); err is what the caller got (nil on success). Two events
// that are not operations come the same way, with d and err zero:
// "failover" (new connections now go to another URL than before) and
// "failback" (they returned to an earlier URL after its quiet period; see
// failover.go and Store.ActiveURL). It is how the
// bridge feeds its metrics without this package knowing about Prometheus.
// It must be cheap and safe for concurrent use; it never sees values.
type Observer func(op string, d time.Duration, err error)

// SetObserver replaces the Observer (nil removes it). It may be called at
// any time, also while operations run.
func (s *Store) SetObserver(o Observer) {
	if o == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&o)
}

// observe is deferred by the operation drivers with a pointer to their
// named error result, so every return path is counted once.
func (s *Store) observe(op string, start time.Time, err *error) {
	if o := s.observer.Load(); o != nil {
		(*o)(op, time.Since(start), *err)
	}
}
