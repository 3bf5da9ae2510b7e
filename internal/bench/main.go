// Command bench measures the bridge against raw LDAP on a private slapd it
// starts itself, and prints both side by side with their ratio:
//
//	go run ./internal/bench -n 100000
//
// It loads N users with slapadd, then measures with go-ldap directly (add,
// search by uid, modify, delete, one paged read of all N) and through the
// real scim2ldap binary over loopback HTTP (SCIM create, userName eq
// lookup, PATCH, DELETE at the same concurrency, and an Okta-style import
// of all N at count=100), and reports the bridge's peak RSS. The bridge runs
// as a child process (built from ./cmd/scim2ldap, configured by
// examples/openldap.yaml) so that its memory is measured alone. Every loop
// is bounded; nothing listens beyond 127.0.0.1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/scim2ldap/scim2ldap/internal/testldap"
)

type params struct {
	n       int  // users preloaded
	ops     int  // writes per write phase (add, modify, delete)
	lookups int  // searches per search phase
	conc    int  // concurrent clients, raw and bridge alike
	count   int  // import page size
	noSync  bool // slapd dbnosync
	half    int  // 0: all operations of a phase; 1, 2: its first or second half
}

func main() {
	var p params
	flag.IntVar(&p.n, "n", 100000, "users preloaded with slapadd (and imported)")
	flag.IntVar(&p.ops, "ops", 500, "operations per write phase (add/create, modify/PATCH, delete/DELETE)")
	flag.IntVar(&p.lookups, "lookups", 5000, "searches per lookup phase")
	flag.IntVar(&p.conc, "c", 4, "concurrent clients for the rate phases (the bridge's default poolSize is 4)")
	flag.IntVar(&p.count, "count", 100, "import page size (Okta: 100)")
	flag.BoolVar(&p.noSync, "nosync", false, "run slapd with dbnosync (writes stop being fsync-bound)")
	flag.Parse()
	if p.n < 1 || p.ops < 1 || p.lookups < 1 || p.conc < 1 || p.count < 1 {
		fmt.Fprintln(os.Stderr, "bench: -n, -ops, -lookups, -c and -count must be positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, p, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, p params, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "scim2ldap-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintf(out, "scim2ldap bench: %d users, %d writes and %d lookups per phase at concurrency %d, import count=%d, mdb %s\n",
		p.n, p.ops, p.lookups, p.conc, p.count, map[bool]string{true: "dbnosync", false: "durable"}[p.noSync])
	fmt.Fprintf(out, "%d CPUs, load average %s at the start\n", runtime.NumCPU(), loadAvg())
	defer func() { fmt.Fprintf(out, "load average %s at the end\n", loadAvg()) }()
	t0 := time.Now()
	ldif := filepath.Join(tmp, "users.ldif")
	if err := writeUsers(ldif, p.n); err != nil {
		return err
	}
	dir, err := testldap.StartProcess(testldap.Options{LDAPSPort: -1, NoSync: p.noSync, PreloadLDIF: ldif})
	if err != nil {
		return err
	}
	defer dir.Stop()
	os.Remove(ldif)
	fmt.Fprintf(out, "slapd with %d users (slapadd) ready in %s\n", p.n, time.Since(t0).Round(time.Millisecond))

	br, err := startBridge(ctx, tmp, dir)
	if err != nil {
		return err
	}
	defer br.stop()
	fmt.Fprintf(out, "bridge pid %d on %s\n\n", br.cmd.Process.Pid, br.base)

	cpu := newCPUMeter(br.cmd.Process.Pid, dir.Dir)
	var rows []row
	// The reads first, back to back, on the same warm directory.
	c0 := cpu.sample()
	raw, err := rawPagedRead(ctx, dir, p.n)
	if err != nil {
		return fmt.Errorf("raw paged read: %w", err)
	}
	rawCPU := cpu.perOp(c0, max(1, p.n/1000))
	c0 = cpu.sample()
	imp, err := br.importAll(ctx, p.n, p.count)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	rows = append(rows, row{name: "paged read of all N / import", raw: raw.Seconds(), bridge: imp.total.Seconds(), unit: "s", target: "≤ 3",
		rawCPU: rawCPU, bridgeCPU: cpu.perOp(c0, max(1, p.n/1000))})

	rc, err := newRawClients(dir, p.conc)
	if err != nil {
		return err
	}
	defer rc.close()
	phases := []struct {
		name, target string
		raw, bridge  func(ctx context.Context, p params) (float64, error)
	}{
		// Issue 16 raised the write targets to 0.9 (writes at the
		// directory's speed); the lookup keeps issue 7's.
		{"add / create", "≥ 0.9", rc.add, br.create},
		{"search by uid / userName eq", "≥ 0.7", rc.search, br.lookup},
		{"modify / PATCH", "≥ 0.9", rc.modify, br.patch},
		{"delete / DELETE", "", rc.delete, br.delete},
	}
	// Raw and bridge runs alternate as raw, bridge, bridge, raw over the
	// two halves of each phase: slapd's cost per write grows as the run
	// writes (2.5 → 3.9 ms of its CPU per add over 1,000 adds on 20,000
	// users), which would otherwise be charged to whichever side runs
	// second.
	for _, ph := range phases {
		ops := p.ops
		if ph.name == "search by uid / userName eq" {
			ops = p.lookups
		}
		var rawTime, bridgeTime float64
		var rawCPU, bridgeCPU cpuSample
		for _, step := range []struct {
			half   int
			bridge bool
		}{{1, false}, {1, true}, {2, true}, {2, false}} {
			q := p
			q.half = step.half
			run, t, cpuSum, side := ph.raw, &rawTime, &rawCPU, "raw"
			if step.bridge {
				run, t, cpuSum, side = ph.bridge, &bridgeTime, &bridgeCPU, "bridge"
			}
			c0 := cpu.sample()
			r, err := run(ctx, q)
			if err != nil {
				return fmt.Errorf("%s %s: %w", side, ph.name, err)
			}
			cpuSum.add(cpu.since(c0))
			w := q.part(ops)
			*t += float64(w.hi-w.lo) / r
		}
		rows = append(rows, row{name: ph.name, raw: float64(ops) / rawTime, bridge: float64(ops) / bridgeTime, unit: "/s", target: ph.target,
			rawCPU: rawCPU.perOp(ops), bridgeCPU: bridgeCPU.perOp(ops)})
	}
	hwm, rss := br.memory()

	fmt.Fprintf(out, "%-32s %12s %12s %12s %8s\n", "operation (raw / bridge)", "raw LDAP", "bridge", "bridge/raw", "target")
	for _, r := range rows {
		r.print(out)
	}
	fmt.Fprintf(out, "\nCPU ms per operation (per 1000 entries for the reads), from /proc:\n")
	for _, r := range rows {
		fmt.Fprintf(out, "  %-30s raw: %s | bridge: %s\n", r.name, r.rawCPU, r.bridgeCPU)
	}
	fmt.Fprintf(out, "\nimport of %d users at count=%d: %d pages, %s total (%.0f users/s)\n", imp.users, p.count, imp.pages, imp.total.Round(time.Millisecond), float64(imp.users)/imp.total.Seconds())
	ratio := imp.last.Seconds() / imp.first.Seconds()
	fmt.Fprintf(out, "  first page %s, last page %s: last/first %.2f (target ≤ 2) %s\n", ms(imp.first), ms(imp.last), ratio, verdict(ratio <= 2))
	fmt.Fprintf(out, "  first page (it carries totalResults) %s (target ≤ 3 s) %s\n", ms(imp.first), verdict(imp.first <= 3*time.Second))
	fmt.Fprintf(out, "  slowest later page %s (startIndex %d), median page %s\n", ms(imp.slowest), imp.slowestAt, ms(imp.median))
	fmt.Fprintf(out, "bridge memory: peak RSS (VmHWM) %.1f MiB (target < 150) %s, RSS at the end %.1f MiB\n", mib(hwm), verdict(mib(hwm) < 150), mib(rss))
	if d, err := ldapsearchRead(ctx, dir, p.n); err == nil {
		fmt.Fprintf(out, "for reference: ldapsearch -E pr=500 of the same %d entries: %s (C client, no Go decoding)\n", p.n, d.Round(time.Millisecond))
	}
	return nil
}

// row is one line of the comparison table.
type row struct {
	name              string
	raw, bridge       float64
	unit, target      string
	rawCPU, bridgeCPU string // CPU per operation, by process
}

func (r row) print(w io.Writer) {
	ratio := r.bridge / r.raw
	ok := ""
	switch r.target {
	case "≥ 0.7":
		ok = verdict(ratio >= 0.7)
	case "≥ 0.9":
		ok = verdict(ratio >= 0.9)
	case "≤ 3":
		ok = verdict(ratio <= 3)
	}
	f := func(v float64) string {
		if r.unit == "s" {
			return fmt.Sprintf("%.2f s", v)
		}
		return fmt.Sprintf("%.0f/s", v)
	}
	fmt.Fprintf(w, "%-32s %12s %12s %12.2f %8s %s\n", r.name, f(r.raw), f(r.bridge), ratio, r.target, ok)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func mib(kb int) float64 { return float64(kb) / 1024 }

// loadAvg is the 1, 5 and 15 minute load average: other work on the same
// cores moves every figure.
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
