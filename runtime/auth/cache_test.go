package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// 1000 goroutines asking a cold cache at once cause one token request.
func TestCacheColdStampedeOneFetch(t *testing.T) {
	f := newFakeAS(t, func(f *fakeAS) { f.Delay = 50 * time.Millisecond })
	c := &Cache{Flow: f.clientCredentials(nil)}
	start := make(chan struct{})
	var wg sync.WaitGroup
	var tokens sync.Map
	for range 1000 {
		wg.Go(func() {
			<-start
			tok, err := c.Token(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			tokens.Store(tok.AccessToken.Reveal(), true)
		})
	}
	close(start)
	wg.Wait()
	if req, _, _, _ := f.counts(); req != 1 {
		t.Fatalf("token requests = %d, want 1", req)
	}
	n := 0
	tokens.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("callers saw %d distinct tokens, want 1", n)
	}
}

// The cache reuses a token until the skew before its expiry, and the
// default skew is 10% of the lifetime, at most 30 s.
func TestCacheExpiryAndDefaultSkew(t *testing.T) {
	clk := clock.NewFake(t0)
	f := newFakeAS(t, func(f *fakeAS) { f.ExpiresIn = 100 })
	c := &Cache{Flow: f.clientCredentials(clk), Clock: clk}
	ctx := context.Background()
	first, _ := c.Token(ctx)
	clk.Advance(89 * time.Second)
	if tok, _ := c.Token(ctx); tok != first {
		t.Fatal("refreshed before the skew")
	}
	clk.Advance(2 * time.Second) // 9 s left < 10% of 100 s
	if tok, _ := c.Token(ctx); tok == first {
		t.Fatal("not refreshed inside the skew")
	}
	if req, _, _, _ := f.counts(); req != 2 {
		t.Errorf("requests = %d, want 2", req)
	}

	// Long-lived tokens: the margin is capped at 30 s.
	f2 := newFakeAS(t, func(f *fakeAS) { f.ExpiresIn = 3600 })
	c2 := &Cache{Flow: f2.clientCredentials(clk), Clock: clk}
	first, _ = c2.Token(ctx)
	clk.Advance(3600*time.Second - 31*time.Second)
	if tok, _ := c2.Token(ctx); tok != first {
		t.Fatal("refreshed more than 30 s early")
	}
	clk.Advance(2 * time.Second)
	if tok, _ := c2.Token(ctx); tok == first {
		t.Fatal("not refreshed 29 s before expiry")
	}

	// An explicit skew wins.
	c3 := &Cache{Flow: f2.clientCredentials(clk), Clock: clk, Skew: 10 * time.Minute}
	first, _ = c3.Token(ctx)
	clk.Advance(49 * time.Minute)
	if tok, _ := c3.Token(ctx); tok != first {
		t.Fatal("refreshed before the explicit skew")
	}
	clk.Advance(2 * time.Minute)
	if tok, _ := c3.Token(ctx); tok == first {
		t.Fatal("not refreshed inside the explicit skew")
	}
}

// recordingStore logs saves to an eventLog and can be made to fail or to
// lose a race.
type recordingStore struct {
	MemoryStore
	log       *eventLog
	failSaves atomic.Int32 // next n saves fail
	saves     atomic.Int32
	intrude   func() // runs inside the next Save, before it
	leases    atomic.Int32
	leased    atomic.Bool
}

func (s *recordingStore) Save(ctx context.Context, tok *Token, prev Version) (Version, error) {
	s.saves.Add(1)
	if f := s.intrude; f != nil {
		s.intrude = nil
		f()
	}
	if s.failSaves.Load() > 0 {
		s.failSaves.Add(-1)
		return NoVersion, errors.New("disk full")
	}
	v, err := s.MemoryStore.Save(ctx, tok, prev)
	if err == nil && s.log != nil {
		s.log.add(fmt.Sprintf("save %s %s", tok.AccessToken.Reveal(), tok.RefreshToken.Reveal()))
	}
	return v, err
}

// leasingStore is a recordingStore that also grants leases.
type leasingStore struct{ recordingStore }

