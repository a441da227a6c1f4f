// Package raiffeisen is a faithful fake of the Raiffeisenbank CZ "Premium
// API" (/work/shared/PROVIDERS.md §8): client id header, mutual TLS, the
// per-operation sliding rate limits and the accounts, balance,
// transactions, statements, payments and FX-rates operations.
//
// What it enforces:
//
//   - X-IBM-Client-Id on every request (§8.2); a missing or unknown id is
//     refused by the gateway with 401.
//   - A verified client certificate for every operation but the two FX-rate
//     ones (§8.2). Serve the fake with NewTLSServer so that the TLS layer
//     verifies certificates against the bank's CA; the handler then answers
//     401 UNAUTHORISED when a request carries no verified certificate, or a
//     blocked one (BlockCertificate: the yearly block of §8.2), and 403
//     INSUFFICIENT_RIGHTS when the certificate does not cover the account
//     (RestrictCertificate).
//   - X-Request-Id (§8.5, required, pattern [a-zA-Z0-9-_:]{1,60}).
//   - 10 requests per sliding second and 5000 per sliding day, per client
//     and per operation; 5 and 1500 for Download Statement (§8.3). Every
//     response of an operation carries X-RateLimit-Limit-Second,
//     X-RateLimit-Limit-Day, X-RateLimit-Remaining-Second and
//     X-RateLimit-Remaining-Day; over the limit is 429 TOO_MANY_REQUESTS.
//     No Retry-After or reset header: none is documented.
//   - Paging with page (first page 1) and size (§8.5); a page past the end
//     is 204 No Content, as the published spec says.
//
// Errors of the operations use the published spec's body
// {"error": "<CODE>", "error_description": "…"}.
//
// [AMBIGUOUS] §8.4 warns of undocumented error structures. Errors raised
// before an operation is identified (unknown path, missing or unknown
// X-IBM-Client-Id) use the IBM API Connect gateway shape
// {"httpCode": "401", "httpMessage": "Unauthorized", "moreInformation": "…"},
// so clients meet one such structure; InjectResponse adds any other.
//
// Decisions on points the docs leave open:
//   - A request counts against the rate limit once its client id is known,
//     whatever its outcome (the gateway counts before the backend answers);
//     a refused (429) request does not count.
//   - X-Request-Id values are not required to be unique.
//   - Query parameter errors other than dates answer 400 with error
//     "INVALID_PARAMETER"; date errors answer 400 "DT01" (the published
//     spec's code for invalid dates).
//   - Dates without a time are taken in Central European Time as a fixed
//     UTC+1 offset, "from" at 00:00:00.0 and "to" at 23:59:59.999.
//   - The transactions page size is not documented; it is
//     Config.TransactionPageSize (default 100). An empty result is 204.
//   - Currency codes in paths are matched case-insensitively (the spec's
//     pattern is upper case, its description shows "czk").
package raiffeisen

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
	"github.com/apigen-go/apigen/runtime/clock"
)

// Config configures the fake. DefaultConfig holds the documented limits;
// tests may scale them (e.g. a day window of a few seconds).
type Config struct {
	// BasePath is the API's path prefix: "/rbcz/premium/api" in production,
	// "/rbcz/premium/mock" on the sandbox (§8.5).
	BasePath string
	// ClientIDs are the X-IBM-Client-Id values the gateway accepts.
	ClientIDs []string

	// PerSecond and PerDay limit each operation per client (§8.3: 10, 5000).
	PerSecond, PerDay int
	// DownloadPerSecond and DownloadPerDay limit Download Statement (§8.3:
	// 5, 1500).
	DownloadPerSecond, DownloadPerDay int
	// SecondWindow and DayWindow are the sliding windows' lengths (1 s and
	// 24 h).
	SecondWindow, DayWindow time.Duration

	// TransactionPageSize is the number of transactions per page.
	TransactionPageSize int
	// TransactionHistory is how far back "from" may reach (90 days).
	TransactionHistory time.Duration

	// Accounts seeds the data; nil means DemoAccounts(now) at New, with now
	// from Clock.
	Accounts []Account
	// FXRates seeds the FX rates; nil means DemoFXRates().
	FXRates []ExchangeRate

	// Clock supplies time; nil means clock.Real.
	Clock clock.Clock
}

// DefaultConfig returns the documented defaults and a demo client id.
func DefaultConfig() Config {
	return Config{
		BasePath:            "/rbcz/premium/api",
		ClientIDs:           []string{"raiffeisen-demo-client-id"},
		PerSecond:           10,
		PerDay:              5000,
		DownloadPerSecond:   5,
		DownloadPerDay:      1500,
		SecondWindow:        time.Second,
		DayWindow:           24 * time.Hour,
		TransactionPageSize: 100,
		TransactionHistory:  90 * 24 * time.Hour,
	}
}

