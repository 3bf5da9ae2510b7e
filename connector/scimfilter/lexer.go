package scimfilter

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// SyntaxError reports why a filter or path was rejected. Msg is written for
// the administrator who configured or debugs the client, and is safe to
// return in a SCIM "invalidFilter" / "invalidPath" error detail.
type SyntaxError struct {
	// Pos is the 1-based character (not byte) position in the input where
	// the problem was found, as an admin would count it; one past the last
	// character means the input ended too early. 0 means the error concerns
	// the whole input (it is too long).
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.Pos == 0 {
		return e.Msg
	}
	return fmt.Sprintf("position %d: %s", e.Pos, e.Msg)
}

// scanner does the character-level reading. The parser calls it directly
// rather than consuming a token stream because the meaning of a character
// depends on where it is: ":" and "." are part of a URN before an attribute
// name, "." starts a sub-attribute right after "]", and "and" or "pr" are
// keywords in one place and valid attribute names in another.
type scanner struct {
	src  string
	pos  int    // byte offset of the next unread character
	what string // "filter" or "path", for messages
}

func (s *scanner) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Pos: s.column(pos), Msg: fmt.Sprintf(format, args...)}
}

// column converts a byte offset into the 1-based character position that
// an admin sees in an editor.
func (s *scanner) column(pos int) int { return utf8.RuneCountInString(s.src[:pos]) + 1 }

func (s *scanner) atEnd() bool { return s.pos >= len(s.src) }

// peek returns the next byte, or 0 at the end (0 never starts a token).
func (s *scanner) peek() byte {
	if s.pos >= len(s.src) {
		return 0
	}
	return s.src[s.pos]
}

// Newlines are accepted too: they show up when admins paste a filter into a
// test tool, and they cannot be confused with anything else.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) skipSpace() {
	for s.pos < len(s.src) && isSpace(s.src[s.pos]) {
		s.pos++
	}
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isNameChar matches RFC 7643 nameChar; keywords are made of the same
// characters, so it also delimits them.
func isNameChar(c byte) bool { return isAlpha(c) || isDigit(c) || c == '-' || c == '_' }

// isURNChar matches the characters of an RFC 8141 URN except the ones that
// are structural in a filter: brackets, parentheses, quotes and whitespace.
// Real schema URNs use far fewer ("2.0", "onprem_app"), but rejecting a
// legal URN character would only move the failure somewhere less clear.
func isURNChar(c byte) bool {
	return isNameChar(c) || strings.IndexByte(".:~@!$&'*+,;=/%", c) >= 0
}

// run returns the longest prefix of the unread input whose bytes satisfy ok,
// without consuming it.
func (s *scanner) run(ok func(byte) bool) string {
	end := s.pos
	for end < len(s.src) && ok(s.src[end]) {
		end++
	}
	return s.src[s.pos:end]
}

// isKeyword reports whether the next word is kw (case-insensitively),
// without consuming it.
func (s *scanner) isKeyword(kw string) bool {
	return strings.EqualFold(s.run(isNameChar), kw)
}

// hasPrefixFold reports whether the unread input starts with prefix, ignoring
// ASCII case.
func (s *scanner) hasPrefixFold(prefix string) bool {
	rest := s.src[s.pos:]
	return len(rest) >= len(prefix) && strings.EqualFold(rest[:len(prefix)], prefix)
}

// describe names whatever is at pos, for "expected X, got Y" messages.
func (s *scanner) describe(pos int) string {
	if pos >= len(s.src) {
		return "end of " + s.what
	}
	end := pos
	if s.src[pos] == '"' {
		end = len(s.src)
		if i := strings.IndexByte(s.src[pos+1:], '"'); i >= 0 {
			end = pos + 1 + i + 1
		}
	} else {
		for end < len(s.src) && !isSpace(s.src[end]) && strings.IndexByte(`()[]"`, s.src[end]) < 0 {
			end++
		}
		if end == pos {
			end = pos + 1 // a lone delimiter; all of them are ASCII
		}
	}
	return quoteForMessage(s.src[pos:end])
}

