// Package scimfilter parses SCIM 2.0 filters (RFC 7644 §3.4.2.2) and PATCH
// paths (RFC 7644 §3.5.2) into a small AST.
//
// It exists because the generic SCIM filter parser rejects forms that real
// provisioning clients send: Entra ID's `emails[type eq "work"].value eq "x"`,
// URN prefixes whose segments contain dots such as the Okta Provisioning
// Agent's `urn:okta:onprem_app:1.0:user:custom:departmentName`, and it keeps
// JSON escapes in string values. Translating the AST into LDAP is left to the
// caller.
//
// Input is untrusted (it comes straight from a query string or a PATCH body),
// so parsing is bounded by [Limits] and never recurses deeper than
// Limits.MaxDepth.
//
// Where the RFC grammar and real clients disagree, the parser is lenient
// only where no ambiguity can arise: keywords and operators are
// case-insensitive, extra whitespace (including newlines) is ignored, and
// no space is needed next to parentheses, brackets and quoted strings. It
// stays strict where leniency would mean guessing: "not" needs parentheses,
// string values must be quoted JSON strings, and value filters cannot nest.
// Keywords are recognized only where a keyword can appear, so attributes
// named "and" or "pr" work; only "not" cannot start an attribute name in a
// filter.
package scimfilter

// AttrPath is an attribute reference: [URN ":"] Name ["[" Filter "]"] ["." Sub].
//
// Names are kept as written; SCIM attribute names are case-insensitive, so
// callers should compare them with strings.EqualFold.
type AttrPath struct {
	// URN is the schema URN prefix as written, e.g.
	// "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", or "".
	URN string
	// Name is the attribute name, e.g. "emails", "userName" or "$ref".
	Name string
	// Filter is the value filter written inside [...], or nil. In a filter
	// expression it is only set together with Sub (Entra's
	// `emails[type eq "work"].value eq "x"`); a bare `emails[...]` is a
	// [ValuePath] instead.
	Filter Expr
	// Sub is the sub-attribute after ".", or "".
	Sub string
}

// Expr is a filter expression: [Compare], [Logical], [Not] or [ValuePath].
// Nodes are values, not pointers, so ASTs can be compared with
// reflect.DeepEqual and matched with a type switch.
type Expr interface{ expr() }

// Compare is an attribute comparison such as `userName eq "bjensen"`.
// For OpPr, Value is the zero Value (Kind == KindNone).
type Compare struct {
	Path  AttrPath
	Op    Op
	Value Value
}

// Logical joins two expressions with OpAnd or OpOr. Chains are left-nested:
// `a and b and c` is Logical{And, Logical{And, a, b}, c}.
type Logical struct {
	Op          Op
	Left, Right Expr
}

// Not negates X.
type Not struct {
	X Expr
}

// ValuePath is a filter on the elements of a multi-valued attribute, such as
// `emails[type eq "work" and value co "@example.com"]`: it matches when one
// element matches Filter. Path.Filter and Path.Sub are always empty.
type ValuePath struct {
	Path   AttrPath
	Filter Expr
}

func (Compare) expr()   {}
func (Logical) expr()   {}
func (Not) expr()       {}
func (ValuePath) expr() {}

// Op is an operator, always in lower case whatever the case in the input.
type Op string

// Comparison operators, then logical operators.
const (
	OpEq  Op = "eq"
	OpNe  Op = "ne"
	OpCo  Op = "co"
	OpSw  Op = "sw"
	OpEw  Op = "ew"
	OpGt  Op = "gt"
	OpGe  Op = "ge"
	OpLt  Op = "lt"
	OpLe  Op = "le"
	OpPr  Op = "pr"
	OpAnd Op = "and"
	OpOr  Op = "or"
)

var compareOps = map[string]Op{
	"eq": OpEq, "ne": OpNe, "co": OpCo, "sw": OpSw, "ew": OpEw,
	"gt": OpGt, "ge": OpGe, "lt": OpLt, "le": OpLe, "pr": OpPr,
}

// ValueKind tells which JSON type a comparison value had.
type ValueKind int

const (
	// KindNone is the zero kind, used only by `pr`, which has no value. It
	// is distinct from KindString so that a forgotten `pr` check cannot turn
	// into a comparison with the empty string.
	KindNone ValueKind = iota
	KindString
	KindNumber
	KindBool
	KindNull
)

func (k ValueKind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindNull:
		return "null"
	}
	return "ValueKind(?)"
}

// Value is a comparison value.
type Value struct {
	Kind ValueKind
	// Str is the unescaped string for KindString, and the number exactly as
	// written for KindNumber (so that "00u1"-like ids and large integers are
	// never rounded through float64). Empty for other kinds.
	Str string
	// Bool is set for KindBool.
	Bool bool
}

// Limits bound the work done on untrusted input. A zero field means its
// default.
type Limits struct {
	// MaxLength is the longest accepted input, in bytes. Default 4096.
	MaxLength int
	// MaxDepth is the deepest accepted nesting. Each pair of parentheses
	// (including the ones after "not"), each [...] value filter and each
	// and/or in a chain counts one level, so a chain of 33 comparisons
	// joined by "or" has depth 32. Default 32.
	MaxDepth int
}

// Defaults for a zero Limits.
const (
	DefaultMaxLength = 4096
	DefaultMaxDepth  = 32
)

func (l Limits) withDefaults() Limits {
	if l.MaxLength <= 0 {
		l.MaxLength = DefaultMaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}