// cet is Central European Time as the published spec means it for
// date-only values (a fixed UTC+1; see the package doc).
var cet = time.FixedZone("CET", 3600)

// Account is one account: the fields of the getAccounts item, plus its
// currency folders and statements as seed data.
type Account struct {
	AccountID           int64  `json:"accountId"`
	AccountName         string `json:"accountName,omitempty"`
	FriendlyName        string `json:"friendlyName,omitempty"`
	AccountNumber       string `json:"accountNumber"`
	AccountNumberPrefix string `json:"accountNumberPrefix,omitempty"`
	IBAN                string `json:"iban,omitempty"`
	BankCode            string `json:"bankCode"`
	BankBicCode         string `json:"bankBicCode,omitempty"`
	MainCurrency        string `json:"mainCurrency,omitempty"`
	AccountTypeID       string `json:"accountTypeId,omitempty"`

	Folders    []CurrencyFolder `json:"-"`
	Statements []Statement      `json:"-"`
}

// CurrencyFolder is one currency of an account with its balances and
// posted transactions.
type CurrencyFolder struct {
	Currency     string        `json:"currency"`
	Status       string        `json:"status"`
	Balances     []Balance     `json:"balances,omitempty"`
	Transactions []Transaction `json:"-"`
}

// Balance is one balance of a currency folder.
type Balance struct {
	BalanceType string  `json:"balanceType"`
	Currency    string  `json:"currency"`
	Value       float64 `json:"value"`
}

// Transaction is one posted transaction, in the published spec's shape
// (trimmed to the fields the fake fills).
type Transaction struct {
	EntryReference        string              `json:"entryReference"`
	Amount                Amount              `json:"amount"`
	CreditDebitIndication string              `json:"creditDebitIndication"`
	BookingDate           time.Time           `json:"bookingDate"`
	ValueDate             time.Time           `json:"valueDate"`
	BankTransactionCode   BankTransactionCode `json:"bankTransactionCode"`
	EntryDetails          *EntryDetails       `json:"entryDetails,omitempty"`
}

// Amount is a value in a currency.
type Amount struct {
	Value    float64 `json:"value"`
	Currency string  `json:"currency"`
}

// BankTransactionCode is the ISO 20022 camt.053 transaction code.
type BankTransactionCode struct {
	Code string `json:"code"`
}

// EntryDetails carries the transaction details.
type EntryDetails struct {
	TransactionDetails TransactionDetails `json:"transactionDetails"`
}

// TransactionDetails is the subset of details the fake fills.
type TransactionDetails struct {
	RemittanceInformation *RemittanceInformation `json:"remittanceInformation,omitempty"`
	RelatedParties        *RelatedParties        `json:"relatedParties,omitempty"`
}

// RemittanceInformation is the payment's message and symbols.
type RemittanceInformation struct {
	Unstructured                 string                        `json:"unstructured,omitempty"`
	CreditorReferenceInformation *CreditorReferenceInformation `json:"creditorReferenceInformation,omitempty"`
}

// CreditorReferenceInformation holds the Czech payment symbols.
type CreditorReferenceInformation struct {
	Variable string `json:"variable,omitempty"`
	Constant string `json:"constant,omitempty"`
	Specific string `json:"specific,omitempty"`
}

// RelatedParties names the other side.
type RelatedParties struct {
	CounterParty *CounterParty `json:"counterParty,omitempty"`
}

// CounterParty is the other side of a transaction.
type CounterParty struct {
	Name    string               `json:"name,omitempty"`
	Account *CounterPartyAccount `json:"account,omitempty"`
}

// CounterPartyAccount is the counter party's account.
type CounterPartyAccount struct {
	IBAN          string `json:"iban,omitempty"`
	AccountNumber string `json:"accountNumber,omitempty"`
}

// Statement is one account statement (getStatements item). Dates are
// "YYYY-MM-DD"; StatementLine (MAIN, ADDITIONAL, MT940) is seed data for
// filtering.
type Statement struct {
	StatementID      string   `json:"statementId"`
	AccountID        int64    `json:"accountId"`
	StatementNumber  string   `json:"statementNumber"`
	DateFrom         string   `json:"dateFrom"`
	DateTo           string   `json:"dateTo"`
	Currency         string   `json:"currency,omitempty"`
	StatementFormats []string `json:"statementFormats"`
	StatementLine    string   `json:"-"`
}

