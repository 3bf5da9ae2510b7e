package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

const tokenUsage = `Usage: scim2ldap token [--basic USER]

Prints a new bearer token (256 random bits), or with --basic USER a new
random password for HTTP Basic auth and its bcrypt hash, together with the
lines to add to the configuration and where each value goes in the Okta
Provisioning Agent, an Okta SCIM app and Microsoft Entra ID.

The secret is printed once, here, and nowhere else; nothing is written.

Flags:
`

func tokenCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("token", tokenUsage, stderr)
	user := fs.String("basic", "", "make HTTP Basic credentials for this user name instead of a token")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "token: unexpected arguments %q\n\n", fs.Args())
		fs.Usage()
		return 2
	}
	var err error
	if *user != "" {
		err = printBasic(stdout, *user)
	} else {
		err = printToken(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "token: %v\n", err)
		return 1
	}
	return 0
}

// newSecret is n random bytes from crypto/rand, base64url without padding:
// no character that needs quoting in YAML, a shell or an HTTP header.
func newSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w; the system's random source is unavailable", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// tokenBytes is the bearer token's size: 256 bits.
const tokenBytes = 32

func printToken(w io.Writer) error {
	tok, err := newSecret(tokenBytes)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, `New bearer token (256 random bits). It is shown only here: store it like a password.

  %[1]s

1. The bridge: put it in the service's environment, e.g. in
   /etc/scim2ldap/scim2ldap.env (mode 0600; Windows: a line of server.auth.tokenFile):

     SCIM2LDAP_TOKEN=%[1]s

   and read it in the configuration (what "scim2ldap init" writes), or add
   it to the list if there is one:

   server:
     auth:
       bearerTokens:
         - "${SCIM2LDAP_TOKEN}"

   Then restart the bridge, or reload it (systemctl reload scim2ldap / SIGHUP).

2. The client:
   Okta Provisioning Agent (SCIM connector):
     Authorization type: HTTP Header; Header Name: Authorization;
     Header Value: Bearer %[1]s
   Okta SCIM app (Provisioning > Integration):
     Authentication Mode: HTTP Header; Authorization: Bearer %[1]s
   Microsoft Entra ID (Provisioning > Admin Credentials):
     Secret Token: %[1]s   (without "Bearer ")
`, tok)
	return nil
}

// basicPasswordBytes: 192 bits, more than an online guesser can try and
// short enough to paste.
const basicPasswordBytes = 24

func printBasic(w io.Writer, user string) error {
	if err := checkBasicUser(user); err != nil {
		return err
	}
	pw, err := newSecret(basicPasswordBytes)
	if err != nil {
		return err
	}
	// DefaultCost: the bridge caches a verified password (basiccache.go),
	// so the cost is paid once per client, not per request.
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("bcrypt: %w", err)
	}
	fmt.Fprintf(w, `New HTTP Basic credentials. The password is shown only here: store it like a password.

  user:     %[1]s
  password: %[2]s

1. The bridge: add the user to the configuration, under server.auth (the
   hash cannot be turned back into the password, so the file stays free of
   secrets); keep any bearerTokens there:

   server:
     auth:
       basic:
         - username: %[4]s
           passwordHash: '%[3]s'

   Then restart the bridge, or reload it (systemctl reload scim2ldap / SIGHUP).

2. The client:
   Okta Provisioning Agent (SCIM connector):
     Authorization type: Basic Auth; Username: %[1]s; Password: %[2]s
   Okta SCIM app (Provisioning > Integration):
     Authentication Mode: Basic Auth; Username: %[1]s; Password: %[2]s
   Microsoft Entra ID takes only a bearer token (Secret Token): run
   "scim2ldap token" for it.
`, user, pw, hash, q(user))
	return nil
}

// checkBasicUser refuses names HTTP Basic cannot carry (a colon ends the
// user name) or that would be confusing to type into Okta.
func checkBasicUser(user string) error {
	if strings.Contains(user, ":") {
		return fmt.Errorf("user name %q contains a colon, which HTTP Basic cannot carry; choose another name", user)
	}
	if strings.IndexFunc(user, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("user name %q contains spaces or control characters; choose a name without them, e.g. okta", user)
	}
	return nil
}

// q is a double-quoted YAML scalar (JSON escapes are valid YAML ones).
func q(s string) string { return strconv.Quote(s) }
