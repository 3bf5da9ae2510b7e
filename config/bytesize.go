package config

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ByteSize is a number of bytes, written in YAML as "4MiB", "512KiB",
// "1MB" or a plain number of bytes.
type ByteSize int64

// byteUnits is largest first, which String needs, and which also makes
// suffix matching try "MiB" and "MB" before "B".
var byteUnits = []struct {
	suffix string
	size   int64
}{
	{"GiB", 1 << 30},
	{"GB", 1000 * 1000 * 1000},
	{"MiB", 1 << 20},
	{"MB", 1000 * 1000},
	{"KiB", 1 << 10},
	{"KB", 1000},
	{"B", 1},
}

// ParseByteSize reads "4MiB", "512KiB", "1MB", "4 MiB" or "1048576".
// KB, MB and GB are powers of 1000, KiB, MiB and GiB powers of 1024, as in
// IEC 80000-13; the difference matters for limits that clients probe.
func ParseByteSize(s string) (ByteSize, error) {
	text := strings.TrimSpace(s)
	unit := int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(text, u.suffix); ok {
			text, unit = strings.TrimSpace(n), u.size
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || text == "" || text[0] == '+' {
		return 0, fmt.Errorf("want a size such as 4MiB, 512KiB, 1MB or 1048576 (bytes), got %q; "+
			"KB, MB and GB are powers of 1000, KiB, MiB and GiB powers of 1024", s)
	}
	if n > (1<<63-1)/unit {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return ByteSize(n * unit), nil
}

// UnmarshalYAML accepts the forms ParseByteSize does.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a size such as 4MiB, 512KiB, 1MB or 1048576 (bytes), got a %s", kindName(n))
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalYAML writes the form String returns, so a dumped config reads back.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// String uses the largest unit that divides b exactly: "4MiB", "1MB",
// "1000" (bytes).
func (b ByteSize) String() string {
	for _, u := range byteUnits[:len(byteUnits)-1] {
		if b != 0 && int64(b)%u.size == 0 {
			return fmt.Sprintf("%d%s", int64(b)/u.size, u.suffix)
		}
	}
	return strconv.FormatInt(int64(b), 10)
}