// ExchangeRate is the published spec's ExchangeRate.
type ExchangeRate struct {
	CurrencyFrom                   string  `json:"currencyFrom"`
	CurrencyTo                     string  `json:"currencyTo"`
	ExchangeRateBuy                float64 `json:"exchangeRateBuy"`
	ExchangeRateBuyCash            float64 `json:"exchangeRateBuyCash"`
	ExchangeRateCenter             float64 `json:"exchangeRateCenter"`
	ExchangeRateCenterChange       float64 `json:"exchangeRateCenterChange"`
	ExchangeRateSell               float64 `json:"exchangeRateSell"`
	ExchangeRateSellCash           float64 `json:"exchangeRateSellCash"`
	ExchangeRateSellCenter         float64 `json:"exchangeRateSellCenter"`
	ExchangeRateSellCenterPrevious float64 `json:"exchangeRateSellCenterPrevious"`
	QuotationType                  string  `json:"quotationType"`
	UnitsFrom                      int     `json:"unitsFrom"`
}

// DemoAccounts returns two accounts with balances, 30 transactions over
// the 60 days before now and three monthly statements.
func DemoAccounts(now time.Time) []Account {
	day := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, cet)
	mk := func(id int64, number, name, cur string, bal float64) Account {
		a := Account{
			AccountID: id, AccountName: name, FriendlyName: name, AccountNumber: number,
			IBAN: "CZ65550000000" + fmt.Sprintf("%011s", number), BankCode: "5500", BankBicCode: "RZBCCZPP",
			MainCurrency: cur, AccountTypeID: "CURRENT",
		}
		f := CurrencyFolder{Currency: cur, Status: "ACTIVE", Balances: []Balance{
			{BalanceType: "CLAB", Currency: cur, Value: bal},
			{BalanceType: "CLAV", Currency: cur, Value: bal},
		}}
		for i := 30; i >= 1; i-- {
			d := day.AddDate(0, 0, -2*i)
			v, cd := float64(100+i*7)+0.5, "CRDT"
			if i%3 == 0 {
				v, cd = -v, "DBIT"
			}
			f.Transactions = append(f.Transactions, Transaction{
				EntryReference: fmt.Sprintf("%d%04d", id, i), Amount: Amount{v, cur}, CreditDebitIndication: cd,
				BookingDate: d, ValueDate: d, BankTransactionCode: BankTransactionCode{"10000401000"},
				EntryDetails: &EntryDetails{TransactionDetails{
					RemittanceInformation: &RemittanceInformation{Unstructured: fmt.Sprintf("Payment %d", i),
						CreditorReferenceInformation: &CreditorReferenceInformation{Variable: fmt.Sprint(1000 + i)}},
					RelatedParties: &RelatedParties{CounterParty: &CounterParty{Name: "Firma Ltd.",
						Account: &CounterPartyAccount{IBAN: "CZ0801000000192000145399"}}},
				}},
			})
		}
		a.Folders = []CurrencyFolder{f}
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cet)
		for m := 3; m >= 1; m-- {
			from := first.AddDate(0, -m, 0)
			to := from.AddDate(0, 1, -1)
			a.Statements = append(a.Statements, Statement{
				StatementID:     fmt.Sprintf("%08d-0000-4000-8000-%012d", id, m),
				AccountID:       id,
				StatementNumber: fmt.Sprintf("%02d/%d", from.Month(), from.Year()),
				DateFrom:        from.Format(time.DateOnly), DateTo: to.Format(time.DateOnly),
				Currency: cur, StatementFormats: []string{"PDF", "XML"}, StatementLine: "MAIN",
			})
		}
		return a
	}
	return []Account{
		mk(3887, "6760653036", "Business account", "CZK", 125000.5),
		mk(3888, "6760653044", "EUR account", "EUR", 8400.25),
	}
}

// DemoFXRates returns a few rates against CZK.
func DemoFXRates() []ExchangeRate {
	rate := func(cur string, units int, center float64) ExchangeRate {
		return ExchangeRate{
			CurrencyFrom: cur, CurrencyTo: "CZK", UnitsFrom: units, QuotationType: "DIRECT",
			ExchangeRateCenter: center, ExchangeRateBuy: center * 0.98, ExchangeRateSell: center * 1.02,
			ExchangeRateBuyCash: center * 0.96, ExchangeRateSellCash: center * 1.04,
			ExchangeRateSellCenter: center, ExchangeRateSellCenterPrevious: center, ExchangeRateCenterChange: 0,
		}
	}
	return []ExchangeRate{rate("EUR", 1, 25.2), rate("USD", 1, 23.1), rate("GBP", 1, 29.4), rate("HUF", 100, 6.3)}
}

