package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Version identifies one stored state of a TokenStore. Stores choose the
// values (a counter, a Redis fencing token); callers only hand back what
// Load or Save returned. NoVersion stands for "nothing stored".
type Version uint64

// NoVersion is the version of an empty store.
const NoVersion Version = 0

// TokenStore persists a token between calls and across processes. Save is a
// compare-and-swap so that two writers cannot silently overwrite each
// other: a rotated refresh token is single-use, and losing the newest one
// means asking the user to authorize again.
//
// Implementations must be safe for concurrent use.
type TokenStore interface {
	// Load returns the stored token and its version, or ErrNotFound when
	// nothing is stored, still with the version Save expects (NoVersion
	// for a store never written).
	Load(ctx context.Context) (*Token, Version, error)
	// Save stores tok if the store is still at prev (NoVersion: still
	// empty) and returns the new version; otherwise it stores nothing and
	// returns ErrConflict.
	Save(ctx context.Context, tok *Token, prev Version) (Version, error)
}

// Leaser is implemented by stores shared between processes that can grant
// a time-limited exclusive lease (a Redis lock, say). Cache holds the lease
// across load, refresh and save, so that only one process spends a refresh
// token; Save's compare-and-swap remains the fencing check should a lease
// expire early.
type Leaser interface {
	Lease(ctx context.Context, ttl time.Duration) (release func(), err error)
}

// MemoryStore is a TokenStore in process memory: tokens survive a Cache
// being rebuilt, not a restart. The zero value is empty and ready.
type MemoryStore struct {
	mu sync.Mutex
	// tok is an atomic.Pointer although mu guards it: fmt never follows
	// it, whereas a plain unexported *Token is printed in full (secrets
	// included) when a bad verb such as %s meets the store.
	tok atomic.Pointer[Token]
	ver Version
}

// Load implements TokenStore.
func (m *MemoryStore) Load(ctx context.Context) (*Token, Version, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tok := m.tok.Load()
	if tok == nil {
		return nil, NoVersion, ErrNotFound
	}
	return tok.Clone(), m.ver, nil
}

// Save implements TokenStore.
func (m *MemoryStore) Save(ctx context.Context, tok *Token, prev Version) (Version, error) {
	if err := ctx.Err(); err != nil {
		return NoVersion, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ver != prev {
		return NoVersion, ErrConflict
	}
	m.tok.Store(tok.Clone())
	m.ver++
	return m.ver, nil
}
