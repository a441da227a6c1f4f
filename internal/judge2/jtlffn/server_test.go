package jtlffn

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func postToken(t *testing.T, srv *httptest.Server, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("id", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A refresh token spent twice and the client_credentials grant are caught.
func TestJudgeCatches(t *testing.T) {
	j := New("id", "secret", "https://cb.example/", 0)
	srv := httptest.NewServer(j)
	defer srv.Close()
	code, err := j.Login("https://o.example/authorize?response_type=code&client_id=id&redirect_uri=https%3A%2F%2Fcb.example%2F&scope=ffn.merchant.read&state=s")
	if err != nil {
		t.Fatal(err)
	}
	if st := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://cb.example/"}}); st != 200 {
		t.Fatalf("exchange: %d", st)
	}
	rt := j.LiveRefreshTokens()[0]
	for i, want := range []int{200, 400} {
		if st := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}); st != want {
			t.Errorf("refresh %d: %d, want %d", i, st, want)
		}
	}
	if st := postToken(t, srv, url.Values{"grant_type": {"client_credentials"}}); st != 401 {
		t.Errorf("client_credentials: %d, want 401", st)
	}
	v := strings.Join(j.Violations(), "\n")
	if !strings.Contains(v, "spent twice") || !strings.Contains(v, "client_credentials") {
		t.Errorf("violations %q", v)
	}
}
