//go:build !unix

package auth

// lockFile is a no-op where advisory file locks are not available: the
// FileStore's compare-and-swap then holds within one process only.
func lockFile(string) (unlock func(), err error) { return func() {}, nil }
