package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileStore is a TokenStore in one JSON file, readable by its owner only
// (mode 0600). Every Save writes a temporary file beside it and renames it
// into place, so a crash leaves either the old token or the new one, never
// half of each. The file carries a counter that is the store's Version, so
// processes sharing the file detect each other's writes; on Unix an
// advisory lock on Path+".lock" makes the compare-and-swap atomic across
// processes too (elsewhere only within one process), and FileStore is a
// Leaser (see Lease), so that processes on one machine take turns to
// refresh. A file that cannot be read as a token file is an error naming
// it, never an empty store: treating it as empty would start a new login
// and spend nothing but the user's patience, or worse, a refresh token.
type FileStore struct {
	// Path is the token file. Its directory is created (0700) if missing.
	Path string
	// LeaseTimeout is the longest Lease waits for another holder; zero
	// means DefaultLeaseTimeout.
	LeaseTimeout time.Duration

	mu sync.Mutex // serialises Saves within this process
}

// fileDoc is the on-disk layout. Secrets are written through Reveal on
// purpose: secret.Secret marshals as "[REDACTED]".
type fileDoc struct {
	Version  Version      `json:"version"`
	Token    *StoredToken `json:"token"`
	Spending *spending    `json:"spending,omitempty"`
}

// Load implements TokenStore.
func (s *FileStore) Load(ctx context.Context) (*Token, Version, error) {
	doc, err := s.read()
	if err != nil {
		return nil, NoVersion, err
	}
	return doc.Token.Token(), doc.Version, nil
}

// Save implements TokenStore.
func (s *FileStore) Save(ctx context.Context, tok *Token, prev Version) (Version, error) {
	if err := ctx.Err(); err != nil {
		return NoVersion, err
	}
	if tok == nil {
		return NoVersion, errors.New("auth: file store: nil token")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return NoVersion, fmt.Errorf("auth: file store: %w", err)
	}
	unlock, err := lockFile(s.Path + ".lock")
	if err != nil {
		return NoVersion, fmt.Errorf("auth: file store: lock: %w", err)
	}
	defer unlock()

	cur, err := s.read()
	switch {
	case errors.Is(err, ErrNotFound):
		cur = &fileDoc{}
	case err != nil:
		return NoVersion, err
	}
	if cur.Version != prev {
		return NoVersion, ErrConflict
	}
	next := fileDoc{Version: cur.Version + 1, Token: NewStoredToken(tok)}
	data, err := json.MarshalIndent(next, "", "  ")
	if err != nil {
		return NoVersion, fmt.Errorf("auth: file store: %w", err)
	}
	if err := writeFileAtomic(s.Path, data); err != nil {
		return NoVersion, fmt.Errorf("auth: file store: %w", err)
	}
	return next.Version, nil
}

func (s *FileStore) read() (*fileDoc, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("auth: file store: %w", err)
	}
	var doc fileDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		// The error names a position only, never file content.
		return nil, fmt.Errorf("auth: file store: %s is not a token file: %w", s.Path, err)
	}
	if doc.Token == nil || doc.Token.AccessToken == "" {
		// Save never writes a file without a token: this one was cut
		// short or edited.
		return nil, fmt.Errorf("auth: file store: %s is not a token file: it holds no access token", s.Path)
	}
	return &doc, nil
}

// writeFileAtomic replaces path with data: temp file, fsync, rename, fsync
// of the directory, so that the rename itself survives a power loss.
func writeFileAtomic(path string, data []byte) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: not every platform can sync a directory
		d.Close()
	}
	return nil
}
