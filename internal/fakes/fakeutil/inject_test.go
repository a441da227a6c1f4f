package fakeutil

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestInjectionsServeInOrderByPath(t *testing.T) {
	var in Injections
	in.Response("/orders", 502, http.Header{"Retry-After": {"1"}}, "<html>bad gateway</html>")
	in.Status(1, 429, nil)
	writeError := func(w http.ResponseWriter, _ *http.Request, status int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(`{"error":"provider"}`))
	}
	serve := func(path string) (*httptest.ResponseRecorder, bool) {
		w := httptest.NewRecorder()
		return w, in.Serve(w, httptest.NewRequest(http.MethodGet, path, nil), writeError)
	}
	// /items skips the injection for /orders and takes the status one.
	if w, ok := serve("/items"); !ok || w.Code != 429 || w.Body.String() != `{"error":"provider"}` {
		t.Fatalf("/items: served %v, %d %q; want the queued 429 with the provider's body", ok, w.Code, w.Body)
	}
	w, ok := serve("/orders/7")
	if !ok || w.Code != 502 || w.Header().Get("Retry-After") != "1" || w.Body.String() != "<html>bad gateway</html>" || w.Header().Get("Content-Type") != "" {
		t.Fatalf("/orders/7: served %v, %d %v %q; want the canned 502 verbatim", ok, w.Code, w.Header(), w.Body)
	}
	if _, ok := serve("/orders"); ok {
		t.Fatal("an injection answered twice")
	}
}
