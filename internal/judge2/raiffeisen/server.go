// Package raiffeisen is an independent conformance server for the
// Raiffeisenbank Premium API, written from the provider's documentation only
// (PROVIDERS.md §8, seed 001 and the bank's published spec), not from our
// spec or fakes. It records as a violation anything the client sends that
// the documentation does not allow.
package raiffeisen

import (
	"github.com/apigen-go/apigen/internal/judge2/record"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

const base = "/rbcz/premium/api"

// Documented limits per client and operation: 10 per sliding second and
// 5000 per sliding day; Download Statement 5 and 1500.
var limits = map[string][2]int{"downloadStatement": {5, 1500}}

func limitOf(op string) (perSecond, perDay int) {
	if l, ok := limits[op]; ok {
		return l[0], l[1]
	}
	return 10, 5000
}

// Server is the judge; serve it with httptest.NewUnstartedServer and the
// PKI's TLSConfig.
type Server struct {
	ClientID string
	// Accounts and Transactions are how many the judge holds.
	Accounts, Transactions int
	// Now gives arrival times for the sliding windows.
	Now func() time.Time

	record.Log
	mu         sync.Mutex
	arrivals   map[string][]time.Time
	requestIDs map[string]bool
}

// New returns a judge for clientID.
func New(clientID string, accounts, transactions int) *Server {
	return &Server{ClientID: clientID, Accounts: accounts, Transactions: transactions, Now: time.Now,
		arrivals: map[string][]time.Time{}, requestIDs: map[string]bool{}}
}

var requestIDPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_:]{1,60}$`)

func errBody(code, desc string) map[string]string {
	return map[string]string{"error": code, "error_description": desc}
}

// ServeHTTP checks the headers, mTLS and the limits, then answers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Handle(w, r, func() (int, any) { return s.serve(w, r) })
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) (int, any) {
	op, args := route(r.Method, r.URL.Path)
	if op == "" {
		s.Violate("%s %s is not a documented operation", r.Method, r.URL.Path)
		return http.StatusNotFound, nil
	}
	if r.Header.Get("X-IBM-Client-Id") != s.ClientID {
		s.Violate("%s: X-IBM-Client-Id %q", op, r.Header.Get("X-IBM-Client-Id"))
		return http.StatusUnauthorized, errBody("UNAUTHORISED", "Unknown client id")
	}
	id := r.Header.Get("X-Request-Id")
	switch {
	case !requestIDPattern.MatchString(id):
		s.Violate("%s: X-Request-Id %q does not match [a-zA-Z0-9-_:]{1,60}", op, id)
	case s.requestIDs[id]:
		s.Violate("%s: X-Request-Id %q reused (it must be unique per request)", op, id)
	}
	s.requestIDs[id] = true
	fx := op == "getFxRatesList" || op == "getFxRates"
	if !fx && (r.TLS == nil || len(r.TLS.PeerCertificates) == 0) {
		s.Violate("%s sent without the client certificate (only the FX-rate operations work without one)", op)
		return http.StatusUnauthorized, errBody("UNAUTHORISED", "Certificate is invalid.")
	}
	if status, body := s.limit(w, op); status != 0 {
		return status, body
	}
	switch op {
	case "getAccounts":
		return s.accounts(r)
	case "getTransactionList":
		return s.transactions(r, args)
	case "getBalance":
		return http.StatusOK, map[string]any{"numberPart2": args[0], "bankCode": "5500",
			"currencyFolders": []any{map[string]any{"currency": "CZK", "status": "ACTIVE",
				"balances": []any{map[string]any{"balanceType": "CLAB", "currency": "CZK", "value": 1000.5}}}}}
	case "getFxRatesList":
		return http.StatusOK, map[string]any{"exchangeRateLists": []any{map[string]any{
			"effectiveDateFrom": "2024-09-10T00:00:00.000Z", "tradingDate": "2024-09-10T00:00:00.000Z",
			"ordinalNumber": 1, "lastRates": true, "exchangeRates": []any{map[string]any{
				"currencyFrom": "EUR", "currencyTo": "CZK", "exchangeRateBuy": 24.9, "exchangeRateBuyCash": 24.5,
				"exchangeRateCenter": 25.1, "exchangeRateCenterChange": 0.1, "exchangeRateSell": 25.3,
				"exchangeRateSellCash": 25.7, "exchangeRateSellCenter": 25.1, "exchangeRateSellCenterPrevious": 25.0,
				"quotationType": "DIRECT", "unitsFrom": 1}}}}}
	}
	s.Violate("%s is outside what the judge exercises", op)
	return http.StatusNotImplemented, nil
}

// route names the operation of a request and its path arguments.
func route(method, path string) (string, []string) {
	rest, ok := strings.CutPrefix(path, base+"/")
	if !ok {
		return "", nil
	}
	parts := strings.Split(rest, "/")
	switch {
	case method == http.MethodGet && rest == "accounts":
		return "getAccounts", nil
	case method == http.MethodGet && len(parts) == 3 && parts[0] == "accounts" && parts[2] == "balance":
		return "getBalance", parts[1:2]
	case method == http.MethodGet && len(parts) == 4 && parts[0] == "accounts" && parts[3] == "transactions":
		return "getTransactionList", parts[1:3]
	case method == http.MethodPost && rest == "accounts/statements":
		return "getStatements", nil
	case method == http.MethodPost && rest == "accounts/statements/download":
		return "downloadStatement", nil
	case method == http.MethodPost && rest == "payments/batches":
		return "importPayments", nil
	case method == http.MethodGet && len(parts) == 3 && parts[0] == "payments" && parts[1] == "batches":
		return "getBatchDetail", parts[2:]
	case method == http.MethodGet && rest == "fxrates":
		return "getFxRatesList", nil
	case method == http.MethodGet && len(parts) == 2 && parts[0] == "fxrates":
		return "getFxRates", parts[1:]
	}
	return "", nil
}

// limit applies the sliding windows of op on real arrival times and sets the
// documented X-RateLimit-* headers.
func (s *Server) limit(w http.ResponseWriter, op string) (int, any) {
	perSecond, perDay := limitOf(op)
	now := s.Now()
	var second, day int
	kept := s.arrivals[op][:0]
	for _, t := range s.arrivals[op] {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
			day++
			if now.Sub(t) < time.Second {
				second++
			}
		}
	}
	s.arrivals[op] = kept
	h := w.Header()
	h.Set("X-RateLimit-Limit-Second", strconv.Itoa(perSecond))
	h.Set("X-RateLimit-Limit-Day", strconv.Itoa(perDay))
	if second >= perSecond || day >= perDay {
		h.Set("X-RateLimit-Remaining-Second", strconv.Itoa(max(perSecond-second, 0)))
		h.Set("X-RateLimit-Remaining-Day", strconv.Itoa(max(perDay-day, 0)))
		return http.StatusTooManyRequests, errBody("TOO_MANY_REQUESTS", "Too many requests")
	}
	s.arrivals[op] = append(s.arrivals[op], now)
	h.Set("X-RateLimit-Remaining-Second", strconv.Itoa(perSecond-second-1))
	h.Set("X-RateLimit-Remaining-Day", strconv.Itoa(perDay-day-1))
	return 0, nil
}

// intParam reads an optional positive integer query parameter.
func (s *Server) intParam(r *http.Request, name string, def int) int {
	n := record.Int(r.URL.Query(), name, def)
	if n < 1 {
		s.Violate("%s=%q is not a positive integer", name, r.URL.Query().Get(name))
		return def
	}
	return n
}

func (s *Server) accounts(r *http.Request) (int, any) {
	page, size := s.intParam(r, "page", 1), s.intParam(r, "size", 15)
	first := (page - 1) * size
	if first >= s.Accounts {
		return http.StatusNoContent, nil
	}
	var list []any
	for i := first; i < s.Accounts && i < first+size; i++ {
		list = append(list, map[string]any{"accountId": 3000 + i, "accountNumber": strconv.Itoa(1000000 + i),
			"bankCode": "5500", "iban": "CZ1155000000006760653036", "mainCurrency": "CZK", "accountTypeId": "CURRENT"})
	}
	pages := (s.Accounts + size - 1) / size
	return http.StatusOK, map[string]any{"accounts": list, "page": page, "size": size, "first": page == 1,
		"last": page == pages, "totalPages": pages, "totalSize": s.Accounts}
}

// transactionPage is the bank's page size; the docs give none and the
// client cannot choose it.
const transactionPage = 10

func (s *Server) transactions(r *http.Request, args []string) (int, any) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" || to == "" {
		s.Violate("getTransactionList without the required from/to (%q, %q)", from, to)
	}
	if t, err := time.Parse(time.DateOnly, from[:min(len(from), 10)]); err == nil && s.Now().Sub(t) > 90*24*time.Hour {
		return http.StatusBadRequest, errBody("DT01", "Invalid date. Parameter `from` must not be older than 90 days.")
	}
	page := s.intParam(r, "page", 1)
	first := (page - 1) * transactionPage
	if first >= s.Transactions {
		return http.StatusNoContent, nil
	}
	var list []any
	for i := first; i < s.Transactions && i < first+transactionPage; i++ {
		list = append(list, map[string]any{"entryReference": strconv.Itoa(3887196000 + i),
			"amount": map[string]any{"value": -1668.59, "currency": args[1]}, "creditDebitIndication": "DBIT",
			"bookingDate": "2024-09-01T00:00:00.000+02:00", "valueDate": "2024-09-01T00:00:00.000+02:00",
			"bankTransactionCode": map[string]any{"code": "10000401000"}})
	}
	return http.StatusOK, map[string]any{"lastPage": first+transactionPage >= s.Transactions, "transactions": list}
}
