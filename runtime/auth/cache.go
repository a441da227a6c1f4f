package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/apigen-go/apigen/runtime/clock"
	"github.com/apigen-go/apigen/runtime/secret"
)

// Cache is a TokenSource that reuses the token of a Flow until shortly
// before it expires, like oauth2.ReuseTokenSource, and adds what that one
// lacks:
//
//   - however many goroutines ask for an expired token, exactly one fetch
//     runs (single-flight); the hot path is one atomic load, and no lock is
//     held across network I/O except the one serialising fetches;
//   - Invalidate and InvalidateToken forget a token the API rejected, so a
//     401 costs exactly one refresh;
//   - tokens are loaded from and saved to a TokenStore with
//     compare-and-swap; a new token is saved before it is returned, so a
//     rotated single-use refresh token is never used before it is safe on
//     disk;
//   - a refresh answer without a refresh token keeps the old one (Foxdeli);
//   - a refused refresh token falls back to a new grant when the flow can do
//     one, and otherwise fails with ErrAuthorizationRequired.
//
// Set the fields before first use; a Cache must not be copied after.
type Cache struct {
	// Flow fetches tokens. Required.
	Flow Flow
	// Store persists tokens; nil keeps them in memory only.
	Store TokenStore
	// Skew is how long before Expiry a token counts as expired. Zero means
	// 10% of the token's remaining lifetime when received, at most 30 s;
	// a negative value means no margin.
	Skew time.Duration
	// Clock tells the time; nil means the wall clock.
	Clock clock.Clock
	// FetchTimeout bounds one fetch (load, refresh, save). A fetch runs
	// detached from the context of the caller that started it, so that one
	// caller giving up does not fail the others waiting on the same fetch.
	// Zero means one minute.
	FetchTimeout time.Duration
	// MaxBackoff caps the backoff opened by failed fetches (1 s, doubling),
	// during which Token returns the last error at once without asking the
	// endpoint. Zero means one minute, the limiter's default maxWait.
	MaxBackoff time.Duration
	// OnRefresh, if set, is called with every token the Flow returned,
	// after it was saved and before it is handed out. It must not block.
	OnRefresh func(ctx context.Context, tok *Token)

	state   atomic.Pointer[cacheState]
	mu      sync.Mutex // serialises writers of state
	fetchMu sync.Mutex // serialises fetch and SetToken
	flight  singleflight.Group
	failed  failGate
}

var (
	_ TokenSource      = (*Cache)(nil)
	_ TokenInvalidator = (*Cache)(nil)
)

// cacheState is replaced whole, never modified, so that the hot path can
// read it without a lock.
type cacheState struct {
	tok     *Token
	ver     Version
	skew    time.Duration
	invalid bool // rejected by the API; kept for its refresh token
	unsaved bool // obtained but not yet in the Store: must not be used
}

func (s *cacheState) usable(now time.Time) bool {
	return s != nil && !s.invalid && !s.unsaved && s.tok.Valid(now, s.skew)
}

const (
	defaultMaxSkew      = 30 * time.Second
	defaultFetchTimeout = time.Minute
)

