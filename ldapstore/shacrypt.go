package ldapstore

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"strconv"
	"strings"
)

// SHA-crypt ("$5$" SHA-256, "$6$" SHA-512; Ulrich Drepper's "Unix crypt
// using SHA-256 and SHA-512", the glibc crypt(3) formats), as 389 DS
// stores them with the CRYPT-SHA256 and CRYPT-SHA512 schemes
// ("{crypt}$6$salt$hash") and as passwords migrated from /etc/shadow
// arrive. Only verification: the bridge never hashes passwords itself.

const (
	shaCryptDefaultRounds = 5000
	shaCryptMinRounds     = 1000
	shaCryptMaxSalt       = 16
	// shaCryptMaxPassword bounds the candidate: step 13 hashes it
	// len(candidate) times over, quadratic work a long password (the
	// request body may hold megabytes) would turn into a stall. A longer
	// one is reported as not verifiable, so it is written instead.
	shaCryptMaxPassword = 1024
	cryptB64            = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// The byte order of the final encoding, three bytes per group (the last
// group shorter), per the specification.
var (
	sha256CryptOrder = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29}}
	sha512CryptOrder = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
		{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}}
)

// isSHACrypt reports whether v is a "$5$…" or "$6$…" value.
func isSHACrypt(v string) bool { return strings.HasPrefix(v, "$5$") || strings.HasPrefix(v, "$6$") }

// verifySHACrypt checks candidate against a "$5$[rounds=N$]salt$hash" or
// "$6$…" value. known is false for a malformed value.
func verifySHACrypt(stored, candidate string) (ok, known bool) {
	if len(candidate) > shaCryptMaxPassword {
		return false, false
	}
	newHash, order, tail := sha256.New, sha256CryptOrder, [3]int{-1, 31, 30}
	if strings.HasPrefix(stored, "$6$") {
		newHash, order, tail = sha512.New, sha512CryptOrder, [3]int{-1, -1, 63}
	}
	rest := stored[3:]
	rounds := shaCryptDefaultRounds
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		n, after, found := strings.Cut(r, "$")
		v, err := strconv.Atoi(n)
		if !found || err != nil || v < 1 || v > pbkdf2MaxIterations {
			return false, false
		}
		rounds, rest = max(v, shaCryptMinRounds), after
	}
	salt, want, found := strings.Cut(rest, "$")
	if !found || want == "" {
		return false, false
	}
	if len(salt) > shaCryptMaxSalt {
		salt = salt[:shaCryptMaxSalt]
	}
	sum := shaCrypt(newHash, []byte(candidate), []byte(salt), rounds)
	got := cryptEncode(sum, order, tail)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, true
}

// shaCrypt is steps 1–21 of the specification: the digest after rounds.
func shaCrypt(newHash func() hash.Hash, pw, salt []byte, rounds int) []byte {
	h := newHash()
	size := h.Size()
	// B = H(pw salt pw)
	h.Write(pw)
	h.Write(salt)
	h.Write(pw)
	b := h.Sum(nil)
	// A = H(pw salt B-repeated-to-len(pw) bits-of-len(pw))
	h.Reset()
	h.Write(pw)
	h.Write(salt)
	n := len(pw)
	for ; n > size; n -= size {
		h.Write(b)
	}
	h.Write(b[:n])
	for n = len(pw); n > 0; n >>= 1 {
		if n&1 != 0 {
			h.Write(b)
		} else {
			h.Write(pw)
		}
	}
	a := h.Sum(nil)
	// P = H(pw × len(pw)) repeated to len(pw)
	h.Reset()
	for range len(pw) {
		h.Write(pw)
	}
	dp := h.Sum(nil)
	p := make([]byte, 0, len(pw))
	for n = len(pw); n > size; n -= size {
		p = append(p, dp...)
	}
	p = append(p, dp[:n]...)
	// S = H(salt × (16 + A[0])) cut to len(salt)
	h.Reset()
	for range 16 + int(a[0]) {
		h.Write(salt)
	}
	s := h.Sum(nil)[:len(salt)]
	c := a
	for i := range rounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}
	return c
}

// cryptEncode is crypt's base64: groups of three bytes (in order) as four
// characters, least significant six bits first; tail is the last, shorter
// group (-1 for a byte it lacks).
func cryptEncode(sum []byte, order [][3]int, tail [3]int) string {
	var out strings.Builder
	put := func(g [3]int, chars int) {
		w := 0
		for _, i := range g {
			w <<= 8
			if i >= 0 {
				w |= int(sum[i])
			}
		}
		for range chars {
			out.WriteByte(cryptB64[w&0x3f])
			w >>= 6
		}
	}
	for _, g := range order {
		put(g, 4)
	}
	if tail[0] < 0 && tail[1] < 0 {
		put(tail, 2)
	} else {
		put(tail, 3)
	}
	return out.String()
}
