package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

type holder struct {
	Key   Secret
	inner struct{ key Secret } // fmt cannot call methods on unexported fields
	m     map[string]Secret
}

func TestNeverPrintsTheValue(t *testing.T) {
	const v = "sk_live_topsecret"
	h := holder{Key: New(v), m: map[string]Secret{"a": New(v)}}
	h.inner.key = New(v)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, h), fmt.Sprintf(verb, h.Key), fmt.Sprintf(verb, &h))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "key", h.Key, "holder", h)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "key", h.Key, "holder", h)
	outs = append(outs, buf.String())
	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	outs = append(outs, string(j))
	for _, o := range outs {
		if strings.Contains(o, v) || strings.Contains(o, fmt.Sprintf("%x", v)) {
			t.Errorf("leaked: %s", o)
		}
	}
	if h.Key.Reveal() != v || h.inner.key.Reveal() != v {
		t.Error("Reveal lost the value")
	}
}

func TestZero(t *testing.T) {
	var z Secret
	if !z.IsZero() || !New("").IsZero() || z.Reveal() != "" || z.String() != "" {
		t.Error("zero secret not empty")
	}
	if New("") != z {
		t.Error("New(\"\") differs from the zero Secret, so generated isZero checks would see it as set")
	}
	if New("x").IsZero() || New("x").String() != Redacted {
		t.Error("non-empty secret")
	}
}
