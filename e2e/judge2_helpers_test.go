package e2e

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/apigen-go/apigen/runtime/apierror"
)

// judge2Verdict fails the test, when it ends, with every violation of the
// provider's documentation the independent judge recorded.
func judge2Verdict(t *testing.T, j interface{ Violations() []string }) {
	t.Helper()
	t.Cleanup(func() {
		for _, v := range j.Violations() {
			t.Errorf("judge: %s", v)
		}
	})
}

// judge2WantAPIError asserts err is an APIError with status whose text names
// the operation (by operationId or Go name, case aside), the status and each
// of texts from the provider's body.
func judge2WantAPIError(t *testing.T, err error, operation string, status int, texts ...string) *apierror.APIError {
	t.Helper()
	var apiErr *apierror.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
		t.Fatalf("%s = %v, want an APIError with status %d", operation, err, status)
	}
	msg := err.Error()
	if !strings.Contains(strings.ToLower(msg), strings.ToLower(operation)) {
		t.Errorf("error %q should name the operation %s", msg, operation)
	}
	for _, want := range append([]string{strconv.Itoa(status)}, texts...) {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q should contain %q", msg, want)
		}
	}
	return apiErr
}

// countPrefix counts the judge's requests that start with prefix.
func countPrefix(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// judge2Strict skips a check of a reading the docs leave ambiguous unless
// APIGEN_JUDGE_STRICT=1; why quotes the passage.
func judge2Strict(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("APIGEN_JUDGE_STRICT") != "1" {
		t.Skip("ambiguous docs (" + why + "); set APIGEN_JUDGE_STRICT=1")
	}
}
