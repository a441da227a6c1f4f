//go:build !unix

package auth

import "os"

// lockFile is a no-op where advisory file locks are not available: the
// FileStore's compare-and-swap then holds within one process only.
func lockFile(string) (unlock func(), err error) { return func() {}, nil }

// tryLock always succeeds where advisory file locks are not available:
// the lease then excludes nobody across processes, and the store's
// compare-and-swap is the only protection.
func tryLock(*os.File) (bool, error) { return true, nil }

func sameFile(f *os.File, path string) bool { return true }