type batch struct {
	id      int64
	name    string
	created time.Time
}

// Server is the fake; it implements http.Handler and is safe for
// concurrent use.
type Server struct {
	cfg      Config
	clk      clock.Clock
	rec      fakeutil.Recorder
	mux      *http.ServeMux
	accounts []Account
	fx       []ExchangeRate

	mu         sync.Mutex
	hits       map[string][]time.Time // client+operation → admitted request times
	blocked    map[string]bool        // certificate serial → blocked
	restricted map[string][]string    // certificate serial → permitted account numbers
	batches    map[int64]batch
	checksums  map[string]bool
	inject     fakeutil.Injections
}

// New returns a fake configured by cfg.
func New(cfg Config) *Server {
	s := &Server{
		cfg: cfg, clk: clock.Or(cfg.Clock),
		hits: map[string][]time.Time{}, blocked: map[string]bool{}, restricted: map[string][]string{},
		batches: map[int64]batch{}, checksums: map[string]bool{},
		accounts: cfg.Accounts, fx: cfg.FXRates,
	}
	if s.accounts == nil {
		s.accounts = DemoAccounts(s.clk.Now())
	}
	if s.fx == nil {
		s.fx = DemoFXRates()
	}
	b := strings.TrimSuffix(cfg.BasePath, "/")
	mux := http.NewServeMux()
	handle := func(method, path, opID string, certless, download bool, h opHandler) {
		mux.Handle(method+" "+b+path, s.operation(opID, certless, download, h))
	}
	handle("GET", "/accounts", "getAccounts", false, false, s.getAccounts)
	handle("GET", "/accounts/{accountNumber}/balance", "getBalance", false, false, s.getBalance)
	handle("GET", "/accounts/{accountNumber}/{currencyCode}/transactions", "getTransactionList", false, false, s.getTransactions)
	handle("POST", "/accounts/statements", "getStatements", false, false, s.getStatements)
	handle("POST", "/accounts/statements/download", "downloadStatement", false, true, s.downloadStatement)
	handle("POST", "/payments/batches", "importPayments", false, false, s.importPayments)
	handle("GET", "/payments/batches/{batchFileId}", "getBatchDetail", false, false, s.getBatchDetail)
	handle("GET", "/fxrates", "getFxRatesList", true, false, s.getFxRatesList)
	handle("GET", "/fxrates/{currencyCode}", "getFxRates", true, false, s.getFxRates)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeGatewayError(w, http.StatusNotFound, "No resources match requested URI")
	})
	s.mux = mux
	return s
}

