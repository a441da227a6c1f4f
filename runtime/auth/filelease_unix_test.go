//go:build unix

package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// countingFlow refreshes by numbering tokens, and counts what it was asked.
type countingFlow struct {
	grants, refreshes atomic.Int32
	n                 atomic.Int32
}

func (f *countingFlow) Grant(context.Context) (*Token, error) {
	f.grants.Add(1)
	return sampleToken(int(f.n.Add(1))), nil
}

func (f *countingFlow) Refresh(context.Context, secret.Secret) (*Token, error) {
	f.refreshes.Add(1)
	return sampleToken(int(f.n.Add(1))), nil
}

// One lease at a time, also between two stores on one file in one
// process; a waiter gives up after LeaseTimeout naming the lease file.
func TestFileStoreLeaseExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	a := &FileStore{Path: path}
	b := &FileStore{Path: path, LeaseTimeout: 50 * time.Millisecond}
	held, err := a.Lease(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Lease(context.Background(), time.Minute)
	if err == nil || !strings.Contains(err.Error(), path+".lease") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lease while held: %v", err)
	}
	go func() { time.Sleep(20 * time.Millisecond); held.Release() }()
	b.LeaseTimeout = 5 * time.Second
	start := time.Now()
	l2, err := b.Lease(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	l2.Release()
	held.Release() // twice is fine
	if d := time.Since(start); d > time.Second {
		t.Errorf("lease freed after %v", d)
	}
}

// A holder that keeps its lease past the ttl is stale: the next one takes
// over instead of waiting for LeaseTimeout.
func TestFileStoreStaleLease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	s := &FileStore{Path: path, LeaseTimeout: 5 * time.Second}
	stuck, err := s.Lease(context.Background(), 30*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Release()
	start := time.Now()
	l, err := s.Lease(context.Background(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	if d := time.Since(start); d < 30*time.Millisecond || d > 2*time.Second {
		t.Errorf("stale lease recovered after %v", d)
	}
}

// A refresh token marked as being spent, never followed by a Save, is lost:
// the next holder fails with ErrRefreshTokenLost instead of sending it
// again; a Save clears the mark.
func TestFileStoreMarkSpending(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "token.json")
	s := &FileStore{Path: path}
	v, err := s.Save(ctx, sampleToken(1), NoVersion)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lease(ctx, time.Minute)
	if err := l.MarkSpending(ctx, secret.New("refresh-1")); err != nil {
		t.Fatal(err)
	}
	l.Release() // as if the holder died here
	l, _ = s.Lease(ctx, time.Minute)
	err = l.MarkSpending(ctx, secret.New("refresh-1"))
	if !errors.Is(err, ErrRefreshTokenLost) || !errors.Is(err, ErrAuthorizationRequired) || !strings.Contains(err.Error(), path) {
		t.Fatalf("second spend: %v", err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), `"refresh-1"`) && !strings.Contains(string(data), `"refresh_token": "refresh-1"`) {
		t.Fatalf("the mark holds the refresh token itself:\n%s", data)
	}
	// The mark keeps the version: a Save based on the loaded one works,
	// and clears it.
	if _, err := s.Save(ctx, sampleToken(2), v); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSpending(ctx, secret.New("refresh-2")); err != nil {
		t.Fatal(err)
	}
	if err := l.ClearSpending(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.MarkSpending(ctx, secret.New("refresh-2")); err != nil {
		t.Fatalf("after ClearSpending: %v", err)
	}
	l.Release()
}

// The cache refuses to spend a refresh token another process may have
// spent, and tells the user to authorize again.
func TestCacheRefreshTokenLost(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFake(t0)
	path := filepath.Join(t.TempDir(), "token.json")
	s := &FileStore{Path: path}
	if _, err := s.Save(ctx, sampleToken(1), NoVersion); err != nil {
		t.Fatal(err)
	}
	l, _ := s.Lease(ctx, time.Minute)
	l.MarkSpending(ctx, secret.New("refresh-1"))
	l.Release()
	clk.Advance(time.Hour) // token 1 expired
	flow := &countingFlow{}
	c := &Cache{Flow: flow, Store: s, Clock: clk}
	_, err := c.Token(ctx)
	if !errors.Is(err, ErrRefreshTokenLost) || flow.refreshes.Load()+flow.grants.Load() != 0 {
		t.Fatalf("err %v after %d refreshes, %d grants", err, flow.refreshes.Load(), flow.grants.Load())
	}
}

// A corrupt or truncated token file is an error naming the file, never an
// empty store that a new login would overwrite.
func TestCacheCorruptTokenFile(t *testing.T) {
	for name, content := range map[string]string{
		"truncated": `{"version": 3, "token": {"access_token": "a`,
		"empty":     ``,
		"no token":  `{"version": 3}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token.json")
			os.WriteFile(path, []byte(content), 0o600)
			flow := &countingFlow{}
			c := &Cache{Flow: flow, Store: &FileStore{Path: path}}
			_, err := c.Token(context.Background())
			if err == nil || !strings.Contains(err.Error(), path) || flow.grants.Load()+flow.refreshes.Load() != 0 {
				t.Fatalf("err %v, %d grants, %d refreshes", err, flow.grants.Load(), flow.refreshes.Load())
			}
		})
	}
}
