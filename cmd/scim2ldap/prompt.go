package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"
)

// prompter asks the admin when init runs on a terminal, and otherwise
// takes each proposal and says so, so that a scripted run documents what
// it chose.
type prompter struct {
	in          *bufio.Reader
	out         io.Writer
	interactive bool
	// readPassword reads a line without echo (term.ReadPassword on the
	// terminal); nil when not interactive.
	readPassword func() (string, error)
}

// newPrompter asks only when both standard input and the output are a
// terminal: a pipe or a test's buffer gets the proposals.
func newPrompter(stdout io.Writer, noQuestions bool) *prompter {
	p := &prompter{in: bufio.NewReader(os.Stdin), out: stdout}
	f, ok := stdout.(*os.File)
	if noQuestions || !ok || !term.IsTerminal(int(os.Stdin.Fd())) || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.interactive = true
	p.readPassword = func() (string, error) {
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(p.out)
		return string(b), err
	}
	return p
}

// choice is one numbered answer.
type choice struct {
	value, label string
}

// choose asks a numbered question whose first choice is the proposal
// (Enter takes it); without a terminal it takes the proposal and prints
// the line "what: value (why)".
func (p *prompter) choose(what, why string, choices []choice) (string, error) {
	if len(choices) == 0 {
		return "", fmt.Errorf("%s: nothing to choose from", what)
	}
	if !p.interactive || len(choices) == 1 {
		line := fmt.Sprintf("%s: %s", what, choices[0].value)
		if why != "" {
			line += " (" + why + ")"
		}
		fmt.Fprintln(p.out, line)
		return choices[0].value, nil
	}
	fmt.Fprintf(p.out, "\n%s", what)
	if why != "" {
		fmt.Fprintf(p.out, " — proposed: %s", why)
	}
	fmt.Fprintln(p.out)
	for i, c := range choices {
		fmt.Fprintf(p.out, "  %d) %s", i+1, c.value)
		if c.label != "" {
			fmt.Fprintf(p.out, "  (%s)", c.label)
		}
		fmt.Fprintln(p.out)
	}
	for {
		fmt.Fprintf(p.out, "Choice [1]: ")
		line, err := p.in.ReadString('\n')
		line = strings.TrimSpace(line)
		if line == "" {
			if err != nil && !errors.Is(err, io.EOF) {
				return "", fmt.Errorf("read the answer: %w", err)
			}
			return choices[0].value, nil
		}
		if n, perr := strconv.Atoi(line); perr == nil && n >= 1 && n <= len(choices) {
			return choices[n-1].value, nil
		}
		if err != nil {
			return "", fmt.Errorf("read the answer: %w", err)
		}
		fmt.Fprintf(p.out, "Type a number from 1 to %d, or Enter for 1.\n", len(choices))
	}
}

// password reads the bind password without echo.
func (p *prompter) password(prompt string) (string, error) {
	if p.readPassword == nil {
		return "", errors.New("no terminal to ask for the password on")
	}
	fmt.Fprint(p.out, prompt)
	return p.readPassword()
}
