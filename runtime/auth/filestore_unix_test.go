//go:build unix

package auth

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/apigen-go/apigen/runtime/secret"
)

func TestFileStoreModeAndFormat(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "token.json")
	s := &FileStore{Path: path}
	v, err := s.Save(context.Background(), sampleToken(1), NoVersion)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(context.Background(), sampleToken(2), v); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	// Real values, explicitly revealed: never the redacting marshaller.
	for _, want := range []string{`"access_token": "access-2"`, `"refresh_token": "refresh-2"`, `"id_token": "id-2"`, `"version": 2`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("file lacks %s:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), secret.Redacted) {
		t.Errorf("file holds a redacted value:\n%s", data)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "token.json" && e.Name() != "token.json.lock" {
			t.Errorf("leftover file %s", e.Name())
		}
	}
}

// The compare-and-swap holds across processes: several copies of the
// test binary increment the same file, and no increment is lost.
func TestFileStoreCrossProcess(t *testing.T) {
	if path := os.Getenv("AUTH_FILESTORE_HELPER"); path != "" {
		n, _ := strconv.Atoi(os.Getenv("AUTH_FILESTORE_N"))
		s := &FileStore{Path: path}
		for done := 0; done < n; {
			_, v, err := s.Load(context.Background())
			if err != nil && !errors.Is(err, ErrNotFound) {
				t.Fatal(err)
			}
			_, err = s.Save(context.Background(), sampleToken(int(v)), v)
			switch {
			case err == nil:
				done++
			case !errors.Is(err, ErrConflict):
				t.Fatal(err)
			}
		}
		return
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "token.json")
	const procs, each = 3, 10
	var wg sync.WaitGroup
	for range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFileStoreCrossProcess$")
			cmd.Env = append(os.Environ(), "AUTH_FILESTORE_HELPER="+path, "AUTH_FILESTORE_N="+strconv.Itoa(each))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("helper: %v\n%s", err, out)
			}
		})
	}
	wg.Wait()
	_, v, err := (&FileStore{Path: path}).Load(context.Background())
	if err != nil || v != procs*each {
		t.Fatalf("final version %d, %v; want %d", v, err, procs*each)
	}
}