func (s *leasingStore) Lease(ctx context.Context, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return nil, errors.New("no ttl")
	}
	if !s.leased.CompareAndSwap(false, true) {
		return nil, errors.New("lease already held")
	}
	s.leases.Add(1)
	return memLease{s}, nil
}

type memLease struct{ s *leasingStore }

func (memLease) MarkSpending(context.Context, secret.Secret) error { return nil }
func (memLease) ClearSpending(context.Context) error               { return nil }
func (l memLease) Release()                                        { l.s.leased.Store(false) }

// seedAuthCode runs the authorization code exchange and hands the token to
// the cache, as an app's callback handler would.
func seedAuthCode(t *testing.T, f *fakeAS, flow *AuthorizationCode, c *Cache) *Token {
	t.Helper()
	f.addCode("code-1", "")
	tok, err := flow.Exchange(context.Background(), "code-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetToken(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

// JTL-FFN: every refresh rotates a single-use refresh token. After many
// rotations under concurrent load the store holds the newest refresh token
// and the server never saw one twice; every new token was saved before the
// API saw it.
func TestCacheRotatingRefreshTokens(t *testing.T) {
	for _, storeKind := range []string{"memory", "file"} {
		t.Run(storeKind, func(t *testing.T) {
			clk := clock.NewFake(t0)
			log := &eventLog{}
			f := newFakeAS(t, func(f *fakeAS) { f.Rotate = true; f.ExpiresIn = 1800; f.Events = log })
			var store TokenStore = &recordingStore{log: log}
			if storeKind == "file" {
				store = &loggingFileStore{FileStore: FileStore{Path: filepath.Join(t.TempDir(), "jtl.json")}, log: log}
			}
			flow := f.authCode(clk)
			c := &Cache{Flow: flow, Store: store, Clock: clk,
				OnRefresh: func(_ context.Context, tok *Token) { log.add("hook " + tok.AccessToken.Reveal()) }}
			seedAuthCode(t, f, flow, c)
			tr := &Transport{Source: c, AllowInsecureHTTP: true}

			rotations := 25
			if storeKind == "file" {
				rotations = 6 // each save syncs the disk twice
			}
			for range rotations {
				clk.Advance(1801 * time.Second)
				var wg sync.WaitGroup
				for range 8 {
					wg.Go(func() {
						if code, err := f.get(t, tr); err != nil || code != 200 {
							t.Errorf("API call: %d %v", code, err)
						}
					})
				}
				wg.Wait()
			}
			_, _, refreshes, _ := f.counts()
			if refreshes != rotations {
				t.Errorf("refreshes = %d, want %d", refreshes, rotations)
			}
			for rt, n := range f.seenRefresh {
				if n != 1 {
					t.Errorf("refresh token %s presented %d times", rt, n)
				}
			}
			stored, _, err := store.Load(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := stored.RefreshToken.Reveal(); got != f.lastRefresh {
				t.Errorf("store holds refresh token %q, server's newest is %q", got, f.lastRefresh)
			}
			checkSavedBeforeUse(t, log.list())
		})
	}
}

type loggingFileStore struct {
	FileStore
	log *eventLog
}

func (s *loggingFileStore) Save(ctx context.Context, tok *Token, prev Version) (Version, error) {
	v, err := s.FileStore.Save(ctx, tok, prev)
	if err == nil {
		s.log.add(fmt.Sprintf("save %s %s", tok.AccessToken.Reveal(), tok.RefreshToken.Reveal()))
	}
	return v, err
}

// checkSavedBeforeUse asserts that each access token was saved before the
// API first saw it and before the OnRefresh hook ran.
func checkSavedBeforeUse(t *testing.T, events []string) {
	t.Helper()
	saved := map[string]bool{}
	for _, e := range events {
		kind, rest, _ := strings.Cut(e, " ")
		at, _, _ := strings.Cut(rest, " ")
		switch kind {
		case "save":
			saved[at] = true
		case "use", "hook":
			if !saved[at] {
				t.Fatalf("%s before it was saved; events: %v", e, events)
			}
		}
	}
}

// A refresh whose answer cannot be saved is not handed out; the next call
// saves it instead of spending the (rotated, single-use) refresh token again.
func TestCacheSaveFailureKeepsRotatedToken(t *testing.T) {
	clk := clock.NewFake(t0)
	log := &eventLog{}
	f := newFakeAS(t, func(f *fakeAS) { f.Rotate = true; f.ExpiresIn = 60; f.Events = log })
	store := &recordingStore{log: log}
	flow := f.authCode(clk)
	c := &Cache{Flow: flow, Store: store, Clock: clk}
	seedAuthCode(t, f, flow, c)
	tr := &Transport{Source: c, AllowInsecureHTTP: true}

	clk.Advance(2 * time.Minute)
	store.failSaves.Store(1)
	if _, err := f.get(t, tr); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("call with a failing store: %v", err)
	}
	_, _, refreshes, api := f.counts()
	if refreshes != 1 || api != 0 {
		t.Fatalf("refreshes %d api %d; want 1 and 0 (unsaved token never used)", refreshes, api)
	}
	if code, err := f.get(t, tr); err != nil || code != 200 {
		t.Fatalf("call after the store recovered: %d %v", code, err)
	}
	_, _, refreshes, _ = f.counts()
	if refreshes != 1 {
		t.Errorf("refreshes = %d, want 1: the pending token should have been saved, not replaced", refreshes)
	}
	stored, _, _ := store.Load(context.Background())
	if stored.RefreshToken.Reveal() != f.lastRefresh {
		t.Errorf("store holds %q, want %q", stored.RefreshToken.Reveal(), f.lastRefresh)
	}
	checkSavedBeforeUse(t, log.list())
}

// Foxdeli: refresh answers are 201 with expires_in as a string and no
// refresh_token; the old refresh token is kept and keeps working.
func TestCacheRefreshWithoutNewRefreshTokenKeepsOld(t *testing.T) {
	clk := clock.NewFake(t0)
	f := newFakeAS(t, func(f *fakeAS) {
		f.ExpiresIn = "3600"
		f.RefreshStatus = http.StatusCreated
		f.RequireOnRefresh = map[string]string{"redirect_uri": "https://app.example/cb", "scope": "deliveries collection-places"}
	})
	flow := f.authCode(clk)
	flow.Params = map[string]string{"redirect_uri": "https://app.example/cb", "scope": "deliveries collection-places"}
	store := &MemoryStore{}
	c := &Cache{Flow: flow, Store: store, Clock: clk}
	seed := seedAuthCode(t, f, flow, c)
	if !seed.Expiry.Equal(t0.Add(time.Hour)) {
		t.Fatalf("expiry from string expires_in = %v", seed.Expiry)
	}
	for i := range 3 {
		clk.Advance(time.Hour)
		tok, err := c.Token(context.Background())
		if err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
		if tok.RefreshToken.Reveal() != seed.RefreshToken.Reveal() {
			t.Fatalf("refresh token changed to %q", tok.RefreshToken.Reveal())
		}
		if !tok.Expiry.Equal(clk.Now().Add(time.Hour)) {
			t.Errorf("expiry %v, want %v", tok.Expiry, clk.Now().Add(time.Hour))
		}
		stored, _, _ := store.Load(context.Background())
		if stored.RefreshToken.Reveal() != seed.RefreshToken.Reveal() {
			t.Fatalf("stored refresh token = %q", stored.RefreshToken.Reveal())
		}
	}
	if _, _, refreshes, _ := f.counts(); refreshes != 3 {
		t.Errorf("refreshes = %d, want 3", refreshes)
	}
}

// A process that restarts with the same FileStore continues with the
// stored token: no new grant; after expiry it refreshes with the stored
// refresh token.
func TestCacheRestartFromFileStore(t *testing.T) {
	clk := clock.NewFake(t0)
	f := newFakeAS(t, func(f *fakeAS) { f.GrantRefresh = true; f.Rotate = true })
	path := filepath.Join(t.TempDir(), "token.json")
	newCache := func() *Cache {
		return &Cache{Flow: f.clientCredentials(clk), Store: &FileStore{Path: path}, Clock: clk}
	}
	first, err := newCache().Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// "Kill" the process: a new cache and a new store on the same file.
	second, err := newCache().Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if second.AccessToken.Reveal() != first.AccessToken.Reveal() {
		t.Fatal("restarted cache fetched a new token")
	}
	if req, grants, _, _ := f.counts(); req != 1 || grants != 1 {
		t.Fatalf("requests %d grants %d; want 1 and 1", req, grants)
	}
	clk.Advance(2 * time.Hour)
	third, err := newCache().Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, grants, refreshes, _ := f.counts(); grants != 1 || refreshes != 1 {
		t.Fatalf("grants %d refreshes %d; want 1 and 1", grants, refreshes)
	}
	if third.AccessToken.Reveal() == first.AccessToken.Reveal() {
		t.Fatal("expired token reused")
	}
}

// A refused refresh token falls back to a new grant where the flow has
// one; where it has not, the error says the user must authorize again.
func TestCacheRefreshRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("grant fallback", func(t *testing.T) {
		clk := clock.NewFake(t0)
		f := newFakeAS(t, func(f *fakeAS) {
			f.Users = map[string]string{"u@example.com": "PASSWORD-1"}
			f.GrantRefresh = true
		})
		flow := &PasswordGrant{Endpoint: f.endpoint(clk), ClientID: f.ClientID, ClientSecret: secret.New(f.ClientSecret),
			Username: "u@example.com", Password: secret.New("PASSWORD-1")}
		store := &MemoryStore{}
		store.Save(ctx, &Token{AccessToken: secret.New("old"), RefreshToken: secret.New("revoked"), Expiry: t0.Add(-time.Minute)}, NoVersion)
		c := &Cache{Flow: flow, Store: store, Clock: clk}
		tok, err := c.Token(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, grants, _, _ := f.counts(); grants != 1 || f.seenRefresh["revoked"] != 1 {
			t.Fatalf("grants %d, refresh attempts %d", grants, f.seenRefresh["revoked"])
		}
		stored, _, _ := store.Load(ctx)
		if stored.AccessToken.Reveal() != tok.AccessToken.Reveal() || stored.RefreshToken.Reveal() == "revoked" {
			t.Errorf("store not updated: %v", stored.RefreshToken.Reveal())
		}
	})
	t.Run("authorization required", func(t *testing.T) {
		clk := clock.NewFake(t0)
		f := newFakeAS(t, nil)
		store := &MemoryStore{}
		store.Save(ctx, &Token{AccessToken: secret.New("old"), RefreshToken: secret.New("revoked"), Expiry: t0.Add(-time.Minute)}, NoVersion)
		c := &Cache{Flow: f.authCode(clk), Store: store, Clock: clk}
		_, err := c.Token(ctx)
		if !errors.Is(err, ErrAuthorizationRequired) || !errors.Is(err, ErrInvalidGrant) {
			t.Fatalf("err = %v; want ErrAuthorizationRequired and ErrInvalidGrant", err)
		}
		var re *RetrieveError
		if !errors.As(err, &re) || re.StatusCode != 400 {
			t.Errorf("no RetrieveError with status in %v", err)
		}
	})
	t.Run("nothing stored, no grant", func(t *testing.T) {
		f := newFakeAS(t, nil)
		c := &Cache{Flow: f.authCode(nil)}
		if _, err := c.Token(ctx); !errors.Is(err, ErrAuthorizationRequired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("network error: no fallback", func(t *testing.T) {
		calls := 0
		flow := &funcFlow{
			grant:   func() (*Token, error) { calls++; return nil, errors.New("grant must not run") },
			refresh: func(secret.Secret) (*Token, error) { return nil, errors.New("connection refused") },
		}
		store := &MemoryStore{}
		store.Save(ctx, &Token{AccessToken: secret.New("old"), RefreshToken: secret.New("rt")}, NoVersion)
		c := &Cache{Flow: flow, Store: store}
		c.Invalidate()
		// Nothing in memory yet: the first Token adopts the stored token.
		if tok, err := c.Token(ctx); err != nil || tok.AccessToken.Reveal() != "old" {
			t.Fatalf("Token = %v, %v", tok, err)
		}
		c.Invalidate()
		if _, err := c.Token(ctx); err == nil || !strings.Contains(err.Error(), "connection refused") || calls != 0 {
			t.Fatalf("err = %v, grants %d", err, calls)
		}
	})
}

type funcFlow struct {
	grant   func() (*Token, error)
	refresh func(secret.Secret) (*Token, error)
}

func (f *funcFlow) Grant(context.Context) (*Token, error) { return f.grant() }
func (f *funcFlow) Refresh(_ context.Context, rt secret.Secret) (*Token, error) {
	return f.refresh(rt)
}

// Invalidate and InvalidateToken: a late 401 for an old token must not
// discard its successor.
func TestCacheInvalidate(t *testing.T) {
	f := newFakeAS(t, nil)
	c := &Cache{Flow: f.clientCredentials(nil)}
	ctx := context.Background()
	a, _ := c.Token(ctx)
	c.InvalidateToken(a)
	c.InvalidateToken(a)
	b, _ := c.Token(ctx)
	if sameAccess(a, b) {
		t.Fatal("InvalidateToken did not drop the token")
	}
	c.InvalidateToken(a) // stale: b stays
	if tok, _ := c.Token(ctx); tok != b {
		t.Fatal("stale InvalidateToken dropped the new token")
	}
	c.Invalidate()
	if tok, _ := c.Token(ctx); sameAccess(tok, b) {
		t.Fatal("Invalidate did not drop the token")
	}
	if req, _, _, _ := f.counts(); req != 3 {
		t.Errorf("requests = %d, want 3", req)
	}
}

// After Invalidate the cache must not adopt the same rejected token again
// from its store.
func TestCacheInvalidateIgnoresStoredRejectedToken(t *testing.T) {
	f := newFakeAS(t, func(f *fakeAS) { f.GrantRefresh = true })
	store := &MemoryStore{}
	c := &Cache{Flow: f.clientCredentials(nil), Store: store}
	ctx := context.Background()
	a, _ := c.Token(ctx)
	c.InvalidateToken(a)
	b, err := c.Token(ctx)
	if err != nil || sameAccess(a, b) {
		t.Fatalf("got %v, %v", b, err)
	}
	if _, _, refreshes, _ := f.counts(); refreshes != 1 {
		t.Errorf("refreshes = %d, want 1", refreshes)
	}
}

// Two processes share a store: the second finds the first one's fresh
// token instead of refreshing; when its save loses a race, the winner's
// token is adopted.
func TestCacheSharedStore(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	f := newFakeAS(t, func(f *fakeAS) { f.GrantRefresh = true; f.Rotate = true })
	store := &recordingStore{}
	a := &Cache{Flow: f.clientCredentials(clk), Store: store, Clock: clk}
	b := &Cache{Flow: f.clientCredentials(clk), Store: store, Clock: clk}
	ta, _ := a.Token(ctx)
	tb, _ := b.Token(ctx)
	if !sameAccess(ta, tb) {
		t.Fatal("second cache did not adopt the stored token")
	}
	clk.Advance(2 * time.Hour)
	ta2, _ := a.Token(ctx)
	tb2, _ := b.Token(ctx)
	if !sameAccess(ta2, tb2) || sameAccess(ta, ta2) {
		t.Fatal("second cache did not adopt the refreshed token")
	}
	if _, grants, refreshes, _ := f.counts(); grants != 1 || refreshes != 1 {
		t.Fatalf("grants %d refreshes %d", grants, refreshes)
	}

	// Lost race: another writer saves between our load and our save.
	clk.Advance(2 * time.Hour)
	winner := &Token{AccessToken: secret.New("winner"), RefreshToken: secret.New("winner-rt"), Expiry: clk.Now().Add(time.Hour)}
	store.intrude = func() {
		_, v, _ := store.MemoryStore.Load(ctx)
		store.MemoryStore.Save(ctx, winner, v)
	}
	got, err := a.Token(ctx)
	if err != nil || got.AccessToken.Reveal() != "winner" {
		t.Fatalf("after a lost race got %v, %v", got, err)
	}
	stored, _, _ := store.Load(ctx)
	if stored.AccessToken.Reveal() != "winner" {
		t.Error("the loser overwrote the winner")
	}
}

// OnRefresh sees every fetched token, after the save.
func TestCacheOnRefresh(t *testing.T) {
	clk := clock.NewFake(t0)
	log := &eventLog{}
	f := newFakeAS(t, nil)
	c := &Cache{Flow: f.clientCredentials(clk), Store: &recordingStore{log: log}, Clock: clk,
		OnRefresh: func(_ context.Context, tok *Token) { log.add("hook " + tok.AccessToken.Reveal()) }}
	c.Token(context.Background())
	clk.Advance(2 * time.Hour)
	c.Token(context.Background())
	want := []string{"save at-1 ", "hook at-1", "save at-2 ", "hook at-2"}
	if got := log.list(); !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
}

// A store that can lease is leased around each fetch.
func TestCacheUsesLease(t *testing.T) {
	clk := clock.NewFake(t0)
	f := newFakeAS(t, nil)
	store := &leasingStore{}
	c := &Cache{Flow: f.clientCredentials(clk), Store: store, Clock: clk}
	for range 3 {
		if _, err := c.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
	}
	if store.leases.Load() != 3 || store.leased.Load() {
		t.Errorf("leases %d, still held %v", store.leases.Load(), store.leased.Load())
	}
}

// A caller's cancelled context fails that caller only, not the fetch
// others wait on.
func TestCacheCallerCancel(t *testing.T) {
	f := newFakeAS(t, func(f *fakeAS) { f.Delay = 100 * time.Millisecond })
	c := &Cache{Flow: f.clientCredentials(nil)}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := c.Token(ctx); errc <- err }()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: %v", err)
	}
	if _, err := c.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if req, _, _, _ := f.counts(); req != 1 {
		t.Errorf("requests = %d, want 1", req)
	}
}

func TestCacheMisconfigured(t *testing.T) {
	if _, err := (&Cache{}).Token(context.Background()); err == nil {
		t.Error("Cache without Flow gave no error")
	}
	if err := (&Cache{}).SetToken(context.Background(), &Token{}); err == nil {
		t.Error("SetToken with an empty token gave no error")
	}
}

// gatedStore holds every Save until released, to look at the cache while
// a save is under way.
type gatedStore struct {
	MemoryStore
	entered chan struct{}
	release chan struct{}
}

func (s *gatedStore) Save(ctx context.Context, tok *Token, prev Version) (Version, error) {
	if s.entered != nil {
		s.entered <- struct{}{}
		<-s.release
	}
	return s.MemoryStore.Save(ctx, tok, prev)
}

// While a new token is being saved nobody can get it: a crash during the
// save must not leave a used access token whose refresh token is lost.
func TestCacheNewTokenInvisibleUntilSaved(t *testing.T) {
	clk := clock.NewFake(t0)
	f := newFakeAS(t, func(f *fakeAS) { f.Rotate = true; f.ExpiresIn = 60 })
	store := &gatedStore{}
	flow := f.authCode(clk)
	c := &Cache{Flow: flow, Store: store, Clock: clk}
	seedAuthCode(t, f, flow, c)
	store.entered, store.release = make(chan struct{}), make(chan struct{})

	clk.Advance(2 * time.Minute)
	done := make(chan *Token)
	go func() {
		tok, err := c.Token(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- tok
	}()
	<-store.entered // refreshed, now saving
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if tok, err := c.Token(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("during the save Token returned %v, %v; want to wait", tok, err)
	}
	close(store.release)
	tok := <-done
	stored, _, _ := store.Load(context.Background())
	if !sameAccess(tok, stored) {
		t.Fatal("returned token is not the stored one")
	}
}

func TestCacheEmptyTokenFromFlow(t *testing.T) {
	c := &Cache{Flow: &funcFlow{grant: func() (*Token, error) { return nil, nil }}}
	if _, err := c.Token(context.Background()); err == nil {
		t.Fatal("nil token accepted")
	}
}
