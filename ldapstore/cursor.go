package ldapstore

import (
	"context"
	"sync"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// A cursor is a paged search left open between two SearchPage calls, so
// that the next page of a sequential walk (Okta's startIndex=1, 101, 201, …)
// continues where the last one stopped instead of reading the directory
// from the top again.
//
// Paged-results cookies belong to the connection that started the search
// (OpenLDAP refuses them anywhere else), so a live cursor owns its
// connection: it is taken out of the pool (the pool dials a replacement
// when it needs one) and closed with the cursor. That is why cursors are
// few (Options.Cursors) and short-lived (Options.CursorIdle).
type cursor struct {
	key      string   // pageKey of the request: base, scope, filter, attributes
	pos      int      // 0-based index of the next entry the cursor yields
	total    int      // totalResults of the walk, counted when it started
	keysOnly bool     // yields DNs only (attributes "1.1"); SearchPage reads the entries
	attrs    []string // what a keys-only cursor's entries are read with

	c      *conn // the cursor's own connection; nil once closed
	done   bool  // the server has sent the last page
	req    *ldap.SearchRequest
	paging *ldap.ControlPaging
	size   uint32        // page size asked of the server by the next fetch
	buf    []*ldap.Entry // received, not yet yielded; empty between requests

	timer *time.Timer // closes the cursor when idle too long
}

// exhausted reports whether the cursor has nothing more to yield.
func (cu *cursor) exhausted() bool { return cu.done && len(cu.buf) == 0 }

// fetch reads the next page from the server into buf.
func (cu *cursor) fetch(ctx context.Context, s *Store) (err error) {
	defer s.observe("search", time.Now(), &err)
	err = cu.c.run(ctx, func(l *ldap.Conn) error {
		cu.paging.PagingSize = cu.size
		res, err := l.Search(cu.req)
		if err != nil {
			return err
		}
		cu.buf = append(cu.buf, res.Entries...)
		cookie := nextCookie(res)
		if len(cookie) == 0 {
			cu.done = true
			return nil
		}
		cu.paging.SetCookie(cookie)
		return nil
	})
	return wrapErr("search", cu.req.BaseDN, err)
}

// next yields up to n entries (fewer only at the end of the result).
// keep=false drops them (a skip): they are still read, since a paged search
// cannot jump.
func (cu *cursor) next(ctx context.Context, s *Store, n int, keep bool) ([]*ldap.Entry, error) {
	var out []*ldap.Entry
	if keep {
		out = make([]*ldap.Entry, 0, min(n, 1024))
	}
	for n > 0 {
		if len(cu.buf) == 0 {
			if cu.done {
				break
			}
			// Exactly what is still wanted, so nothing is left over: an
			// entry held between two requests would be a stale view, and
			// a cursor that still counts an entry deleted meanwhile would
			// disagree with the directory's (and another instance's)
			// offsets, returning an entry twice across instances.
			cu.size = uint32(min(n, pageSize))
			if err := cu.fetch(ctx, s); err != nil {
				return nil, err
			}
			continue
		}
		k := min(n, len(cu.buf))
		if keep {
			out = append(out, cu.buf[:k]...)
		}
		clear(cu.buf[:k]) // let the decoded entries go as soon as they are yielded
		cu.buf = cu.buf[k:]
		cu.pos += k
		n -= k
	}
	if len(cu.buf) == 0 {
		cu.buf = nil // do not pin the last page's backing array
	}
	return out, nil
}

// close ends the cursor: closing the connection drops the server's paged
// state with it.
func (cu *cursor) close() {
	if cu.c != nil {
		cu.c.l.Close()
		cu.c = nil
	}
	cu.buf = nil
}

// cursorCache holds the idle cursors of a Store. A cursor in use is owned
// by the request using it and is not in idle; live counts both.
type cursorCache struct {
	max     int
	idleFor time.Duration

	mu     sync.Mutex
	idle   []*cursor // least recently used first
	live   int
	closed bool
}

func newCursorCache(max int, idleFor time.Duration) *cursorCache {
	if max <= 0 {
		return nil // cursors turned off: every page is found by a skip
	}
	return &cursorCache{max: max, idleFor: idleFor}
}

// take removes and returns the idle cursor of key that is best placed to
// serve the page at offset: at offset itself, or the nearest one behind it
// within maxSkip entries (a client alternating between bridge instances
// leaves gaps of a few pages). Nil when there is none.
func (cc *cursorCache) take(key string, offset, maxSkip int) *cursor {
	if cc == nil {
		return nil
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	best := -1
	for i, cu := range cc.idle {
		if cu.key == key && cu.pos <= offset && offset-cu.pos <= maxSkip && (best < 0 || cu.pos > cc.idle[best].pos) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	cu := cc.idle[best]
	cc.idle = append(cc.idle[:best], cc.idle[best+1:]...)
	cu.timer.Stop() // if it already fired, expire finds the cursor gone from idle
	return cu
}

// reserve makes room for a new cursor, closing the least recently used idle
// one if need be. False when every cursor is in use.
func (cc *cursorCache) reserve() bool {
	if cc == nil {
		return false
	}
	cc.mu.Lock()
	if cc.closed {
		cc.mu.Unlock()
		return false
	}
	var evict *cursor
	if cc.live >= cc.max {
		if len(cc.idle) == 0 {
			cc.mu.Unlock()
			return false
		}
		evict = cc.idle[0]
		cc.idle = cc.idle[1:]
		evict.timer.Stop()
		cc.live--
	}
	cc.live++
	cc.mu.Unlock()
	if evict != nil {
		evict.close()
	}
	return true
}

// put returns a cursor after use: an exhausted one (or any, once the cache
// is closed) is closed, others wait idle for the next page; one whose
// search has ended needs its connection no more.
func (cc *cursorCache) put(cu *cursor) {
	if cu.done && cu.c != nil {
		cu.c.l.Close()
		cu.c = nil
	}
	cc.mu.Lock()
	if cc.closed || cu.exhausted() {
		cc.live--
		cc.mu.Unlock()
		cu.close()
		return
	}
	cc.idle = append(cc.idle, cu)
	cu.timer = time.AfterFunc(cc.idleFor, func() { cc.expire(cu) })
	cc.mu.Unlock()
}

// release gives back a slot reserved for a cursor that was never opened.
func (cc *cursorCache) release() {
	cc.mu.Lock()
	cc.live--
	cc.mu.Unlock()
}

// drop closes a cursor that failed while in use.
func (cc *cursorCache) drop(cu *cursor) {
	cc.mu.Lock()
	cc.live--
	cc.mu.Unlock()
	cu.close()
}

func (cc *cursorCache) expire(cu *cursor) {
	cc.mu.Lock()
	for i, x := range cc.idle {
		if x == cu {
			cc.idle = append(cc.idle[:i], cc.idle[i+1:]...)
			cc.live--
			cc.mu.Unlock()
			cu.close()
			return
		}
	}
	cc.mu.Unlock() // taken meanwhile: its user owns it now
}

// close closes the idle cursors; those in use are closed when put back.
func (cc *cursorCache) close() {
	if cc == nil {
		return
	}
	cc.mu.Lock()
	cc.closed = true
	idle := cc.idle
	cc.idle = nil
	cc.live -= len(idle)
	cc.mu.Unlock()
	for _, cu := range idle {
		cu.timer.Stop()
		cu.close()
	}
}

// stats reports (idle, live) cursors, for tests.
func (cc *cursorCache) stats() (idle, live int) {
	if cc == nil {
		return 0, 0
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return len(cc.idle), cc.live
}
