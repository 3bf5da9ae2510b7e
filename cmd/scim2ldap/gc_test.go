package main

import (
	"runtime/debug"
	"testing"
)

// The operator's GOGC and GOMEMLIMIT win over the built-in settings.
func TestTuneGCRespectsEnvironment(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	cases := []struct {
		env               map[string]string
		wantGC, wantLimit bool
	}{
		{env: map[string]string{}, wantGC: true, wantLimit: true},
		{env: map[string]string{"GOGC": "100"}, wantLimit: true},
		{env: map[string]string{"GOMEMLIMIT": "1GiB"}, wantGC: true},
		{env: map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}},
	}
	for _, c := range cases {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(1 << 40)
		gc, limit := tuneGC(func(k string) string { return c.env[k] })
		if gc != c.wantGC || limit != c.wantLimit {
			t.Errorf("%v: set GOGC %v, limit %v; want %v, %v", c.env, gc, limit, c.wantGC, c.wantLimit)
		}
		if got := debug.SetGCPercent(100); (got == gcPercent) != c.wantGC {
			t.Errorf("%v: GC percent %d", c.env, got)
		}
		if got := debug.SetMemoryLimit(-1); (got == memoryLimit) != c.wantLimit {
			t.Errorf("%v: memory limit %d", c.env, got)
		}
	}
}
