//go:build stress && unix

// The real-time tier (make stress, CONTRACT §6): OS processes share one
// token file against a token endpoint that, like providers with rotating
// refresh tokens, revokes the whole family when one is presented twice.

package auth

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

// familyAS rotates a single-use refresh token on every refresh; a refresh
// token presented again revokes the family (RFC 9700 §4.14.2).
type familyAS struct {
	mu                    sync.Mutex
	seq                   int
	current               string
	used                  map[string]bool
	revoked               bool
	refreshes, reuse, bad int
}

func newFamilyAS(t *testing.T) (*familyAS, *httptest.Server) {
	f := &familyAS{current: "rt-0", used: map[string]bool{}}
	srv := httptest.NewServer(http.HandlerFunc(f.token))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *familyAS) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "refresh_token" {
		oauthError(w, 400, "invalid_request", "refresh_token grant only")
		return
	}
	rt := r.PostForm.Get("refresh_token")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.used[rt]:
		f.reuse++
		f.revoked = true
		oauthError(w, 400, "invalid_grant", "refresh token reused: family revoked")
		return
	case f.revoked || rt != f.current:
		f.bad++
		oauthError(w, 400, "invalid_grant", "unknown refresh token")
		return
	}
	f.used[rt] = true
	f.seq++
	f.refreshes++
	f.current = fmt.Sprintf("rt-%d", f.seq)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("at-%d", f.seq), "token_type": "bearer",
		"expires_in": 3600, "refresh_token": f.current,
	})
}

func (f *familyAS) counts() (refreshes, reuse, bad int, revoked bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes, f.reuse, f.bad, f.revoked
}

func familyFlow(url string) *AuthorizationCode {
	return &AuthorizationCode{
		Endpoint: Endpoint{TokenURL: url, AllowInsecureHTTP: true},
		ClientID: "c", ClientSecret: secret.New("s"), RedirectURL: "https://app.example/cb",
	}
}

func seedFamily(t *testing.T, path string) {
	t.Helper()
	tok := &Token{AccessToken: secret.New("at-0"), RefreshToken: secret.New("rt-0"), TokenType: "bearer", Expiry: time.Now().Add(time.Hour)}
	if _, err := (&FileStore{Path: path}).Save(context.Background(), tok, NoVersion); err != nil {
		t.Fatal(err)
	}
}

// stressChild runs one role of TestStressTokenProcesses in a child process.
func stressChild(role, url, path string) error {
	ctx := context.Background()
	store := &FileStore{Path: path, LeaseTimeout: time.Minute}
	switch role {
	case "refresher":
		// Invalidate and fetch until the family reached the target: each
		// round refreshes at most once, and only if no other process did.
		target, _ := strconv.Atoi(os.Getenv("AUTH_STRESS_TARGET"))
		c := &Cache{Flow: familyFlow(url), Store: store}
		for {
			tok, err := c.Token(ctx)
			if err != nil {
				return err
			}
			n, _ := strconv.Atoi(strings.TrimPrefix(tok.AccessToken.Reveal(), "at-"))
			if n >= target {
				return nil
			}
			c.InvalidateToken(tok)
		}
	case "holder":
		l, err := store.Lease(ctx, time.Minute)
		if err != nil {
			return err
		}
		defer l.Release()
		fmt.Println("LEASED")
		time.Sleep(time.Minute)
	case "rotator":
		c := &Cache{Flow: &stallAfterRefresh{familyFlow(url)}, Store: store}
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		c.InvalidateToken(tok)
		_, err = c.Token(ctx)
		return err
	}
	return fmt.Errorf("unknown role %q", role)
}

// stallAfterRefresh stops the process between the provider's rotation and
// the Save of the new token, for the parent to kill it there.
type stallAfterRefresh struct{ Flow }

func (s *stallAfterRefresh) Refresh(ctx context.Context, rt secret.Secret) (*Token, error) {
	tok, err := s.Flow.Refresh(ctx, rt)
	if err == nil {
		fmt.Println("ROTATED")
		time.Sleep(time.Minute)
	}
	return tok, err
}

