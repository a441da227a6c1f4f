//go:build unix

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

func init() {
	children["lease-holder"] = leaseHolder
}

// leaseHolder takes the lease, says "held <version>", optionally marks
// the refresh token as being spent ("marked"), then waits for a line on
// stdin and tries to save; it says "saved" or "refused <error>".
func leaseHolder() error {
	ctx, cancel := childContext()
	defer cancel()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	s, err := NewTokenStore(rdb, os.Getenv("STORE_NAME"))
	if err != nil {
		return err
	}
	s.LeaseTTL, _ = time.ParseDuration(os.Getenv("LEASE_TTL"))
	lease, err := s.Lease(ctx, time.Minute)
	if err != nil {
		return err
	}
	tok, v, err := s.Load(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("held %d\n", v)
	if os.Getenv("MARK") != "" {
		if err := lease.MarkSpending(ctx, tok.RefreshToken); err != nil {
			return err
		}
		fmt.Println("marked")
	}
	waitLine()
	if _, err := s.Save(ctx, testToken("stale-access", "stale-refresh"), v); err != nil {
		fmt.Printf("refused %v\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return nil
	}
	fmt.Println("saved")
	return nil
}

func holderEnv(rdb *redis.Client, name string, ttl time.Duration, extra ...string) []string {
	return append([]string{"REDIS_ADDR=" + rdb.Options().Addr, "STORE_NAME=" + name, "LEASE_TTL=" + ttl.String()}, extra...)
}

// A holder stopped (SIGSTOP) past its lease: the others get the lease
// after it expired, and when the holder resumes, the fencing token refuses
// its late write although the version it loaded is still current.
func TestLeaseHolderStoppedPastExpiryIsFenced(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	name := uniqueName(t)
	s, _ := NewTokenStore(rdb, name)
	s.LeaseTTL = 800 * time.Millisecond
	v0, err := s.Save(ctx, testToken("a0", "r0"), auth.NoVersion)
	if err != nil {
		t.Fatal(err)
	}
	holder := startChild(t, "lease-holder", holderEnv(rdb, name, s.LeaseTTL)...)
	holder.expect(t, "held "+strconv.FormatUint(uint64(v0), 10), 10*time.Second)
	stoppedAt := time.Now()
	if err := holder.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	lease, err := s.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	waited := time.Since(stoppedAt)
	if waited > s.LeaseTTL+time.Second || waited < s.LeaseTTL/2 {
		t.Errorf("the lease of a stopped holder was free after %s; its ttl is %s", waited, s.LeaseTTL)
	}
	// Resume the holder while we hold the lease and have not saved.
	holder.cmd.Process.Signal(syscall.SIGCONT)
	fmt.Fprintln(holder.stdin, "go")
	line := holder.expect(t, "refused", 10*time.Second)
	if !strings.Contains(line, "stalled past its lease") {
		t.Errorf("late write refused with %q; want the fencing error", line)
	}
	holder.wait(t, 10*time.Second)
	if _, err := s.Save(ctx, testToken("a1", "r1"), v0); err != nil {
		t.Fatalf("the current holder's Save = %v", err)
	}
	tok, _, _ := s.Load(ctx)
	if got := tok.RefreshToken.Reveal(); got != "r1" {
		t.Errorf("stored refresh token %q, want the current holder's r1", got)
	}
}

// A holder killed (SIGKILL) frees the lease when it expires.
func TestLeaseHolderKilledFreesLeaseAtExpiry(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	name := uniqueName(t)
	s, _ := NewTokenStore(rdb, name)
	s.LeaseTTL = 800 * time.Millisecond
	if _, err := s.Save(ctx, testToken("a0", "r0"), auth.NoVersion); err != nil {
		t.Fatal(err)
	}
	holder := startChild(t, "lease-holder", holderEnv(rdb, name, s.LeaseTTL)...)
	holder.expect(t, "held", 10*time.Second)
	killedAt := time.Now()
	holder.cmd.Process.Kill()
	lease, err := s.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	lease.Release()
	if waited := time.Since(killedAt); waited > s.LeaseTTL+time.Second || waited < s.LeaseTTL/2 {
		t.Errorf("lease free %s after its holder was killed; ttl %s", waited, s.LeaseTTL)
	}
}

type countingRefresh struct{ n atomic.Int64 }

func (f *countingRefresh) Grant(context.Context) (*auth.Token, error) {
	f.n.Add(1)
	return nil, auth.ErrAuthorizationRequired
}

func (f *countingRefresh) Refresh(context.Context, secret.Secret) (*auth.Token, error) {
	f.n.Add(1)
	return testToken("new", "new"), nil
}

// A holder killed after marking its refresh token as being spent (the
// provider may have rotated it): the others never send it again, and say
// so with ErrRefreshTokenLost.
func TestLeaseHolderKilledMidRefreshNeverReused(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	name := uniqueName(t)
	s, _ := NewTokenStore(rdb, name)
	s.LeaseTTL = 500 * time.Millisecond
	expired := testToken("a0", "r0")
	expired.Expiry = time.Now().Add(-time.Minute)
	if _, err := s.Save(ctx, expired, auth.NoVersion); err != nil {
		t.Fatal(err)
	}
	holder := startChild(t, "lease-holder", holderEnv(rdb, name, s.LeaseTTL, "MARK=1")...)
	holder.expect(t, "held", 10*time.Second)
	holder.expect(t, "marked", 10*time.Second)
	holder.cmd.Process.Kill()

	flow := &countingRefresh{}
	c := &auth.Cache{Flow: flow, Store: s}
	_, err := c.Token(ctx)
	if !errors.Is(err, auth.ErrRefreshTokenLost) {
		t.Fatalf("Token after the holder died mid-refresh = %v; want ErrRefreshTokenLost", err)
	}
	if n := flow.n.Load(); n != 0 {
		t.Fatalf("%d token requests; the marked refresh token must not be sent again", n)
	}
}
