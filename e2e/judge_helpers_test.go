package e2e

import "testing"

// judgeServer is what every independent judge server offers a test.
type judgeServer interface {
	Violations() []string
	Close()
}

// judged reports the judge's violations as test errors and closes it when
// the test ends.
func judged(t *testing.T, srv judgeServer) {
	t.Helper()
	t.Cleanup(func() {
		for _, v := range srv.Violations() {
			t.Errorf("violation: %s", v)
		}
		srv.Close()
	})
}
