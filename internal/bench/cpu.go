package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// procCPU is the user+system CPU time a process has used, from
// /proc/<pid>/stat (0 where there is no /proc). On 2 shared cores the
// client, the bridge and slapd compete for the same CPU, so where the time
// goes explains the rates better than the rates alone.
func procCPU(pid string) time.Duration {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; fields after its ")" are
	// fixed: utime and stime are the 12th and 13th after it.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// cpuMeter samples the CPU time of the bench itself, the bridge and slapd.
type cpuMeter struct{ bridge, slapd string }

func newCPUMeter(bridgePid int, slapdDir string) cpuMeter {
	raw, _ := os.ReadFile(filepath.Join(slapdDir, "slapd.pid"))
	return cpuMeter{bridge: strconv.Itoa(bridgePid), slapd: strings.TrimSpace(string(raw))}
}

type cpuSample [3]time.Duration // client (this process), bridge, slapd

func (m cpuMeter) sample() cpuSample {
	return cpuSample{procCPU("self"), procCPU(m.bridge), procCPU(m.slapd)}
}

// since is the CPU used since before.
func (m cpuMeter) since(before cpuSample) cpuSample {
	now := m.sample()
	for i := range now {
		now[i] -= before[i]
	}
	return now
}

func (s *cpuSample) add(d cpuSample) {
	for i := range s {
		s[i] += d[i]
	}
}

// perOp formats the CPU used since before, per operation, in ms.
func (m cpuMeter) perOp(before cpuSample, ops int) string {
	return m.since(before).perOp(ops)
}

// perOp formats CPU time per operation, in ms.
func (s cpuSample) perOp(ops int) string {
	var parts []string
	for i, name := range []string{"client", "bridge", "slapd"} {
		d := s[i]
		if name == "bridge" && d == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", name, float64(d)/float64(time.Millisecond)/float64(ops)))
	}
	return strings.Join(parts, ", ")
}