// ServeHTTP records the request, then serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.rec.Record(r, s.clk.Now())
	if s.inject.Serve(w, r, s.writeStatusError) {
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Requests returns every request received so far.
func (s *Server) Requests() []fakeutil.Request { return s.rec.Requests() }

// BlockCertificate blocks the client certificate with this serial number,
// as the bank does yearly (§8.2): requests with it get 401 UNAUTHORISED.
func (s *Server) BlockCertificate(serial int64) {
	s.mu.Lock()
	s.blocked[strconv.FormatInt(serial, 10)] = true
	s.mu.Unlock()
}

// UnblockCertificate undoes BlockCertificate, as the user does in
// Internet Banking.
func (s *Server) UnblockCertificate(serial int64) {
	s.mu.Lock()
	delete(s.blocked, strconv.FormatInt(serial, 10))
	s.mu.Unlock()
}

// RestrictCertificate limits the certificate with this serial number to
// the given account numbers (§8.2: each certificate permits operations on
// chosen accounts). Others answer 403 INSUFFICIENT_RIGHTS and are left out
// of getAccounts.
func (s *Server) RestrictCertificate(serial int64, accountNumbers ...string) {
	s.mu.Lock()
	s.restricted[strconv.FormatInt(serial, 10)] = accountNumbers
	s.mu.Unlock()
}

// InjectStatus makes the next count requests fail with status before any
// other processing (no authentication, no limits), carrying header (e.g.
// Retry-After), with the published spec's {"error","error_description"} body for
// 400, 401, 403, 404 and 429, and the gateway body for other statuses. A
// 429 carries the rate-limit headers too only if header has them.
func (s *Server) InjectStatus(count, status int, header http.Header) {
	s.inject.Status(count, status, header)
}

// InjectResponse queues one canned response: the next request whose path
// starts with path ("" matches any) gets status, header and body verbatim
// (e.g. an HTML error page) before any other processing.
func (s *Server) InjectResponse(path string, status int, header http.Header, body string) {
	s.inject.Response(path, status, header, body)
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() { s.rec.Reset() }

// ---- pipeline ----

// call is what an operation handler knows about its request.
type call struct {
	serial string // verified client certificate serial, "" for FX calls without one
}

type opHandler func(http.ResponseWriter, *http.Request, call)

var requestIDPattern = regexp.MustCompile(`^[a-zA-Z0-9\-_:]{1,60}$`)

// operation wraps an operation handler with the gateway checks: client id
// (§8.2), rate limits (§8.3), X-Request-Id (§8.5) and the client
// certificate (§8.2).
func (s *Server) operation(opID string, certless, download bool, h opHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clientID := r.Header.Get("X-IBM-Client-Id")
		if clientID == "" || !slices.Contains(s.cfg.ClientIDs, clientID) {
			writeGatewayError(w, http.StatusUnauthorized, "Invalid client id or secret.")
			return
		}
		perSec, perDay := s.cfg.PerSecond, s.cfg.PerDay
		if download {
			perSec, perDay = s.cfg.DownloadPerSecond, s.cfg.DownloadPerDay
		}
		ok, remSec, remDay := s.admit(clientID+" "+opID, perSec, perDay)
		hd := w.Header()
		hd.Set("X-RateLimit-Limit-Second", strconv.Itoa(perSec))
		hd.Set("X-RateLimit-Limit-Day", strconv.Itoa(perDay))
		hd.Set("X-RateLimit-Remaining-Second", strconv.Itoa(remSec))
		hd.Set("X-RateLimit-Remaining-Day", strconv.Itoa(remDay))
		if !ok {
			writeError(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "User has sent too many requests in a given amount of time.")
			return
		}
		if !requestIDPattern.MatchString(r.Header.Get("X-Request-Id")) {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "Header X-Request-Id is required and must match [a-zA-Z0-9-_:]{1,60}.")
			return
		}
		var c call
		if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
			c.serial = r.TLS.PeerCertificates[0].SerialNumber.String()
		}
		if !certless {
			s.mu.Lock()
			blocked := s.blocked[c.serial]
			s.mu.Unlock()
			if c.serial == "" || blocked {
				writeError(w, http.StatusUnauthorized, "UNAUTHORISED", "Certificate's serial number is missing or certificate is in an invalid state.")
				return
			}
		}
		h(w, r, c)
	})
}

// admit applies the two sliding windows to key and, when both have room,
// counts the request. It returns what remains in each window afterwards.
func (s *Server) admit(key string, perSec, perDay int) (ok bool, remSec, remDay int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clk.Now()
	hits := s.hits[key]
	// A hit counts while now-hit < window.
	i := 0
	for i < len(hits) && now.Sub(hits[i]) >= s.cfg.DayWindow {
		i++
	}
	hits = hits[i:]
	inSec := 0
	for j := len(hits) - 1; j >= 0 && now.Sub(hits[j]) < s.cfg.SecondWindow; j-- {
		inSec++
	}
	if inSec >= perSec || len(hits) >= perDay {
		s.hits[key] = hits
		return false, max(perSec-inSec, 0), max(perDay-len(hits), 0)
	}
	s.hits[key] = append(hits, now)
	return true, perSec - inSec - 1, perDay - len(hits) - 1
}

// canUse reports whether the certificate may act on the account.
func (s *Server) canUse(c call, accountNumber string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	allowed, ok := s.restricted[c.serial]
	return !ok || slices.Contains(allowed, accountNumber)
}

func (s *Server) account(number string) *Account {
	for i := range s.accounts {
		if s.accounts[i].AccountNumber == number {
			return &s.accounts[i]
		}
	}
	return nil
}

// lookup finds an account for an operation, answering 404 or 403 itself.
func (s *Server) lookup(w http.ResponseWriter, c call, number string) *Account {
	a := s.account(number)
	if a == nil {
		writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "Account "+number+" does not exist.")
		return nil
	}
	if !s.canUse(c, number) {
		writeError(w, http.StatusForbidden, "INSUFFICIENT_RIGHTS", "The certificate has no rights to account "+number+".")
		return nil
	}
	return a
}

// ---- operations ----

// pageParams reads page (default 1) and size (default 15) (§8.5).
func pageParams(w http.ResponseWriter, r *http.Request) (page, size int, ok bool) {
	page, size = 1, 15
	q := r.URL.Query()
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"size", &size}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 99999 {
				writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "Parameter "+p.name+" must be an integer from 1 to 99999.")
				return 0, 0, false
			}
			*p.dst = n
		}
	}
	return page, size, true
}

