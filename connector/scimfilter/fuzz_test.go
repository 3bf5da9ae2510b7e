package scimfilter

import (
	"errors"
	"reflect"
	"testing"
	"unicode/utf8"
)

// roundTripLimits re-parses canonical text: String may add a few spaces or
// turn \u00e9 into é, so only the length limit is relaxed. The depth limit
// stays, because String never adds nesting.
var roundTripLimits = Limits{MaxLength: 1 << 20}

// checkSyntaxError checks the error contract: always a *SyntaxError, with a
// position inside the input (or 0) and a message.
func checkSyntaxError(t *testing.T, in string, err error) {
	t.Helper()
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("%q: error %v (%T) is not a *SyntaxError", in, err, err)
	}
	if se.Msg == "" || se.Pos < 0 || se.Pos > utf8.RuneCountInString(in)+1 {
		t.Fatalf("%q: bad error %#v", in, se)
	}
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, tc := range errorCases {
		if len(tc.in) < 200 {
			f.Add(tc.in)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		e, err := Parse(in)
		if err != nil {
			checkSyntaxError(t, in, err)
			return
		}
		text := String(e)
		again, err := ParseWithLimits(text, roundTripLimits)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v, but its String %q does not parse: %v", in, e, text, err)
		}
		if !reflect.DeepEqual(again, e) {
			t.Fatalf("round trip of %q through %q:\n got %#v\nwant %#v", in, text, again, e)
		}
		if String(again) != text {
			t.Fatalf("String is not stable: %q then %q", text, String(again))
		}
	})
}

func FuzzParsePath(f *testing.F) {
	for _, tc := range pathCases {
		f.Add(tc.in)
	}
	for _, tc := range pathErrorCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParsePath(in)
		if err != nil {
			checkSyntaxError(t, in, err)
			return
		}
		text := p.String()
		again, err := ParsePath(text)
		if err != nil {
			t.Fatalf("ParsePath(%q) = %#v, but its String %q does not parse: %v", in, p, text, err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("round trip of %q through %q:\n got %#v\nwant %#v", in, text, again, p)
		}
	})
}
