package e2e

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/apigen-go/apigen/generated/jtlffn"
	fake "github.com/apigen-go/apigen/internal/fakes/jtlffn"
	"github.com/apigen-go/apigen/runtime/auth"
)

// TestClientAtATestServerDialsNoOtherHost: JTL-FFN's OAuth server is
// another host (an operation-level server and the token endpoint). A
// client given the fake's URL, without WithAuthServer, must send the
// token exchange and every call to the fake: its transport refuses to
// dial anything else.
func TestClientAtATestServerDialsNoOtherHost(t *testing.T) {
	e := jtlffnSetup(t, nil)
	want := e.srv.Listener.Addr().String()
	var mu sync.Mutex
	var dialled []string
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dialled = append(dialled, addr)
		mu.Unlock()
		if addr != want {
			return nil, &net.AddrError{Err: "test refuses to dial another host", Addr: addr}
		}
		return d.DialContext(ctx, network, addr)
	}
	c, err := jtlffn.New(e.srv.URL+"/api", jtlffn.WithCredentials(e.creds()), jtlffn.WithTokenStore(&auth.MemoryStore{}),
		jtlffn.WithScopes(fake.ScopeFulfillerRead, fake.ScopeFulfillerWrite), jtlffn.WithClock(e.clk), jtlffn.WithInsecureHTTP(),
		jtlffn.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.AuthCodeURL("s")
	if err != nil {
		t.Fatal(err)
	}
	if au, _ := url.Parse(u); au.Host != want {
		t.Fatalf("AuthCodeURL = %s, want the test server", u)
	}
	e.login(c) // the token exchange
	if _, err := c.GetCurrentUser(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialled) == 0 {
		t.Fatal("nothing dialled")
	}
	for _, a := range dialled {
		if a != want {
			t.Errorf("dialled %s, want only the test server %s", a, want)
		}
	}
}