// window returns the 1-based page of items; ok is false past the end.
func window[T any](items []T, page, size int) (out []T, totalPages int, ok bool) {
	totalPages = (len(items) + size - 1) / size
	if page > totalPages {
		return nil, totalPages, false
	}
	lo := (page - 1) * size
	return items[lo:min(lo+size, len(items))], totalPages, true
}

// PageInfo is the paging part of the getAccounts and getStatements bodies.
type PageInfo struct {
	Page       int  `json:"page"`
	Size       int  `json:"size"`
	First      bool `json:"first"`
	Last       bool `json:"last"`
	TotalPages int  `json:"totalPages"`
	TotalSize  int  `json:"totalSize"`
}

func pageInfo(page, size, totalPages, totalSize int) PageInfo {
	return PageInfo{page, size, page == 1, page == totalPages, totalPages, totalSize}
}

// AccountList is the getAccounts body.
type AccountList struct {
	Accounts []Account `json:"accounts"`
	PageInfo
}

func (s *Server) getAccounts(w http.ResponseWriter, r *http.Request, c call) {
	page, size, ok := pageParams(w, r)
	if !ok {
		return
	}
	var mine []Account
	for _, a := range s.accounts {
		if s.canUse(c, a.AccountNumber) {
			mine = append(mine, a)
		}
	}
	items, pages, ok := window(mine, page, size)
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, AccountList{items, pageInfo(page, size, pages, len(mine))})
}

// AccountBalance is the getBalance body.
type AccountBalance struct {
	NumberPart1     string           `json:"numberPart1,omitempty"`
	NumberPart2     string           `json:"numberPart2"`
	BankCode        string           `json:"bankCode"`
	CurrencyFolders []CurrencyFolder `json:"currencyFolders"`
}

func (s *Server) getBalance(w http.ResponseWriter, r *http.Request, c call) {
	a := s.lookup(w, c, r.PathValue("accountNumber"))
	if a == nil {
		return
	}
	writeJSON(w, http.StatusOK, AccountBalance{a.AccountNumberPrefix, a.AccountNumber, a.BankCode, a.Folders})
}

// TransactionList is the getTransactionList body.
type TransactionList struct {
	LastPage     bool          `json:"lastPage"`
	Transactions []Transaction `json:"transactions"`
}

// parseDate reads a date or date-time parameter; date-only values are
// taken at the start (or, with end, the last millisecond) of the CET day.
func parseDate(v string, end bool) (time.Time, bool) {
	if d, err := time.ParseInLocation(time.DateOnly, v, cet); err == nil {
		if end {
			d = d.Add(24*time.Hour - time.Millisecond)
		}
		return d, true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", v, cet); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func (s *Server) getTransactions(w http.ResponseWriter, r *http.Request, c call) {
	a := s.lookup(w, c, r.PathValue("accountNumber"))
	if a == nil {
		return
	}
	cur := strings.ToUpper(r.PathValue("currencyCode"))
	var f *CurrencyFolder
	for i := range a.Folders {
		if a.Folders[i].Currency == cur {
			f = &a.Folders[i]
		}
	}
	if f == nil {
		writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "Account "+a.AccountNumber+" has no currency folder "+cur+".")
		return
	}
	q := r.URL.Query()
	from, okFrom := parseDate(q.Get("from"), false)
	to, okTo := parseDate(q.Get("to"), true)
	if !okFrom || !okTo || to.Before(from) {
		writeError(w, http.StatusBadRequest, "DT01", "Invalid date. Parameters from and to are required dates or date-times, from not after to.")
		return
	}
	limit := s.clk.Now().Add(-s.cfg.TransactionHistory).In(cet)
	limit = time.Date(limit.Year(), limit.Month(), limit.Day(), 0, 0, 0, 0, cet)
	if from.Before(limit) {
		writeError(w, http.StatusBadRequest, "DT01", "Invalid date. Parameter `from` must not be older than 90 days.")
		return
	}
	page := 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 99999 {
			writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "Parameter page must be an integer from 1 to 99999.")
			return
		}
		page = n
	}
	var sel []Transaction
	for _, t := range f.Transactions {
		if !t.BookingDate.Before(from) && !t.BookingDate.After(to) {
			sel = append(sel, t)
		}
	}
	slices.SortStableFunc(sel, func(x, y Transaction) int { return x.BookingDate.Compare(y.BookingDate) })
	items, pages, ok := window(sel, page, s.cfg.TransactionPageSize)
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, TransactionList{LastPage: page == pages, Transactions: items})
}

// StatementList is the getStatements body.
type StatementList struct {
	Statements []Statement `json:"statements"`
	PageInfo
}

