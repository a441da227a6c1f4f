package redisstore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The multi-process tests re-execute the test binary with childEnv set to
// a role; the child does its part and exits instead of running tests.
const childEnv = "APIGEN_REDISSTORE_CHILD"

var children = map[string]func() error{}

func TestMain(m *testing.M) {
	if role := os.Getenv(childEnv); role != "" {
		run, ok := children[role]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown child role %q\n", role)
			os.Exit(2)
		}
		if err := run(); err != nil {
			fmt.Fprintf(os.Stderr, "child %s: %v\n", role, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is one re-executed test binary.
type child struct {
	cmd    *exec.Cmd
	stdin  *os.File
	lines  chan string
	stderr *strings.Builder
	done   chan error
}

// startChild runs role with env; its stdout lines arrive on lines.
func startChild(t testing.TB, role string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), childEnv+"="+role), env...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdin = pr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, stdin: pw, lines: make(chan string, 100), stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{b: c.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pr.Close()
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		pw.Close()
		cmd.Process.Kill() // a no-op once it has ended
	})
	return c
}

// expect waits for the child's next line and checks its prefix.
func (c *child) expect(t testing.TB, prefix string, within time.Duration) string {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			t.Fatalf("child ended before %q; stderr:\n%s", prefix, c.stderrText())
		}
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("child said %q, want %q...; stderr:\n%s", line, prefix, c.stderrText())
		}
		return line
	case <-time.After(within):
		t.Fatalf("child did not say %q within %s; stderr:\n%s", prefix, within, c.stderrText())
	}
	return ""
}

func (c *child) wait(t testing.TB, within time.Duration) {
	t.Helper()
	for range c.lines {
	}
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("child failed: %v; stderr:\n%s", err, c.stderrText())
		}
	case <-time.After(within):
		t.Fatalf("child did not end within %s; stderr:\n%s", within, c.stderrText())
	}
}

func (c *child) stderrText() string {
	w := c.cmd.Stderr.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitLine blocks a child until the parent writes a line to its stdin.
func waitLine() {
	bufio.NewReader(os.Stdin).ReadString('\n')
}

func childContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}