// Token implements TokenSource. The token returned is shared: do not
// modify it.
func (c *Cache) Token(ctx context.Context) (*Token, error) {
	if st := c.state.Load(); st.usable(c.now()) {
		return st.tok, nil
	}
	if err := c.failed.blocked(c.now()); err != nil {
		return nil, err
	}
	ch := c.flight.DoChan("token", func() (any, error) {
		// Looked at again inside the flight: a flight that failed just
		// before this one started has opened a backoff.
		if err := c.failed.blocked(c.now()); err != nil {
			return nil, err
		}
		timeout := c.FetchTimeout
		if timeout <= 0 {
			timeout = defaultFetchTimeout
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		tok, err := c.fetch(fctx, timeout)
		if st := c.state.Load(); err == nil || st == nil || !st.unsaved {
			// (A token obtained but not saved is saved by the next
			// fetch, without a request: no reason to wait.)
			c.failed.record(err, c.now(), c.MaxBackoff)
		}
		return tok, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Token), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Invalidate forgets the current token, whatever it is, so that the next
// Token call fetches a new one. Its refresh token is still used.
func (c *Cache) Invalidate() { c.invalidate(nil) }

// InvalidateToken forgets rejected if it is still the current token. Many
// requests that failed with the same token thus cause one refresh, and a
// late 401 cannot discard the token that replaced it.
func (c *Cache) InvalidateToken(rejected *Token) {
	if rejected != nil {
		c.invalidate(rejected)
	}
}

func (c *Cache) invalidate(rejected *Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.state.Load()
	if st == nil || st.invalid || (rejected != nil && !sameAccess(st.tok, rejected)) {
		return
	}
	n := *st
	n.invalid = true
	c.state.Store(&n)
}

// SetToken makes tok the current token and saves it to the Store: the way
// in for a token from AuthorizationCode.Exchange, or for credentials
// renewed by hand. It overwrites what is stored, but still fails with
// ErrConflict if another writer saves between its load and its save.
func (c *Cache) SetToken(ctx context.Context, tok *Token) error {
	if tok == nil || tok.AccessToken.IsZero() {
		return errors.New("auth: SetToken: empty token")
	}
	tok = tok.Clone()
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	ver := NoVersion
	if c.Store != nil {
		_, v, err := c.Store.Load(ctx)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("auth: load token: %w", err)
		}
		if ver, err = c.Store.Save(ctx, tok, v); err != nil {
			return fmt.Errorf("auth: save token: %w", err)
		}
	}
	c.publish(tok, ver, false)
	c.failed.record(nil, c.now(), 0) // new credentials: no backoff
	return nil
}

// fetch runs at most once at a time (single-flight), and never beside
// SetToken.
func (c *Cache) fetch(ctx context.Context, lease time.Duration) (*Token, error) {
	if c.Flow == nil {
		return nil, errors.New("auth: Cache.Flow is not set")
	}
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()

	// A caller may have missed the hot path just as the previous fetch
	// finished: then there is nothing to do.
	st := c.state.Load()
	if st.usable(c.now()) {
		return st.tok, nil
	}
	var held Lease
	if l, ok := c.Store.(Leaser); ok {
		var err error
		if held, err = l.Lease(ctx, lease); err != nil {
			return nil, fmt.Errorf("auth: token store lease: %w", err)
		}
		defer held.Release()
	}
	if st != nil && st.unsaved {
		// The last new token could not be saved. It may carry the only
		// valid refresh token, so saving it comes before anything else.
		return c.commit(ctx, st.tok, st.ver, nil)
	}

	var rejected, base *Token
	ver := NoVersion
	if st != nil {
		base, ver = st.tok, st.ver
		if st.invalid {
			rejected = st.tok
		}
	}
	if c.Store != nil {
		stored, v, err := c.Store.Load(ctx)
		switch {
		case errors.Is(err, ErrNotFound):
			ver = v
		case err != nil:
			return nil, fmt.Errorf("auth: load token: %w", err)
		default:
			ver, base = v, stored
			now := c.now()
			// Stored by another process, or by this one before a restart.
			if !sameAccess(stored, rejected) && stored.Valid(now, c.skewFor(stored, now)) {
				c.publish(stored, v, false)
				return stored, nil
			}
		}
	}

	tok, err := c.obtain(ctx, base, held)
	if err != nil {
		return nil, err
	}
	return c.commit(ctx, tok, ver, rejected)
}

// obtain refreshes base when it has a refresh token, else runs the grant,
// and insists on a usable answer.
func (c *Cache) obtain(ctx context.Context, base *Token, held Lease) (*Token, error) {
	tok, err := c.obtainRaw(ctx, base, held)
	if err == nil && (tok == nil || tok.AccessToken.IsZero()) {
		err = errors.New("auth: flow returned an empty token")
	}
	return tok, err
}

func (c *Cache) obtainRaw(ctx context.Context, base *Token, held Lease) (*Token, error) {
	if base == nil || base.RefreshToken.IsZero() {
		return c.Flow.Grant(ctx)
	}
	tok, err := c.refresh(ctx, base.RefreshToken, held)
	if errors.Is(err, ErrRefreshTokenLost) {
		return nil, err
	}
	if err == nil {
		if tok != nil && tok.RefreshToken.IsZero() {
			// Not rotated: the old refresh token stays valid.
			tok.RefreshToken = base.RefreshToken
		}
		return tok, nil
	}
	var re *RetrieveError
	if !errors.As(err, &re) {
		// No answer from the server: the refresh token may still be good,
		// and a grant would likely fail the same way.
		return nil, err
	}
	tok, gerr := c.Flow.Grant(ctx)
	switch {
	case errors.Is(gerr, ErrAuthorizationRequired):
		return nil, fmt.Errorf("%w: the refresh token was refused: %w", ErrAuthorizationRequired, err)
	case gerr != nil:
		return nil, fmt.Errorf("auth: the refresh token was refused (%w) and a new grant failed: %w", err, gerr)
	}
	return tok, nil
}

// refresh spends refreshToken. Under a lease, the spending is marked in
// the store first, so that should this process die before saving the
// successor, no other process sends the same refresh token again; the mark
// is cleared when the refresh fails, and by the Save of its successor.
func (c *Cache) refresh(ctx context.Context, refreshToken secret.Secret, held Lease) (*Token, error) {
	if held == nil {
		return c.Flow.Refresh(ctx, refreshToken)
	}
	if err := held.MarkSpending(ctx, refreshToken); err != nil {
		if errors.Is(err, ErrRefreshTokenLost) {
			return nil, err
		}
		return nil, fmt.Errorf("auth: token store: %w", err)
	}
	tok, err := c.Flow.Refresh(ctx, refreshToken)
	if err != nil {
		// This process lives to decide what comes next, as it did without
		// a lease; the mark is for holders that die mid-refresh.
		if cerr := held.ClearSpending(ctx); cerr != nil {
			return nil, fmt.Errorf("auth: token store: %w (after the refresh failed: %w)", cerr, err)
		}
	}
	return tok, err
}

// commit saves tok (compare-and-swap against ver) and only then publishes
// it. On a conflict another writer's usable token wins; ours is dropped,
// which is safe because the server issued both.
func (c *Cache) commit(ctx context.Context, tok *Token, ver Version, rejected *Token) (*Token, error) {
	if c.Store != nil {
		v, err := c.Store.Save(ctx, tok, ver)
		if errors.Is(err, ErrConflict) {
			stored, v2, lerr := c.Store.Load(ctx)
			now := c.now()
			switch {
			case lerr == nil && !sameAccess(stored, rejected) && stored.Valid(now, c.skewFor(stored, now)):
				c.publish(stored, v2, false)
				return stored, nil
			case lerr == nil || errors.Is(lerr, ErrNotFound):
				v, err = c.Store.Save(ctx, tok, v2)
			default:
				err = lerr
			}
		}
		if err != nil {
			// Keep it, unusable, so the next fetch saves it instead of
			// spending the refresh token it replaced.
			c.publish(tok, ver, true)
			return nil, fmt.Errorf("auth: save token: %w", err)
		}
		ver = v
	}
	c.publish(tok, ver, false)
	if c.OnRefresh != nil {
		c.OnRefresh(ctx, tok)
	}
	return tok, nil
}

func (c *Cache) publish(tok *Token, ver Version, unsaved bool) {
	now := c.now()
	c.mu.Lock()
	c.state.Store(&cacheState{tok: tok, ver: ver, skew: c.skewFor(tok, now), unsaved: unsaved})
	c.mu.Unlock()
}

// skewFor is the early-expiry margin for tok, received at now.
func (c *Cache) skewFor(tok *Token, now time.Time) time.Duration {
	switch {
	case c.Skew < 0:
		return 0
	case c.Skew > 0:
		return c.Skew
	case tok.Expiry.IsZero():
		return 0
	}
	return min(defaultMaxSkew, tok.Expiry.Sub(now)/10)
}

func (c *Cache) now() time.Time { return clock.Or(c.Clock).Now() }