func (s *Server) getStatements(w http.ResponseWriter, r *http.Request, c call) {
	page, size, ok := pageParams(w, r)
	if !ok {
		return
	}
	var req struct {
		AccountNumber string `json:"accountNumber"`
		Currency      string `json:"currency"`
		StatementLine string `json:"statementLine"`
		DateFrom      string `json:"dateFrom"`
		DateTo        string `json:"dateTo"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.AccountNumber == "" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "The body must be JSON with accountNumber.")
		return
	}
	var from, to time.Time
	for _, d := range []struct {
		v   string
		dst *time.Time
	}{{req.DateFrom, &from}, {req.DateTo, &to}} {
		if d.v == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.v, cet)
		if err != nil {
			writeError(w, http.StatusBadRequest, "DT01", "Invalid date.")
			return
		}
		*d.dst = t
	}
	a := s.lookup(w, c, req.AccountNumber)
	if a == nil {
		return
	}
	var sel []Statement
	for _, st := range a.Statements {
		sf, _ := time.ParseInLocation(time.DateOnly, st.DateFrom, cet)
		stt, _ := time.ParseInLocation(time.DateOnly, st.DateTo, cet)
		switch {
		case req.Currency != "" && !strings.EqualFold(req.Currency, st.Currency):
		case req.StatementLine != "" && req.StatementLine != st.StatementLine:
		case !from.IsZero() && stt.Before(from):
		case !to.IsZero() && sf.After(to):
		default:
			sel = append(sel, st)
		}
	}
	items, pages, ok := window(sel, page, size)
	if !ok {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, StatementList{items, pageInfo(page, size, pages, len(sel))})
}

// statementTypes maps statementFormat to the response's Content-Type.
var statementTypes = map[string]string{"pdf": "application/pdf", "xml": "application/xml", "MT940": "text/mt940"}

func (s *Server) downloadStatement(w http.ResponseWriter, r *http.Request, c call) {
	lang, _, _ := strings.Cut(r.Header.Get("Accept-Language"), "-")
	if lang != "cs" && lang != "en" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "Header Accept-Language is required: cs or en.")
		return
	}
	var req struct {
		AccountNumber   string `json:"accountNumber"`
		Currency        string `json:"currency"`
		StatementID     string `json:"statementId"`
		StatementFormat string `json:"statementFormat"`
	}
	err := json.NewDecoder(r.Body).Decode(&req)
	ctype := statementTypes[req.StatementFormat]
	if err != nil || req.AccountNumber == "" || req.StatementID == "" || ctype == "" {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "The body must be JSON with accountNumber, statementId and statementFormat (pdf, xml or MT940).")
		return
	}
	a := s.lookup(w, c, req.AccountNumber)
	if a == nil {
		return
	}
	for _, st := range a.Statements {
		if st.StatementID != req.StatementID {
			continue
		}
		if !slices.Contains(st.StatementFormats, strings.ToUpper(req.StatementFormat)) {
			writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "Statement "+st.StatementID+" is not available as "+req.StatementFormat+".")
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, "%s statement %s of account %s (%s..%s), language %s\n",
			strings.ToUpper(req.StatementFormat), st.StatementNumber, a.AccountNumber, st.DateFrom, st.DateTo, lang)
		return
	}
	writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "Statement "+req.StatementID+" does not exist.")
}

var batchFormats = []string{"GEMINI-P11", "GEMINI-P32", "GEMINI-F84", "ABO-KPC", "SEPA-XML", "CFD", "CFU", "CFA"}

// BatchCreated is the importPayments body.
type BatchCreated struct {
	BatchFileID int64 `json:"batchFileId"`
}

func (s *Server) importPayments(w http.ResponseWriter, r *http.Request, _ call) {
	if !slices.Contains(batchFormats, r.Header.Get("Batch-Import-Format")) {
		writeError(w, http.StatusBadRequest, "INVALID_BATCH_IMPORT_FORMAT", "Batch-Import-Format is missing or unsupported.")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil || len(strings.TrimSpace(string(body))) == 0 {
		writeError(w, http.StatusBadRequest, "BATCH_CONTENT_INVALID", "Batch content doesn't match the declared Batch-Import-Format.")
		return
	}
	sum := sha256.Sum256(body)
	key := hex.EncodeToString(sum[:])
	now := s.clk.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.checksums[key] {
		writeError(w, http.StatusBadRequest, "BATCH_ALREADY_IMPORTED", "Batch has already been imported.")
		return
	}
	s.checksums[key] = true
	name := r.Header.Get("Batch-Name")
	if name == "" {
		name = "ImportApi_" + now.In(cet).Format("02012006")
	}
	if len(name) > 50 {
		name = name[:50]
	}
	id := int64(1233 + len(s.batches) + 1)
	s.batches[id] = batch{id, name, now}
	writeJSON(w, http.StatusOK, BatchCreated{id})
}

// BatchDetail is the getBatchDetail body (without batch items: the fake
// does not parse payment files).
type BatchDetail struct {
	BatchName       string `json:"batchName"`
	BatchFileStatus string `json:"batchFileStatus"`
	CreateDate      string `json:"createDate"`
	BatchItems      []any  `json:"batchItems"`
}

func (s *Server) getBatchDetail(w http.ResponseWriter, r *http.Request, _ call) {
	id, err := strconv.ParseInt(r.PathValue("batchFileId"), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_PARAMETER", "batchFileId must be an integer.")
		return
	}
	s.mu.Lock()
	b, ok := s.batches[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "Batch "+strconv.FormatInt(id, 10)+" does not exist.")
		return
	}
	writeJSON(w, http.StatusOK, BatchDetail{b.name, "UPLOADED", b.created.In(cet).Format(time.DateOnly), []any{}})
}

// ExchangeRateList is one list of the CurrencyListSimple body.
type ExchangeRateList struct {
	EffectiveDateFrom time.Time      `json:"effectiveDateFrom"`
	EffectiveDateTo   time.Time      `json:"effectiveDateTo"`
	TradingDate       time.Time      `json:"tradingDate"`
	OrdinalNumber     int            `json:"ordinalNumber"`
	LastRates         bool           `json:"lastRates"`
	ExchangeRates     []ExchangeRate `json:"exchangeRates"`
}

// CurrencyListSimple is the body of both FX operations.
type CurrencyListSimple struct {
	ExchangeRateLists []ExchangeRateList `json:"exchangeRateLists"`
}

// fxDay reads the optional date parameter (default: today, §8.5).
func (s *Server) fxDay(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	now := s.clk.Now().In(cet)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, cet)
	if v := r.URL.Query().Get("date"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, cet)
		if err != nil {
			writeError(w, http.StatusBadRequest, "DT01", "Invalid date.")
			return time.Time{}, false
		}
		day = d
	}
	return day, true
}

func (s *Server) fxList(day time.Time, rates []ExchangeRate) CurrencyListSimple {
	return CurrencyListSimple{[]ExchangeRateList{{
		EffectiveDateFrom: day, EffectiveDateTo: day.Add(24*time.Hour - time.Millisecond), TradingDate: day,
		OrdinalNumber: 1, LastRates: true, ExchangeRates: rates,
	}}}
}

func (s *Server) getFxRatesList(w http.ResponseWriter, r *http.Request, _ call) {
	if day, ok := s.fxDay(w, r); ok {
		writeJSON(w, http.StatusOK, s.fxList(day, s.fx))
	}
}

func (s *Server) getFxRates(w http.ResponseWriter, r *http.Request, _ call) {
	day, ok := s.fxDay(w, r)
	if !ok {
		return
	}
	cur := strings.ToUpper(r.PathValue("currencyCode"))
	for _, x := range s.fx {
		if x.CurrencyFrom == cur {
			writeJSON(w, http.StatusOK, s.fxList(day, []ExchangeRate{x}))
			return
		}
	}
	writeError(w, http.StatusNotFound, "ID_NOT_FOUND", "No FX rates for currency "+cur+".")
}

// ---- bodies ----

// ErrorBody is the operations' error body (published spec).
type ErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

func writeError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, ErrorBody{code, desc})
}

// statusCodes are the published spec's error codes by status.
var statusCodes = map[int]string{
	http.StatusBadRequest: "INVALID_PARAMETER", http.StatusUnauthorized: "UNAUTHORISED",
	http.StatusForbidden: "INSUFFICIENT_RIGHTS", http.StatusNotFound: "ID_NOT_FOUND",
	http.StatusTooManyRequests: "TOO_MANY_REQUESTS",
}

// writeStatusError writes the error body for status (InjectStatus).
func (s *Server) writeStatusError(w http.ResponseWriter, _ *http.Request, status int) {
	if code, ok := statusCodes[status]; ok {
		writeError(w, status, code, http.StatusText(status))
		return
	}
	writeGatewayError(w, status, http.StatusText(status))
}

// GatewayError is the IBM API Connect gateway's error body (see the
// package doc).
type GatewayError struct {
	HTTPCode        string `json:"httpCode"`
	HTTPMessage     string `json:"httpMessage"`
	MoreInformation string `json:"moreInformation"`
}

func writeGatewayError(w http.ResponseWriter, status int, more string) {
	writeJSON(w, status, GatewayError{strconv.Itoa(status), http.StatusText(status), more})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