// quoteForMessage quotes a piece of input so that an admin can find it in
// what they sent: plain double quotes unless that would be ambiguous.
func quoteForMessage(tok string) string {
	const maxRunes = 40
	if utf8.RuneCountInString(tok) > maxRunes {
		i := 0
		for n := 0; n < maxRunes; n++ {
			_, size := utf8.DecodeRuneInString(tok[i:])
			i += size
		}
		tok = tok[:i] + "..."
	}
	for _, r := range tok {
		if !strconv.IsPrint(r) {
			return strconv.Quote(tok)
		}
	}
	if strings.Contains(tok, `"`) {
		return "'" + tok + "'"
	}
	return `"` + tok + `"`
}

// readString reads a JSON string starting at the opening quote and returns
// it unescaped. It follows RFC 8259 exactly (like encoding/json, a lone
// surrogate escape becomes U+FFFD) because clients build filters with JSON
// string encoders.
func (s *scanner) readString() (string, error) {
	start := s.pos
	s.pos++
	var b strings.Builder
	for {
		if s.pos >= len(s.src) {
			return "", s.errorf(start, `unterminated string: missing the closing '"'`)
		}
		c := s.src[s.pos]
		switch {
		case c == '"':
			s.pos++
			return b.String(), nil
		case c == '\\':
			if err := s.readEscape(&b); err != nil {
				return "", err
			}
		case c < 0x20:
			return "", s.errorf(s.pos, "control character %q in a string must be escaped", rune(c))
		default:
			b.WriteByte(c)
			s.pos++
		}
	}
}

var simpleEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (s *scanner) readEscape(b *strings.Builder) error {
	at := s.pos
	if at+1 >= len(s.src) {
		return s.errorf(at, `unterminated string: missing the closing '"'`)
	}
	c := s.src[at+1]
	if r, ok := simpleEscapes[c]; ok {
		b.WriteByte(r)
		s.pos += 2
		return nil
	}
	if c != 'u' {
		return s.errorf(at, `invalid escape %s in string (valid: \" \\ \/ \b \f \n \r \t \uXXXX)`, quoteForMessage(s.src[at:at+2]))
	}
	r, ok := hex4(s.src, at+2)
	if !ok {
		return s.errorf(at, `invalid \u escape: expected 4 hex digits`)
	}
	s.pos = at + 6
	if utf16.IsSurrogate(r) {
		// A high surrogate must pair with a following \u low surrogate;
		// anything else leaves the escape unpaired.
		r2, ok := rune(0), false
		if strings.HasPrefix(s.src[s.pos:], `\u`) {
			r2, ok = hex4(s.src, s.pos+2)
		}
		if ok {
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				s.pos += 6
				b.WriteRune(pair)
				return nil
			}
		}
		r = utf8.RuneError
	}
	b.WriteRune(r)
	return nil
}

func hex4(src string, at int) (rune, bool) {
	if at+4 > len(src) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(src[at : at+4]) {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// isValueEnd reports whether a number or keyword value may end before c;
// without this check `5abc` would read as 5 followed by garbage and give a
// confusing message about "abc".
func isValueEnd(c byte) bool { return isSpace(c) || c == ')' || c == ']' }

// readNumber reads a JSON number and returns its text as written.
func (s *scanner) readNumber() (string, bool) {
	i := s.pos
	digits := func() bool {
		start := i
		for i < len(s.src) && isDigit(s.src[i]) {
			i++
		}
		return i > start
	}
	if i < len(s.src) && s.src[i] == '-' {
		i++
	}
	switch {
	case i < len(s.src) && s.src[i] == '0':
		i++
	case !digits():
		return "", false
	}
	if i < len(s.src) && s.src[i] == '.' {
		i++
		if !digits() {
			return "", false
		}
	}
	if i < len(s.src) && s.src[i]|0x20 == 'e' {
		i++
		if i < len(s.src) && (s.src[i] == '+' || s.src[i] == '-') {
			i++
		}
		if !digits() {
			return "", false
		}
	}
	if i < len(s.src) && !isValueEnd(s.src[i]) {
		return "", false
	}
	text := s.src[s.pos:i]
	s.pos = i
	return text, true
}
