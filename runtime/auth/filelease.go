package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/runtime/secret"
)

var _ Leaser = (*FileStore)(nil)

// DefaultLeaseTimeout is how long FileStore.Lease waits for another holder
// when neither the context nor LeaseTimeout says otherwise.
const DefaultLeaseTimeout = 30 * time.Second

// leasePoll is how often a waiting Lease tries the lock again: a holder
// that exits or dies frees it within this delay.
const leasePoll = 5 * time.Millisecond

// spending is the mark MarkSpending leaves in the token file: which refresh
// token is being spent (as a hash), since when and by which process.
type spending struct {
	RefreshSHA256 string    `json:"refresh_sha256"`
	Since         time.Time `json:"since"`
	PID           int       `json:"pid"`
}

// Lease implements Leaser with an advisory lock (flock on Unix) on
// Path+".lease". The kernel drops the lock when its holder dies, so the
// others go on at once; a holder that lives but keeps the lease past ttl
// (stuck) is treated as stale: its lease file is removed and the lock
// taken on a new one, while Save's compare-and-swap still fences the old
// holder's writes. Lease waits at most LeaseTimeout (or until ctx ends).
// Where advisory locks are unavailable (not Unix) the lease excludes
// nobody and the compare-and-swap is the only protection.
func (s *FileStore) Lease(ctx context.Context, ttl time.Duration) (Lease, error) {
	if ttl <= 0 {
		return nil, fmt.Errorf("auth: file store %s: lease ttl %s must be positive", s.Path, ttl)
	}
	timeout := s.LeaseTimeout
	if timeout <= 0 {
		timeout = DefaultLeaseTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return nil, fmt.Errorf("auth: file store: %w", err)
	}
	path := s.Path + ".lease"
	for {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("auth: file store: lease: %w", err)
		}
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("auth: file store: lease %s: %w", path, err)
		}
		if ok && sameFile(f, path) {
			// Who holds it until when, for a waiter to judge staleness.
			f.Truncate(0)
			f.WriteAt([]byte(fmt.Sprintf("%d %d\n", os.Getpid(), time.Now().Add(ttl).UnixNano())), 0)
			return &fileLease{s: s, f: f}, nil
		}
		holder, expires := readLeaseFile(f)
		f.Close() // also drops a lock on a file that was replaced
		if !ok && !expires.IsZero() && time.Now().After(expires) {
			// Held past its ttl by a live but stuck process.
			os.Remove(path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("auth: file store: lease %s still held by process %d: %w", path, holder, ctx.Err())
		case <-time.After(leasePoll):
		}
	}
}

func readLeaseFile(f *os.File) (pid int, expires time.Time) {
	buf := make([]byte, 64)
	n, _ := f.ReadAt(buf, 0)
	fields := strings.Fields(string(buf[:n]))
	if len(fields) != 2 {
		return 0, time.Time{}
	}
	pid, _ = strconv.Atoi(fields[0])
	ns, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil {
		return pid, time.Time{}
	}
	return pid, time.Unix(0, ns)
}

// fileLease is one held lease of a FileStore.
type fileLease struct {
	s    *FileStore
	f    *os.File
	once sync.Once
}

func refreshHash(rt secret.Secret) string {
	sum := sha256.Sum256([]byte(rt.Reveal()))
	return hex.EncodeToString(sum[:16])
}

// MarkSpending implements Lease: the mark goes into the token file itself,
// so it is replaced by the Save of the successor, atomically.
func (l *fileLease) MarkSpending(ctx context.Context, rt secret.Secret) error {
	hash := refreshHash(rt)
	return l.s.update(func(doc *fileDoc) error {
		if m := doc.Spending; m != nil && m.RefreshSHA256 == hash {
			return fmt.Errorf("auth: file store %s: process %d began spending this refresh token at %s and never saved its successor: %w",
				l.s.Path, m.PID, m.Since.UTC().Format(time.RFC3339), ErrRefreshTokenLost)
		}
		doc.Spending = &spending{RefreshSHA256: hash, Since: time.Now(), PID: os.Getpid()}
		return nil
	})
}

// ClearSpending implements Lease.
func (l *fileLease) ClearSpending(ctx context.Context) error {
	return l.s.update(func(doc *fileDoc) error {
		doc.Spending = nil
		return nil
	})
}

// Release implements Lease.
func (l *fileLease) Release() {
	l.once.Do(func() { l.f.Close() }) // closing the descriptor drops the flock
}

// update rewrites the token file through change, keeping its version:
// marks are not tokens, and a Save based on the version loaded before
// must still succeed. A missing file is left alone.
func (s *FileStore) update(change func(*fileDoc) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := lockFile(s.Path + ".lock")
	if err != nil {
		return fmt.Errorf("auth: file store: lock: %w", err)
	}
	defer unlock()
	doc, err := s.read()
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := change(doc); err != nil {
		return err
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: file store: %w", err)
	}
	if err := writeFileAtomic(s.Path, data); err != nil {
		return fmt.Errorf("auth: file store: %w", err)
	}
	return nil
}
