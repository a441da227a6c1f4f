package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

// TokenStore is an auth.TokenStore and auth.Leaser in Redis, shared by
// every process of a service: an auth.Cache using it refreshes a token in
// one process at a time, and the others wait for the lease and then read
// the token it saved. A rotated single-use refresh token is thus sent
// once, whichever replica needs it first.
//
// The lease expires (a crashed holder frees it) and carries a fencing
// token: every lease gets the next number of a counter, and Save from a
// lease holder succeeds only while its number is still the newest. A
// holder that stalled past its lease (a paused VM, a stop-the-world
// pause) and comes back is refused with an error wrapping auth.ErrConflict
// and reads the newer token instead of overwriting it.
//
// Tokens are stored in clear in Redis (protect it like the provider
// credentials), never logged, and errors never contain them. When Redis
// cannot be reached every method fails with an error wrapping
// ErrUnavailable: auth.Cache then fails the request instead of starting a
// new authorization.
type TokenStore struct {
	// LeaseTTL, when positive, replaces the lease duration auth.Cache asks
	// for (its FetchTimeout): how long the others wait for a holder that
	// vanished.
	LeaseTTL time.Duration

	rdb  redis.UniversalClient
	keys keyspace

	mu    sync.Mutex
	fence int64 // fencing token of the lease held, 0 when none
}

var (
	_ auth.TokenStore = (*TokenStore)(nil)
	_ auth.Leaser     = (*TokenStore)(nil)
)

// NewTokenStore returns the token store of the client called name (for
// example "raynet:acme"): processes using the same name share its token.
func NewTokenStore(rdb redis.UniversalClient, name string) (*TokenStore, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: NewTokenStore: nil Redis client")
	}
	ks, err := newKeyspace(name)
	if err != nil {
		return nil, err
	}
	return &TokenStore{rdb: rdb, keys: ks}, nil
}

func (s *TokenStore) tokenKey() string { return s.keys.key("token") }
func (s *TokenStore) leaseKey() string { return s.keys.key("lease") }
func (s *TokenStore) fenceKey() string { return s.keys.key("fence") }

// allKeys returns every key the store's scripts touch, for the slot test.
func (s *TokenStore) allKeys() []string {
	return []string{s.tokenKey(), s.leaseKey(), s.fenceKey()}
}

// Load implements auth.TokenStore.
func (s *TokenStore) Load(ctx context.Context) (*auth.Token, auth.Version, error) {
	vals, err := s.rdb.HMGet(ctx, s.tokenKey(), "v", "data").Result()
	if err != nil {
		return nil, auth.NoVersion, s.fail("load the token", s.tokenKey(), err)
	}
	ver, data := vals[0], vals[1]
	if ver == nil || data == nil {
		return nil, auth.NoVersion, auth.ErrNotFound
	}
	v, err := parseVersion(ver)
	if err != nil {
		return nil, auth.NoVersion, fmt.Errorf("redisstore: key %s is not a token store: field v: %w", s.tokenKey(), err)
	}
	var st auth.StoredToken
	if err := json.Unmarshal([]byte(fmt.Sprint(data)), &st); err != nil {
		// The error names a position only, never the content.
		return nil, auth.NoVersion, fmt.Errorf("redisstore: key %s is not a token store: field data: %w", s.tokenKey(), err)
	}
	return st.Token(), v, nil
}

func parseVersion(v any) (auth.Version, error) {
	var n uint64
	if _, err := fmt.Sscan(fmt.Sprint(v), &n); err != nil {
		return auth.NoVersion, errors.New("not a version number")
	}
	return auth.Version(n), nil
}

// saveScript is the compare-and-swap of Save plus the fencing check:
// a lease holder (ARGV[3] > 0) may write only while its fencing token is
// the newest one issued.
var saveScript = redis.NewScript(`
local fence = tonumber(ARGV[3])
if fence > 0 then
  local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
  if newest ~= fence then return {-1, newest} end
end
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return {0, v} end
v = v + 1
redis.call('HSET', KEYS[1], 'v', v, 'data', ARGV[2])
redis.call('HDEL', KEYS[1], 'spending')
return {1, v}
`)

// Save implements auth.TokenStore.
func (s *TokenStore) Save(ctx context.Context, tok *auth.Token, prev auth.Version) (auth.Version, error) {
	if tok == nil {
		return auth.NoVersion, errors.New("redisstore: save: nil token")
	}
	data, err := json.Marshal(auth.NewStoredToken(tok))
	if err != nil {
		return auth.NoVersion, fmt.Errorf("redisstore: save: %w", err)
	}
	s.mu.Lock()
	fence := s.fence
	s.mu.Unlock()
	res, err := saveScript.Run(ctx, s.rdb, []string{s.tokenKey(), s.fenceKey()}, uint64(prev), data, fence).Int64Slice()
	if err != nil {
		return auth.NoVersion, s.fail("save the token", s.tokenKey(), err)
	}
	switch res[0] {
	case -1:
		return auth.NoVersion, fmt.Errorf("redisstore: token lease %d was taken over by lease %d (this process stalled past its lease): %w", fence, res[1], auth.ErrConflict)
	case 0:
		return auth.NoVersion, auth.ErrConflict
	}
	return auth.Version(res[1]), nil
}

