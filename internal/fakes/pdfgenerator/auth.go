package pdfgenerator

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authenticateLocked checks the per-request JWT of §2.2 and returns the
// workspace it names, or the §2.4 message to answer 401 with (see the
// package doc for which failure gets which message).
func (s *Server) authenticateLocked(r *http.Request, now time.Time) (*Workspace, string) {
	scheme, raw, found := strings.Cut(r.Header.Get("Authorization"), " ")
	raw = strings.TrimSpace(raw)
	if !found || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, MsgKeyMissing
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		if len(parts) == 2 {
			return nil, MsgSignatureMissing
		}
		return nil, MsgAuthFailed
	}
	if parts[2] == "" {
		return nil, MsgSignatureMissing
	}

	claims := jwt.MapClaims{}
	parser := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithJSONNumber())
	tok, _, err := parser.ParseUnverified(raw, claims)
	if err != nil {
		return nil, MsgAuthFailed
	}
	if alg, _ := tok.Header["alg"].(string); alg != "HS256" {
		return nil, MsgBadSignature
	}
	if typ, ok := tok.Header["typ"]; ok {
		if ts, _ := typ.(string); !strings.EqualFold(ts, "JWT") {
			return nil, MsgBadSignature
		}
	}

	iss, hasIss := claims["iss"]
	sub, hasSub := claims["sub"]
	exp, hasExp := claims["exp"]
	switch {
	case !hasIss:
		return nil, MsgIssMissing
	case !hasSub:
		return nil, MsgSubMissing
	case !hasExp:
		return nil, MsgExpMissing
	}
	issS, _ := iss.(string)
	if issS == "" {
		return nil, MsgKeyMissing
	}
	if issS != s.cfg.APIKey {
		return nil, MsgInvalidIss
	}

	// The signature, with the secret that belongs to iss.
	verifier := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"HS256"}), jwt.WithJSONNumber())
	if _, err := verifier.Parse(raw, func(*jwt.Token) (any, error) { return []byte(s.cfg.APISecret), nil }); err != nil {
		if errors.Is(err, jwt.ErrTokenSignatureInvalid) || errors.Is(err, jwt.ErrSignatureInvalid) {
			return nil, MsgBadSignature
		}
		return nil, MsgAuthFailed
	}

	expAt, ok := numericDate(exp)
	if !ok {
		return nil, MsgAuthFailed
	}
	if !expAt.After(now.Add(-s.cfg.ClockSkew)) {
		return nil, MsgRequestExpired
	}
	if s.cfg.MaxTokenLifetime > 0 && expAt.Sub(now) > s.cfg.MaxTokenLifetime+s.cfg.ClockSkew {
		return nil, MsgAuthFailed
	}

	subS, _ := sub.(string)
	if subS == "" {
		return nil, MsgWorkspaceMissing
	}
	ws := s.workspaceLocked(subS)
	if ws == nil {
		if !s.cfg.AutoCreateWorkspaces {
			return nil, MsgWorkspaceMissing
		}
		ws = s.addWorkspaceLocked(subS, false, now)
	}
	return ws, ""
}

// numericDate reads an exp claim: a JSON number of epoch seconds.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}
