package config

import (
	"errors"
	"fmt"
)

// Error is one mistake in the configuration. Path is the YAML path as the
// admin wrote it ("users.attributes[2].ldap") rather than a Go field name,
// so the message can be acted on without reading this package.
type Error struct {
	// Path locates the mistake; empty means the top level of the file.
	Path string
	// Line is the line of the key in the file, 0 when the key is absent
	// (a missing setting) or the Config was not loaded from a file.
	Line int
	// Msg is "problem; fix".
	Msg string
	// Err is the underlying cause, such as a failed file read.
	Err error
}

func (e *Error) Error() string {
	where := e.Path
	if where == "" {
		where = "top level"
	}
	if e.Line > 0 {
		where = fmt.Sprintf("%s (line %d)", where, e.Line)
	}
	return where + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// problems collects every mistake before reporting, because fixing a config
// one error per start-up is tedious.
type problems []*Error

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, &Error{Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) addAt(path string, line int, format string, args ...any) {
	*p = append(*p, &Error{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// locate fills in lines for problems found after decoding, from the lines
// the decoder saw each path on.
func (p problems) locate(lines map[string]int) {
	for _, e := range p {
		if e.Line == 0 {
			e.Line = lines[e.Path]
		}
	}
}

// err is the problems as one error, one per line. Each line starts with
// source (the file name) when given, like compiler messages.
func (p problems) err(source string) error {
	if len(p) == 0 {
		return nil
	}
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
		if source != "" {
			errs[i] = fmt.Errorf("%s: %w", source, e)
		}
	}
	return errors.Join(errs...)
}
