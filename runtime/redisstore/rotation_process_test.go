package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/apigen-go/apigen/runtime/auth"
	"github.com/apigen-go/apigen/runtime/secret"
)

func init() {
	children["token-user"] = tokenUser
}

// rotatingAS is a token endpoint with single-use rotating refresh tokens
// that revokes the whole family when a refresh token is used twice
// (RFC 6819 §5.2.2.3, as JTL-FFN does), and an API that accepts only the
// current access token.
type rotatingAS struct {
	ttl time.Duration

	mu        sync.Mutex
	current   string // refresh token
	access    string
	expires   time.Time
	used      map[string]bool
	rotations int
	requests  int
	reuses    int
	revoked   bool
	target    int
}

func (s *rotatingAS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/token":
		s.requests++
		rt := r.FormValue("refresh_token")
		switch {
		case s.revoked:
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		case s.used[rt]:
			s.reuses++
			s.revoked = true
			http.Error(w, `{"error":"invalid_grant","error_description":"refresh token reused: family revoked"}`, http.StatusBadRequest)
		case rt != s.current:
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		default:
			s.used[rt] = true
			s.rotations++
			s.current = fmt.Sprintf("refresh-%d", s.rotations)
			s.access = fmt.Sprintf("access-%d", s.rotations)
			s.expires = time.Now().Add(s.ttl)
			json.NewEncoder(w).Encode(map[string]any{"access_token": s.access, "refresh_token": s.current, "expires_in_ms": s.ttl.Milliseconds()})
		}
	case "/api":
		if s.revoked || r.Header.Get("Authorization") != "Bearer "+s.access {
			w.WriteHeader(http.StatusUnauthorized)
		}
	case "/done":
		if s.rotations >= s.target || s.revoked {
			w.WriteHeader(http.StatusGone)
		}
	}
}

// httpRefresh is the children's flow: a refresh spends the refresh token
// at the fake's /token.
type httpRefresh struct{ base string }

func (f httpRefresh) Grant(context.Context) (*auth.Token, error) {
	return nil, auth.ErrAuthorizationRequired
}

func (f httpRefresh) Refresh(ctx context.Context, rt secret.Secret) (*auth.Token, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", f.base+"/token", nil)
	req.URL.RawQuery = url.Values{"refresh_token": {rt.Reveal()}}.Encode()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, &auth.RetrieveError{StatusCode: resp.StatusCode, ErrorCode: "invalid_grant"}
	}
	var body struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
		TTL     int64  `json:"expires_in_ms"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	return &auth.Token{
		AccessToken: secret.New(body.Access), RefreshToken: secret.New(body.Refresh),
		Expiry: time.Now().Add(time.Duration(body.TTL) * time.Millisecond),
	}, nil
}

// tokenUser calls the API with the shared token until the fake says done.
func tokenUser() error {
	ctx, cancel := childContext()
	defer cancel()
	base := os.Getenv("AS_URL")
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	s, err := NewTokenStore(rdb, os.Getenv("STORE_NAME"))
	if err != nil {
		return err
	}
	s.LeaseTTL = 5 * time.Second
	c := &auth.Cache{Flow: httpRefresh{base: base}, Store: s, Skew: -1}
	calls := 0
	for ctx.Err() == nil {
		if resp, err := http.Get(base + "/done"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusGone {
				fmt.Printf("calls %d\n", calls)
				return nil
			}
		}
		tok, err := c.Token(ctx)
		if err != nil {
			return err
		}
		req, _ := http.NewRequest("GET", base+"/api", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken.Reveal())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			c.InvalidateToken(tok)
		}
		calls++
		time.Sleep(2 * time.Millisecond)
	}
	return ctx.Err()
}

// Four processes share one rotating single-use refresh token through 50
// refreshes: never a reuse, exactly one refresh request per rotation, and
// the last token is the one stored.
func TestFourProcessesShareRotatingRefreshToken(t *testing.T) {
	ctx := context.Background()
	rdb := sharedRedis(t)
	name := uniqueName(t)
	as := &rotatingAS{ttl: 40 * time.Millisecond, current: "refresh-0", access: "access-0", used: map[string]bool{}, target: 50}
	srv := httptest.NewServer(as)
	defer srv.Close()
	s, _ := NewTokenStore(rdb, name)
	seed := &auth.Token{AccessToken: secret.New("access-0"), RefreshToken: secret.New("refresh-0"), Expiry: time.Now().Add(as.ttl)}
	if _, err := s.Save(ctx, seed, auth.NoVersion); err != nil {
		t.Fatal(err)
	}
	var kids []*child
	for range 4 {
		kids = append(kids, startChild(t, "token-user", "AS_URL="+srv.URL, "REDIS_ADDR="+rdb.Options().Addr, "STORE_NAME="+name))
	}
	for _, k := range kids {
		k.expect(t, "calls", 60*time.Second)
		k.wait(t, 10*time.Second)
	}
	as.mu.Lock()
	defer as.mu.Unlock()
	if as.reuses != 0 || as.revoked {
		t.Fatalf("%d refresh token reuses; the family was revoked", as.reuses)
	}
	if as.rotations < as.target {
		t.Fatalf("%d rotations, want %d", as.rotations, as.target)
	}
	if as.requests != as.rotations {
		t.Errorf("%d refresh requests for %d rotations; want exactly one per rotation", as.requests, as.rotations)
	}
	tok, _, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.RefreshToken.Reveal(); got != as.current {
		t.Errorf("stored refresh token %q, the server's current one is %q: a token was lost", got, as.current)
	}
	t.Logf("%d rotations, %d refresh requests, 0 reuses", as.rotations, as.requests)
}
