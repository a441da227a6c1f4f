package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

func newStore(t *testing.T, rdb redis.UniversalClient) *TokenStore {
	t.Helper()
	s, err := NewTokenStore(rdb, uniqueName(t))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testToken(access, refresh string) *auth.Token {
	return &auth.Token{
		AccessToken:  secret.New(access),
		RefreshToken: secret.New(refresh),
		TokenType:    "bearer",
		Expiry:       time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		Extra:        map[string]secret.Secret{"id_token": secret.New("id-" + access)},
	}
}

func TestTokenStoreCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, sharedRedis(t))

	if _, v, err := s.Load(ctx); !errors.Is(err, auth.ErrNotFound) || v != auth.NoVersion {
		t.Fatalf("empty store: Load = %v, %v; want NoVersion, ErrNotFound", v, err)
	}
	v1, err := s.Save(ctx, testToken("a1", "r1"), auth.NoVersion)
	if err != nil || v1 == auth.NoVersion {
		t.Fatalf("first Save = %v, %v", v1, err)
	}
	if _, err := s.Save(ctx, testToken("a2", "r2"), auth.NoVersion); !errors.Is(err, auth.ErrConflict) {
		t.Fatalf("Save at a stale version = %v, want ErrConflict", err)
	}
	v2, err := s.Save(ctx, testToken("a2", "r2"), v1)
	if err != nil || v2 <= v1 {
		t.Fatalf("Save at the current version = %v, %v; want a version above %v", v2, err, v1)
	}
	got, v, err := s.Load(ctx)
	if err != nil || v != v2 {
		t.Fatalf("Load = %v, %v; want version %v", v, err, v2)
	}
	want := testToken("a2", "r2")
	if got.AccessToken.Reveal() != "a2" || got.RefreshToken.Reveal() != "r2" || got.TokenType != want.TokenType ||
		!got.Expiry.Equal(want.Expiry) || got.Extra["id_token"].Reveal() != "id-a2" {
		t.Fatalf("Load returned a different token: %+v", got)
	}
}

// A holder that stalls past its lease must not overwrite what the next
// holder saves, even when the next holder has not saved yet (so the
// compare-and-swap alone would let the stale write through).
func TestTokenStoreFencingRejectsStalledHolder(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	a := newStore(t, rdb)
	b, _ := NewTokenStore(rdb, a.keys.tag[len("{apigen:"):len(a.keys.tag)-1])
	a.LeaseTTL, b.LeaseTTL = 300*time.Millisecond, 300*time.Millisecond

	v0, err := a.Save(ctx, testToken("a0", "r0"), auth.NoVersion)
	if err != nil {
		t.Fatal(err)
	}
	releaseA, err := a.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer releaseA.Release()

	start := time.Now()
	releaseB, err := b.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("b got the lease after %s, while a held it for 300ms", waited)
	}
	// a wakes up and writes with the version it loaded: refused.
	_, err = a.Save(ctx, testToken("stale", "stale"), v0)
	if !errors.Is(err, auth.ErrConflict) || !strings.Contains(err.Error(), "stalled past its lease") {
		t.Fatalf("stalled holder's Save = %v; want a fencing error wrapping ErrConflict", err)
	}
	if _, err := b.Save(ctx, testToken("a1", "r1"), v0); err != nil {
		t.Fatalf("current holder's Save = %v", err)
	}
	releaseB.Release()
	got, _, err := a.Load(ctx)
	if err != nil || got.RefreshToken.Reveal() != "r1" {
		t.Fatalf("stored refresh token = %v (%v); want the current holder's r1", got.RefreshToken.Reveal(), err)
	}
}

func TestTokenStoreLeaseIsExclusiveAndReleased(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, sharedRedis(t))
	release, err := s.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := s.Lease(short, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lease while held = %v, want a context deadline error", err)
	}
	release.Release()
	start := time.Now()
	release2, err := s.Lease(ctx, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	release2.Release()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Lease after release took %s", d)
	}
}

// flowFunc is an auth.Flow that counts its calls.
type countingFlow struct{ grants, refreshes atomic.Int64 }

func (f *countingFlow) Grant(context.Context) (*auth.Token, error) {
	f.grants.Add(1)
	return testToken(fmt.Sprint("g", f.grants.Load()), "r"), nil
}

