package config

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want ByteSize
	}{
		{"1048576", 1048576},
		{"0", 0},
		{"4MiB", 4 << 20},
		{"4 MiB", 4 << 20},
		{"512KiB", 512 << 10},
		{"2GiB", 2 << 30},
		{"1MB", 1000000},
		{"1KB", 1000},
		{"3GB", 3000000000},
		{"100B", 100},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseByteSizeErrors(t *testing.T) {
	for _, in := range []string{"", "MiB", "4mib", "4 gigs", "-1", "+1", "1.5MiB", "4M", "99999999999GiB"} {
		_, err := ParseByteSize(in)
		if err == nil {
			t.Errorf("ParseByteSize(%q) succeeded; want an error", in)
			continue
		}
		if in != "99999999999GiB" && !strings.Contains(err.Error(), "want a size such as 4MiB, 512KiB, 1MB or 1048576 (bytes)") {
			t.Errorf("ParseByteSize(%q) error %q does not name the accepted forms", in, err)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	tests := map[ByteSize]string{
		0:          "0",
		1000:       "1KB",
		1001:       "1001",
		4 << 20:    "4MiB",
		1000000:    "1MB",
		1 << 30:    "1GiB",
		1536 << 10: "1536KiB",
	}
	for in, want := range tests {
		if got := in.String(); got != want {
			t.Errorf("ByteSize(%d).String() = %q; want %q", int64(in), got, want)
		}
		back, err := ParseByteSize(want)
		if err != nil || back != in {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", want, back, err, int64(in))
		}
	}
}

func TestByteSizeYAML(t *testing.T) {
	var v struct {
		Size ByteSize `yaml:"size"`
	}
	if err := yaml.Unmarshal([]byte("size: 4MiB"), &v); err != nil || v.Size != 4<<20 {
		t.Fatalf("Unmarshal = %d, %v; want 4MiB", v.Size, err)
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "size: 4MiB\n" {
		t.Fatalf("Marshal = %q, %v", out, err)
	}
	if err := yaml.Unmarshal([]byte("size: [1]"), &v); err == nil || !strings.Contains(err.Error(), "got a list") {
		t.Fatalf("Unmarshal of a list: %v", err)
	}
}