func startChild(t *testing.T, role, url, path string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestStressTokenProcesses$")
	cmd.Env = append(os.Environ(), append(env, "AUTH_STRESS_ROLE="+role, "AUTH_STRESS_URL="+url, "AUTH_STRESS_PATH="+path)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, bufio.NewScanner(out)
}

func waitLine(t *testing.T, sc *bufio.Scanner, want string) {
	t.Helper()
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == want {
			return
		}
	}
	t.Fatalf("child ended before printing %s", want)
}

func TestStressTokenProcesses(t *testing.T) {
	if role := os.Getenv("AUTH_STRESS_ROLE"); role != "" {
		if err := stressChild(role, os.Getenv("AUTH_STRESS_URL"), os.Getenv("AUTH_STRESS_PATH")); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		return
	}
	for _, procs := range []int{2, 4} {
		t.Run(fmt.Sprintf("%d processes, 100 refreshes", procs), func(t *testing.T) {
			f, srv := newFamilyAS(t)
			path := filepath.Join(t.TempDir(), "token.json")
			seedFamily(t, path)
			start := time.Now()
			var cmds []*exec.Cmd
			for range procs {
				cmd, sc := startChild(t, "refresher", srv.URL, path, "AUTH_STRESS_TARGET=100")
				go func() {
					for sc.Scan() {
					}
				}()
				cmds = append(cmds, cmd)
			}
			for i, cmd := range cmds {
				if err := cmd.Wait(); err != nil {
					t.Errorf("process %d: %v", i, err)
				}
			}
			refreshes, reuse, bad, revoked := f.counts()
			t.Logf("%d processes: %d refreshes in %v, %d reuses, %d refused, revoked %v",
				procs, refreshes, time.Since(start).Round(time.Millisecond), reuse, bad, revoked)
			if refreshes != 100 || reuse != 0 || bad != 0 || revoked {
				t.Errorf("want exactly 100 refreshes, no reuse, no revocation")
			}
		})
	}

	t.Run("holder killed before its token request frees the others at once", func(t *testing.T) {
		_, srv := newFamilyAS(t)
		path := filepath.Join(t.TempDir(), "token.json")
		seedFamily(t, path)
		cmd, sc := startChild(t, "holder", srv.URL, path)
		waitLine(t, sc, "LEASED")
		s := &FileStore{Path: path, LeaseTimeout: 100 * time.Millisecond}
		if _, err := s.Lease(context.Background(), time.Minute); err == nil {
			t.Fatal("lease granted while the child holds it")
		}
		cmd.Process.Signal(syscall.SIGKILL)
		killed := time.Now()
		cmd.Wait()
		s.LeaseTimeout = 10 * time.Second
		l, err := s.Lease(context.Background(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		l.Release()
		if d := time.Since(killed); d > time.Second {
			t.Errorf("lease free %v after the kill", d)
		}
		t.Logf("lease taken %v after SIGKILL of its holder", time.Since(killed).Round(time.Microsecond))
	})

	t.Run("holder killed after the rotation: the others refuse to reuse", func(t *testing.T) {
		f, srv := newFamilyAS(t)
		path := filepath.Join(t.TempDir(), "token.json")
		seedFamily(t, path)
		cmd, sc := startChild(t, "rotator", srv.URL, path)
		waitLine(t, sc, "ROTATED")
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		// Another process (this one) finds the old token and must not
		// spend its refresh token again.
		c := &Cache{Flow: familyFlow(srv.URL), Store: &FileStore{Path: path, LeaseTimeout: 10 * time.Second}}
		tok, err := c.Token(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.InvalidateToken(tok) // the provider revoked it with the rotation
		_, err = c.Token(context.Background())
		if !errors.Is(err, ErrRefreshTokenLost) {
			t.Fatalf("after the holder died mid-refresh: %v, want ErrRefreshTokenLost", err)
		}
		refreshes, reuse, _, revoked := f.counts()
		if refreshes != 1 || reuse != 0 || revoked {
			t.Errorf("%d refreshes, %d reuses, revoked %v; want the child's one refresh only", refreshes, reuse, revoked)
		}
		t.Logf("error: %v", err)
	})
}