func (f *countingFlow) Refresh(context.Context, secret.Secret) (*auth.Token, error) {
	f.refreshes.Add(1)
	return testToken("refreshed", "r2"), nil
}

// With Redis down, the cache fails clearly and never falls back to a new
// grant (which would burn a login, or a single-use refresh token, per call).
func TestTokenStoreUnavailableFailsWithoutReauthenticating(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: closedAddr(t), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	s, err := NewTokenStore(rdb, "down")
	if err != nil {
		t.Fatal(err)
	}
	flow := &countingFlow{}
	c := &auth.Cache{Flow: flow, Store: s}
	for range 3 {
		_, err := c.Token(context.Background())
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Token with Redis down = %v; want an error wrapping ErrUnavailable", err)
		}
		if !strings.Contains(err.Error(), "token lease") {
			t.Errorf("error %q does not say what failed", err)
		}
	}
	if n := flow.grants.Load() + flow.refreshes.Load(); n != 0 {
		t.Fatalf("%d token requests with Redis down, want 0", n)
	}
	if _, _, err := s.Load(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Load with Redis down = %v, want ErrUnavailable", err)
	}
}

func TestTokenStoreForeignKeyType(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	s := newStore(t, rdb)
	rdb.Set(ctx, s.tokenKey(), "not a hash", time.Minute)
	rdb.HSet(ctx, s.leaseKey(), "x", "y")
	rdb.Expire(ctx, s.leaseKey(), time.Minute)

	if _, _, err := s.Load(ctx); err == nil || !strings.Contains(err.Error(), s.tokenKey()) || !strings.Contains(err.Error(), "another type") {
		t.Errorf("Load of a string key = %v; want an error naming the key and its type", err)
	}
	if _, err := s.Save(ctx, testToken("a", "r"), auth.NoVersion); err == nil || !strings.Contains(err.Error(), "another type") {
		t.Errorf("Save over a string key = %v; want a wrong-type error", err)
	}
	if _, err := s.Lease(ctx, time.Second); err == nil || !strings.Contains(err.Error(), "another type") {
		t.Errorf("Lease on a hash key = %v; want a wrong-type error", err)
	}
}

func TestTokenStoreCorruptValue(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	s := newStore(t, rdb)
	rdb.HSet(ctx, s.tokenKey(), "v", "1", "data", `{"access_token": "secret-value`)
	rdb.Expire(ctx, s.tokenKey(), time.Minute)
	_, _, err := s.Load(ctx)
	if err == nil || !strings.Contains(err.Error(), "not a token store") || strings.Contains(err.Error(), "secret-value") {
		t.Fatalf("Load of a truncated value = %v; want an error naming the key, without the content", err)
	}
}

// go-redis runs scripts by SHA and reloads them on NOSCRIPT: a SCRIPT
// FLUSH (a failover to a fresh replica does the same) costs nothing.
func TestTokenStoreAfterScriptFlush(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	s := newStore(t, rdb)
	if _, err := s.Save(ctx, testToken("a", "r"), auth.NoVersion); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, testToken("b", "r"), 1); err != nil {
		t.Fatalf("Save after SCRIPT FLUSH = %v", err)
	}
	release, err := s.Lease(ctx, time.Second)
	if err != nil {
		t.Fatalf("Lease after SCRIPT FLUSH = %v", err)
	}
	release.Release()
}

func TestConnectErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Connect(ctx, "http://127.0.0.1:6379"); err == nil || !strings.Contains(err.Error(), "Redis URL") {
		t.Errorf("Connect(http://...) = %v; want a URL error", err)
	}
	if _, err := Connect(ctx, "redis://user:hunter2@"+closedAddr(t)); !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Connect to a closed port = %v; want ErrUnavailable without the password", err)
	}
	if _, err := Connect(ctx, "redis://user:hunter2@%zz"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Connect to a malformed URL = %v; want an error without the password", err)
	}
}

func TestConnectAuthFailure(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	addr := rdb.Options().Addr
	_, err := Connect(ctx, "redis://nobody:hunter2@"+addr)
	if err == nil || errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Connect with a wrong password = %v; want an auth error (not 'unavailable') without the password", err)
	}
	t.Logf("auth failure reads: %v", err)
}
