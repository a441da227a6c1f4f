// Package record is what every judge server under internal/judge2 keeps:
// the violations of the provider's documentation it saw, the requests in
// arrival order and the statuses it answered (verdict's Log and Stats), and
// the few ways these judges answer.
package record

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/apigen-go/apigen/internal/judge/verdict"
)

// Log is safe for concurrent use; embed it in a judge server.
type Log struct {
	verdict.Log
	verdict.Stats
}

// Reply counts the status and writes body as JSON (nil: no body).
func (l *Log) Reply(w http.ResponseWriter, status int, body any) {
	l.Answered(status)
	if body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// Int reads an integer query parameter: def when it is absent, -1 when it
// is not a number (which every judge refuses as out of range).
func Int(q url.Values, name string, def int) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// Handle records the request's arrival, runs serve and writes its answer.
func (l *Log) Handle(w http.ResponseWriter, r *http.Request, serve func() (int, any)) {
	l.Arrived(r.Method + " " + r.URL.RequestURI())
	status, body := serve()
	l.Reply(w, status, body)
}