// leaseScript takes the lease when it is free: the next fencing token
// becomes its value. Otherwise it returns how long the lease has left.
var leaseScript = redis.NewScript(`
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'string' then
  return redis.error_reply('WRONGTYPE the lease key holds a ' .. kind)
end
local left = redis.call('PTTL', KEYS[1])
if left == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if left >= 0 then return {0, left} end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return {1, fence}
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
`)

// leasePoll is the longest a waiter sleeps between two looks at a lease.
const leasePoll = 20 * time.Millisecond

// Lease implements auth.Leaser: it waits until no other process holds the
// lease, or ctx ends, and takes it for ttl (or LeaseTTL).
func (s *TokenStore) Lease(ctx context.Context, ttl time.Duration) (auth.Lease, error) {
	if s.LeaseTTL > 0 {
		ttl = s.LeaseTTL
	}
	ttl = max(ttl, time.Millisecond)
	keys := []string{s.leaseKey(), s.fenceKey()}
	for {
		res, err := leaseScript.Run(ctx, s.rdb, keys, ttl.Milliseconds()).Int64Slice()
		if err != nil {
			return nil, s.fail("take the token lease", s.leaseKey(), err)
		}
		if res[0] == 1 {
			s.mu.Lock()
			s.fence = res[1]
			s.mu.Unlock()
			return &lease{s: s, fence: res[1]}, nil
		}
		left := time.Duration(res[1]) * time.Millisecond
		wait := min(left, leasePoll)
		wait += rand.N(wait/4 + 1) // waiters of several processes spread out
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("redisstore: waiting for the token lease another process holds (%s left): %w", left.Round(time.Millisecond), ctx.Err())
		case <-t.C:
		}
	}
}

// lease is one held lease; fence is its fencing token.
type lease struct {
	s     *TokenStore
	fence int64
	once  sync.Once
}

// markScript marks a refresh token (by its SHA-256, never the token) as
// being spent, unless an earlier holder marked the same one and neither
// saved nor cleared: then it may be spent already.
var markScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(ARGV[1]) then return -1 end
if redis.call('HGET', KEYS[1], 'spending') == ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'spending', ARGV[2])
return 1
`)

var clearScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[2]) or '0') ~= tonumber(ARGV[1]) then return -1 end
redis.call('HDEL', KEYS[1], 'spending')
return 1
`)

// MarkSpending implements auth.Lease.
func (l *lease) MarkSpending(ctx context.Context, refreshToken secret.Secret) error {
	sum := sha256.Sum256([]byte(refreshToken.Reveal()))
	n, err := markScript.Run(ctx, l.s.rdb, []string{l.s.tokenKey(), l.s.fenceKey()}, l.fence, hex.EncodeToString(sum[:])).Int64()
	switch {
	case err != nil:
		return l.s.fail("mark the refresh token as being spent", l.s.tokenKey(), err)
	case n == -1:
		return l.lost()
	case n == 0:
		return fmt.Errorf("redisstore: %s: %w", l.s.tokenKey(), auth.ErrRefreshTokenLost)
	}
	return nil
}

// ClearSpending implements auth.Lease.
func (l *lease) ClearSpending(ctx context.Context) error {
	n, err := clearScript.Run(ctx, l.s.rdb, []string{l.s.tokenKey(), l.s.fenceKey()}, l.fence).Int64()
	switch {
	case err != nil:
		return l.s.fail("clear the refresh token mark", l.s.tokenKey(), err)
	case n == -1:
		return l.lost()
	}
	return nil
}

func (l *lease) lost() error {
	return fmt.Errorf("redisstore: token lease %d expired and was taken over (this process stalled past its lease): %w", l.fence, auth.ErrConflict)
}

// Release implements auth.Lease.
func (l *lease) Release() { l.once.Do(func() { l.s.release(l.fence) }) }

func (s *TokenStore) release(fence int64) {
	s.mu.Lock()
	if s.fence == fence {
		s.fence = 0
	}
	s.mu.Unlock()
	// Best effort, on a context of its own: the fetch's may be done. An
	// unreleased lease expires by itself.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	releaseScript.Run(ctx, s.rdb, []string{s.leaseKey()}, fence)
}

// fail turns a Redis error into one that says what failed and where.
func (s *TokenStore) fail(what, key string, err error) error {
	err = classify(err)
	if isWrongType(err) {
		return fmt.Errorf("redisstore: %s: key %s holds a value of another type, not written by this store: %w", what, key, err)
	}
	return fmt.Errorf("redisstore: %s (key %s): %w", what, key, err)
}

func isWrongType(err error) bool {
	return err != nil && strings.Contains(err.Error(), "WRONGTYPE")
}
