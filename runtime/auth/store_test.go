package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

func sampleToken(n int) *Token {
	return &Token{
		AccessToken:  secret.New(fmt.Sprintf("access-%d", n)),
		TokenType:    "Bearer",
		RefreshToken: secret.New(fmt.Sprintf("refresh-%d", n)),
		Expiry:       t0.Add(time.Duration(n) * time.Minute),
		Extra:        map[string]secret.Secret{"id_token": secret.New(fmt.Sprintf("id-%d", n))},
	}
}

func equalTokens(a, b *Token) bool {
	if a.AccessToken.Reveal() != b.AccessToken.Reveal() || a.TokenType != b.TokenType ||
		a.RefreshToken.Reveal() != b.RefreshToken.Reveal() || !a.Expiry.Equal(b.Expiry) || len(a.Extra) != len(b.Extra) {
		return false
	}
	for k, v := range a.Extra {
		if b.Extra[k].Reveal() != v.Reveal() {
			return false
		}
	}
	return true
}

// testStoreCAS checks the TokenStore contract on a fresh store.
func testStoreCAS(t *testing.T, s TokenStore) {
	ctx := context.Background()
	if _, v, err := s.Load(ctx); !errors.Is(err, ErrNotFound) || v != NoVersion {
		t.Fatalf("empty Load = %v, %v; want ErrNotFound, NoVersion", v, err)
	}
	if _, err := s.Save(ctx, sampleToken(1), 7); !errors.Is(err, ErrConflict) {
		t.Fatalf("Save on empty store with a version: %v, want ErrConflict", err)
	}
	v1, err := s.Save(ctx, sampleToken(1), NoVersion)
	if err != nil {
		t.Fatal(err)
	}
	got, v, err := s.Load(ctx)
	if err != nil || v != v1 || !equalTokens(got, sampleToken(1)) {
		t.Fatalf("Load = %+v, %v, %v", got, v, err)
	}
	// A second writer that loaded v1 saves first; the first writer's save
	// must then fail instead of silently overwriting.
	v2, err := s.Save(ctx, sampleToken(2), v1)
	if err != nil || v2 == v1 {
		t.Fatalf("Save(v1) = %v, %v", v2, err)
	}
	if _, err := s.Save(ctx, sampleToken(3), v1); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale Save: %v, want ErrConflict", err)
	}
	if _, err := s.Save(ctx, sampleToken(3), NoVersion); !errors.Is(err, ErrConflict) {
		t.Fatalf("Save(NoVersion) over a token: %v, want ErrConflict", err)
	}
	got, _, _ = s.Load(ctx)
	if !equalTokens(got, sampleToken(2)) {
		t.Fatalf("after conflict the store holds %+v", got)
	}
	// Returned tokens are copies.
	got.Extra["id_token"] = secret.New("mutated")
	again, _, _ := s.Load(ctx)
	if again.Extra["id_token"].Reveal() != "id-2" {
		t.Error("Load returned a token aliasing the store")
	}
}

func TestMemoryStoreCAS(t *testing.T) { testStoreCAS(t, &MemoryStore{}) }

func TestFileStoreCAS(t *testing.T) {
	testStoreCAS(t, &FileStore{Path: filepath.Join(t.TempDir(), "sub", "token.json")})
}

// Concurrent savers from one version: exactly one wins.
func TestStoresOneWinnerPerVersion(t *testing.T) {
	for name, s := range map[string]TokenStore{
		"memory": &MemoryStore{},
		"file":   &FileStore{Path: filepath.Join(t.TempDir(), "t.json")},
	} {
		t.Run(name, func(t *testing.T) {
			var wins, conflicts atomic.Int32
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					_, err := s.Save(context.Background(), sampleToken(i), NoVersion)
					switch {
					case err == nil:
						wins.Add(1)
					case errors.Is(err, ErrConflict):
						conflicts.Add(1)
					default:
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if wins.Load() != 1 || conflicts.Load() != 19 {
				t.Errorf("wins %d conflicts %d; want 1 and 19", wins.Load(), conflicts.Load())
			}
		})
	}
}

// Readers racing writers always see a whole file, old or new: the rename
// is atomic.
func TestFileStoreAtomicUnderConcurrency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	w := &FileStore{Path: path}
	if _, err := w.Save(context.Background(), sampleToken(0), NoVersion); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			r := &FileStore{Path: path}
			var last Version
			for {
				select {
				case <-stop:
					return
				default:
				}
				tok, v, err := r.Load(context.Background())
				if err != nil {
					t.Errorf("Load during writes: %v", err)
					return
				}
				if v < last {
					t.Errorf("version went back from %d to %d", last, v)
				}
				want := fmt.Sprintf("access-%d", v-1)
				if tok.AccessToken.Reveal() != want {
					t.Errorf("version %d holds %q, want %q", v, tok.AccessToken.Reveal(), want)
				}
				last = v
			}
		})
	}
	v := Version(1)
	for i := 1; i <= 25; i++ {
		var err error
		if v, err = w.Save(context.Background(), sampleToken(i), v); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestFileStoreCorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.json")
	os.WriteFile(path, []byte(`{"version": 1, "token": {"access_token": "SECRET-IN-FILE`), 0o600)
	_, _, err := (&FileStore{Path: path}).Load(context.Background())
	if err == nil || strings.Contains(err.Error(), "SECRET-IN-FILE") {
		t.Fatalf("Load of a corrupt file: %v", err)
	}
}
