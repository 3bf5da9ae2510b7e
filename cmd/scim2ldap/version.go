package main

import "runtime/debug"

// buildVersion is the module version go build or go install recorded (a
// tag, or a pseudo-version naming the commit, "+dirty" for uncommitted
// changes), else the VCS revision, else fallback.
func buildVersion(fallback string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return fallback
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return fallback
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "+dirty"
	}
	return fallback + "-" + rev
}
