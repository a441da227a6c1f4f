package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
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

// Leaser is implemented by stores shared between processes (FileStore on
// one machine, a Redis store across machines). Cache takes a lease around
// every load-refresh-save, so that one single-use refresh token is never
// sent twice, whoever holds it.
//
// Lease blocks until the caller holds the store's exclusive lease, or
// fails when ctx ends or the store's own timeout passes first. An
// implementation must guarantee that:
//   - at most one holder, in any process sharing the store, holds the
//     lease at a time while it is valid;
//   - a holder that dies frees the lease at once where the store can tell
//     (a flock dies with its process), and in any case once ttl has passed
//     since it was taken (stale-lease recovery);
//   - Save's compare-and-swap still rejects a holder whose lease expired
//     and whose token was replaced meanwhile (the fencing check).
type Leaser interface {
	Lease(ctx context.Context, ttl time.Duration) (Lease, error)
}

// Lease is one held lease of a Leaser's store.
type Lease interface {
	// MarkSpending records durably, before the request that spends
	// refreshToken is sent, that it is being spent. It fails with an error
	// wrapping ErrRefreshTokenLost when an earlier holder marked the same
	// refresh token and neither saved its successor nor cleared the mark:
	// that holder died after the provider may have rotated the token, so
	// sending it again would be a reuse (providers revoke the whole token
	// family for that). A successful Save of any token clears the mark.
	MarkSpending(ctx context.Context, refreshToken secret.Secret) error
	// ClearSpending removes the mark when the provider provably did not
	// take the refresh token (it answered with an error, or the request
	// was never written).
	ClearSpending(ctx context.Context) error
	// Release ends the lease. It is safe to call more than once.
	Release()
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
