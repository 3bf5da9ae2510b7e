package testldap

import (
	"bytes"
	"sync"
)

// LogBuffer collects the log of the code under test next to its
// directory: handlers write from many goroutines while the test reads,
// and a failed test prints it.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
