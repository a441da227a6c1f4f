// Package tokens checks and measures runtime/auth's token Cache under
// concurrency: 1000 goroutines asking for a token at once cause exactly
// one fetch, the hot path does not wait on a lock held across I/O, and its
// cost is measured against a plain mutex-guarded cache.
//
//	go test -run . -bench . -benchmem -count 5 ./internal/bench/tokens/
package tokens

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

// slowFlow is a token endpoint that takes a while to answer and counts
// how often it is asked.
type slowFlow struct {
	grants  atomic.Int64
	latency time.Duration
}

func (f *slowFlow) Grant(ctx context.Context) (*auth.Token, error) {
	f.grants.Add(1)
	select {
	case <-time.After(f.latency):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &auth.Token{AccessToken: secret.New("tok"), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func (f *slowFlow) Refresh(ctx context.Context, _ secret.Secret) (*auth.Token, error) {
	return f.Grant(ctx)
}

const goroutines = 1000

// TestOneFetchFor1000Goroutines: a cold cache, 1000 goroutines released at
// once, a token endpoint that takes 50 ms: exactly one fetch, and every
// goroutine gets that token.
func TestOneFetchFor1000Goroutines(t *testing.T) {
	flow := &slowFlow{latency: 50 * time.Millisecond}
	c := &auth.Cache{Flow: flow}
	start := make(chan struct{})
	var wg sync.WaitGroup
	toks := make([]*auth.Token, goroutines)
	errs := make([]error, goroutines)
	for i := range goroutines {
		wg.Go(func() {
			<-start
			toks[i], errs[i] = c.Token(context.Background())
		})
	}
	close(start)
	wg.Wait()
	if n := flow.grants.Load(); n != 1 {
		t.Fatalf("%d fetches for %d goroutines, want exactly 1", n, goroutines)
	}
	for i := range goroutines {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if toks[i] != toks[0] {
			t.Fatalf("goroutine %d got another token", i)
		}
	}
}

// blockingStore is a token store whose Load blocks while blocked is set:
// a store on a slow network.
type blockingStore struct {
	auth.MemoryStore
	blocked chan struct{} // closed to unblock
	entered chan struct{}
	once    sync.Once
	armed   atomic.Bool
}

func (s *blockingStore) Load(ctx context.Context) (*auth.Token, auth.Version, error) {
	if s.armed.Load() {
		s.once.Do(func() { close(s.entered) })
		<-s.blocked
	}
	return s.MemoryStore.Load(ctx)
}

// TestHotPathTakesNoLockAcrossIO: while SetToken holds the fetch lock
// across a store's network I/O (blocked here), 1000 goroutines still get
// the current token at once.
func TestHotPathTakesNoLockAcrossIO(t *testing.T) {
	flow := &slowFlow{}
	store := &blockingStore{blocked: make(chan struct{}), entered: make(chan struct{})}
	c := &auth.Cache{Flow: flow, Store: store}
	ctx := context.Background()
	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store.armed.Store(true)
	setDone := make(chan error, 1)
	go func() {
		setDone <- c.SetToken(ctx, &auth.Token{AccessToken: secret.New("new"), Expiry: time.Now().Add(time.Hour)})
	}()
	<-store.entered // SetToken now holds the fetch lock, waiting on I/O

	var wg sync.WaitGroup
	var bad atomic.Int64
	done := make(chan struct{})
	for range goroutines {
		wg.Go(func() {
			tok, err := c.Token(ctx)
			if err != nil || tok != first {
				bad.Add(1)
			}
		})
	}
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		close(store.blocked)
		t.Fatal("Token blocked behind I/O in progress")
	}
	if n := bad.Load(); n != 0 {
		t.Fatalf("%d goroutines did not get the current token", n)
	}
	close(store.blocked)
	if err := <-setDone; err != nil {
		t.Fatal(err)
	}
	if n := flow.grants.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

// mutexCache is the naive baseline: a token behind a mutex.
type mutexCache struct {
	mu  sync.Mutex
	tok *auth.Token
}

func (m *mutexCache) Token(ctx context.Context) (*auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil || !m.tok.Valid(time.Now(), 0) {
		return nil, errors.New("no token")
	}
	return m.tok, nil
}

// BenchmarkTokenHotPath/src={mutex,cache}/mode={serial,parallel}: the cost of
// getting a valid token, with one goroutine and with RunParallel (all
// cores, GOMAXPROCS goroutines).
func BenchmarkTokenHotPath(b *testing.B) {
	ctx := context.Background()
	cache := &auth.Cache{Flow: &slowFlow{}}
	tok, err := cache.Token(ctx)
	if err != nil {
		b.Fatal(err)
	}
	sources := []struct {
		name string
		src  auth.TokenSource
	}{
		{"mutex", &mutexCache{tok: tok}},
		{"cache", cache},
	}
	for _, s := range sources {
		b.Run("src="+s.name, func(b *testing.B) {
			b.Run("mode=serial", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.src.Token(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("mode=parallel", func(b *testing.B) {
				b.ReportAllocs()
				b.SetParallelism(goroutines / 2) // 1000 goroutines on 2 cores
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := s.src.Token(ctx); err != nil {
							b.Fatal(err)
						}
					}
				})
			})
		})
	}
}
