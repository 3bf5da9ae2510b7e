package web

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	now := time.Now()
	t.Run("concurrent guesses cannot exceed the limit", func(t *testing.T) {
		f := NewFailureLimiter(3, time.Hour)
		var mu sync.Mutex
		admitted := 0
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, settle, ok := f.admit("192.0.2.1", now); ok {
					mu.Lock()
					admitted++
					mu.Unlock()
					settle(true)
				}
			}()
		}
		wg.Wait()
		if admitted != 3 {
			t.Errorf("%d guesses admitted, want 3", admitted)
		}
		wait, _, ok := f.admit("192.0.2.1", now)
		if ok || wait <= 0 || wait > 20*time.Minute {
			t.Errorf("after the limit: ok=%v wait=%v, want refused for about 20m (1 of 3 per hour)", ok, wait)
		}
		if _, _, ok := f.admit("192.0.2.2", now); !ok {
			t.Errorf("another address is limited too")
		}
	})
	t.Run("successes are free", func(t *testing.T) {
		f := NewFailureLimiter(2, time.Hour)
		for i := range 100 {
			_, settle, ok := f.admit("192.0.2.1", now)
			if !ok {
				t.Fatalf("success %d refused", i)
			}
			settle(false)
		}
	})
	t.Run("refills over the window", func(t *testing.T) {
		f := NewFailureLimiter(2, time.Minute)
		for range 2 {
			_, settle, _ := f.admit("192.0.2.1", now)
			settle(true)
		}
		if _, _, ok := f.admit("192.0.2.1", now); ok {
			t.Fatal("not limited")
		}
		if _, _, ok := f.admit("192.0.2.1", now.Add(31*time.Second)); !ok {
			t.Errorf("no failure back after half the window")
		}
	})
	t.Run("bounded memory", func(t *testing.T) {
		f := NewFailureLimiter(2, time.Minute)
		f.max = 100
		for i := range 1000 {
			_, settle, _ := f.admit(fmt.Sprintf("10.0.%d.%d", i/256, i%256), now)
			settle(true)
		}
		if len(f.clients) > 100 {
			t.Errorf("%d addresses tracked, max 100", len(f.clients))
		}
	})
	t.Run("off", func(t *testing.T) {
		f := NewFailureLimiter(-1, time.Minute)
		if _, settle, ok := f.admit("x", now); !ok || settle == nil {
			t.Errorf("a disabled limiter refuses")
		}
	})
}
