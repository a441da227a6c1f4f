package pdfgenerator

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func sign(payload, secret string) string {
	enc := base64.RawURLEncoding.EncodeToString
	head := enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(payload))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(head))
	return head + "." + enc(mac.Sum(nil))
}

// TestJudgeCatchesBurstAndBadJWT: a JWT without exp, a long-lived one and
// three requests within a second are caught; the judge is not vacuous.
func TestJudgeCatchesBurstAndBadJWT(t *testing.T) {
	s := New(Config{APIKey: "k", APISecret: "s", Master: "m@example.com"})
	defer s.Close()
	get := func(payload string) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/api/v4/templates", nil)
		req.Header.Set("Authorization", "Bearer "+sign(payload, "s"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(`{"iss":"k","sub":"m@example.com"}`); got != http.StatusUnauthorized {
		t.Errorf("no exp: %d", got)
	}
	long := fmt.Sprintf(`{"iss":"k","sub":"m@example.com","exp":%d}`, time.Now().Add(time.Hour).Unix())
	codes := []int{get(long), get(long), get(long)}
	if codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusTooManyRequests {
		t.Errorf("burst answered %v; want 200 200 429", codes)
	}
	// no exp, three long-lived tokens, one burst
	if v := s.Violations(); len(v) != 5 {
		t.Errorf("violations %q", v)
	}
}
