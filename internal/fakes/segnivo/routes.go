package segnivo

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
)

const tsLayout = "2006-01-02T15:04:05.000000Z"

// route is one endpoint (method and path pattern), the unit of rate
// limiting (§5).
type route struct {
	method, pattern, op string
	relay               bool // a transactional sending endpoint
	uid                 string
}

var routes = []route{
	{method: http.MethodPost, pattern: "/v1/relay/send", op: "relaySend", relay: true},
	{method: http.MethodPost, pattern: "/v1/relay/raw", op: "relayRaw", relay: true},
	{method: http.MethodGet, pattern: "/v1/relay/emails", op: "emails"},
	{method: http.MethodGet, pattern: "/v1/relay/emails/{id}", op: "email"},
	{method: http.MethodPost, pattern: "/v1/validate-email", op: "validate"},
	{method: http.MethodPost, pattern: "/v1/messages", op: "createCampaign"},
	{method: http.MethodGet, pattern: "/v1/messages", op: "campaigns"},
	{method: http.MethodGet, pattern: "/v1/messages/{id}", op: "campaign"},
	{method: http.MethodPost, pattern: "/v1/lists", op: "createList"},
	{method: http.MethodGet, pattern: "/v1/lists", op: "lists"},
	{method: http.MethodGet, pattern: "/v1/lists/{id}", op: "list"},
	{method: http.MethodPost, pattern: "/v1/contacts", op: "createContact"},
	{method: http.MethodGet, pattern: "/v1/contacts", op: "contacts"},
	{method: http.MethodGet, pattern: "/v1/contacts/{id}", op: "contact"},
	{method: http.MethodPatch, pattern: "/v1/contacts/{id}", op: "updateContact"},
	{method: http.MethodPost, pattern: "/v1/contacts/{id}/delete", op: "deleteContact"},
}

func match(pattern, path string) (string, bool) {
	pp := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(pp) != len(xs) {
		return "", false
	}
	id := ""
	for i, p := range pp {
		switch {
		case p == "{id}" && xs[i] != "":
			id = xs[i]
		case p != xs[i]:
			return "", false
		}
	}
	return id, true
}

func matchRoute(method, path string) (route, bool) {
	for _, rt := range routes {
		if rt.method != method {
			continue
		}
		if id, ok := match(rt.pattern, path); ok {
			rt.uid = id
			return rt, true
		}
	}
	return route{}, false
}

func pathKnown(path string) bool {
	for _, rt := range routes {
		if _, ok := match(rt.pattern, path); ok {
			return true
		}
	}
	return false
}

func (s *Server) id(prefix string) string {
	s.next[prefix]++
	return fmt.Sprintf("%s_%06d", prefix, s.next[prefix])
}

type email struct {
	ID              string    `json:"id"`
	From            emailFrom `json:"from"`
	ReplyTo         string    `json:"reply_to"`
	Subject         string    `json:"subject"`
	Status          string    `json:"status"`
	Recipients      []string  `json:"recipients"`
	Content         string    `json:"content"`
	ContentType     string    `json:"content_type"`
	Source          string    `json:"source"`
	SpamScore       *float64  `json:"spam_score"`
	TrackOpen       bool      `json:"track_open"`
	TrackClick      bool      `json:"track_click"`
	SignDKIM        bool      `json:"sign_dkim"`
	IsTransactional bool      `json:"is_transactional"`
	DeliveryAt      *int64    `json:"delivery_at,omitempty"`
	CreatedAt       string    `json:"created_at"`
}

type emailFrom struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type mailingList struct {
	UID       string         `json:"uid"`
	Name      string         `json:"name"`
	FromEmail string         `json:"from_email"`
	FromName  string         `json:"from_name"`
	Contact   map[string]any `json:"contact"`
	CreatedAt string         `json:"created_at"`
	UpdatedAt string         `json:"updated_at"`
}

type contact struct {
	UID                string `json:"uid"`
	Email              string `json:"email"`
	FirstName          string `json:"first_name"`
	LastName           string `json:"last_name"`
	ListUID            string `json:"list_uid"`
	List               string `json:"list"`
	Status             string `json:"status"`
	VerificationStatus string `json:"verification_status"`
	Tag                string `json:"tag,omitempty"`
}

// decode reads a JSON object body into v; it writes a 422 and returns
// false on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	raw, err := io.ReadAll(r.Body)
	if err == nil && len(raw) == 0 {
		raw = []byte("{}")
	}
	if err != nil || json.Unmarshal(raw, v) != nil {
		writeValidation(w, map[string][]string{"body": {"must be a JSON object"}})
		return false
	}
	return true
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, now time.Time) {
	switch rt.op {
	case "relaySend":
		s.relaySend(w, r, now)
	case "relayRaw":
		s.relayRaw(w, r, now)
	case "emails":
		s.listEmails(w, r)
	case "email":
		for _, e := range s.emails {
			if e.ID == rt.uid {
				writeJSON(w, http.StatusOK, e)
				return
			}
		}
		writeError(w, http.StatusNotFound, "not_found", "Email "+strconv.Quote(rt.uid)+" not found.")
	case "validate":
		s.validateEmails(w, r)
	case "createCampaign":
		s.createCampaign(w, r, now)
	case "campaigns":
		out := []*campaign{}
		out = append(out, s.campaigns...)
		writeJSON(w, http.StatusOK, out)
	case "campaign":
		for _, c := range s.campaigns {
			if c.UID == rt.uid {
				writeJSON(w, http.StatusOK, c)
				return
			}
		}
		writeError(w, http.StatusNotFound, "not_found", "Campaign "+strconv.Quote(rt.uid)+" not found.")
	case "createList":
		s.createList(w, r, now)
	case "lists":
		writeJSON(w, http.StatusOK, s.listsJSON())
	case "list":
		for _, l := range s.lists {
			if l.UID == rt.uid {
				writeJSON(w, http.StatusOK, s.listJSON(l))
				return
			}
		}
		writeError(w, http.StatusNotFound, "not_found", "List "+strconv.Quote(rt.uid)+" not found.")
	case "createContact":
		s.createContact(w, r)
	case "contacts":
		s.listContacts(w, r)
	case "contact", "updateContact", "deleteContact":
		s.contact(w, r, rt)
	}
}

func validAddress(a string) bool {
	addr, err := mail.ParseAddress(a)
	if err != nil || addr.Address != a {
		return false
	}
	_, domain, _ := strings.Cut(a, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// spend takes n credits, reporting false (and taking none) when too few
// are left.
func (s *Server) spend(n int) bool {
	if s.credits < 0 {
		return true
	}
	if s.credits < n {
		return false
	}
	s.credits -= n
	return true
}

func (s *Server) creditsExhausted(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "credits_exhausted", "Your sending credits have been exhausted.")
}

// relaySend serves POST /v1/relay/send.
func (s *Server) relaySend(w http.ResponseWriter, r *http.Request, now time.Time) {
	var req struct {
		Subject         string   `json:"subject"`
		FromName        string   `json:"from_name"`
		FromEmail       string   `json:"from_email"`
		ReplyTo         string   `json:"reply_to"`
		ContentType     *string  `json:"content_type"`
		Recipients      []string `json:"recipients"`
		Content         string   `json:"content"`
		DeliveryAt      *int64   `json:"delivery_at"`
		SignDKIM        *bool    `json:"sign_dkim"`
		TrackClick      *bool    `json:"track_click"`
		TrackOpen       *bool    `json:"track_open"`
		IsTransactional bool     `json:"is_transactional"`
	}
	if !decode(w, r, &req) {
		return
	}
	errs := map[string][]string{}
	if req.Subject == "" {
		errs["subject"] = append(errs["subject"], "is required")
	}
	if !validAddress(req.FromEmail) {
		errs["from_email"] = append(errs["from_email"], "must be a valid e-mail address")
	}
	if req.ReplyTo != "" && !validAddress(req.ReplyTo) {
		errs["reply_to"] = append(errs["reply_to"], "must be a valid e-mail address")
	}
	if req.Content == "" {
		errs["content"] = append(errs["content"], "is required")
	}
	ct := "html"
	if req.ContentType != nil {
		ct = *req.ContentType
		if ct != "text" && ct != "html" {
			errs["content_type"] = append(errs["content_type"], "must be text or html")
		}
	}
	switch {
	case len(req.Recipients) == 0:
		errs["recipients"] = append(errs["recipients"], "at least one recipient is required")
	case len(req.Recipients) > s.cfg.MaxRecipients:
		errs["recipients"] = append(errs["recipients"], fmt.Sprintf("at most %d recipients", s.cfg.MaxRecipients))
	}
	for _, rc := range req.Recipients {
		if !validAddress(rc) {
			errs["recipients"] = append(errs["recipients"], strconv.Quote(rc)+" is not a valid e-mail address")
		}
	}
	if req.DeliveryAt != nil && (*req.DeliveryAt < 1e9 || *req.DeliveryAt > 9999999999) {
		errs["delivery_at"] = append(errs["delivery_at"], "must be a 10-digit unix timestamp")
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	if !s.spend(len(req.Recipients)) {
		s.creditsExhausted(w)
		return
	}
	def := func(b *bool) bool { return b == nil || *b }
	e := &email{
		ID: s.id("em"), From: emailFrom{Email: req.FromEmail, Name: req.FromName}, ReplyTo: req.ReplyTo,
		Subject: req.Subject, Status: "sent", Recipients: req.Recipients, Content: req.Content, ContentType: ct,
		Source: "api", TrackOpen: def(req.TrackOpen), TrackClick: def(req.TrackClick), SignDKIM: def(req.SignDKIM),
		IsTransactional: req.IsTransactional, DeliveryAt: req.DeliveryAt, CreatedAt: now.UTC().Format(tsLayout),
	}
	if req.DeliveryAt != nil && time.Unix(*req.DeliveryAt, 0).After(now) {
		e.Status = "scheduled"
	}
	s.emails = append(s.emails, e)
	writeJSON(w, http.StatusOK, map[string]any{"id": e.ID, "status": "success"})
}

// relayRaw serves POST /v1/relay/raw: an RFC 822 message whose To, Cc and
// Bcc headers name the recipients.
func (s *Server) relayRaw(w http.ResponseWriter, r *http.Request, now time.Time) {
	var req struct {
		Message         string `json:"message"`
		IsTransactional bool   `json:"is_transactional"`
		TrackClick      *bool  `json:"track_click"`
		TrackOpen       *bool  `json:"track_open"`
		SignDKIM        *bool  `json:"sign_dkim"`
	}
	if !decode(w, r, &req) {
		return
	}
	msg, err := mail.ReadMessage(strings.NewReader(strings.ReplaceAll(req.Message, "\r\n", "\n")))
	if err != nil {
		writeValidation(w, map[string][]string{"message": {"must be an RFC 822 message"}})
		return
	}
	var rcpts []string
	for _, h := range []string{"To", "Cc", "Bcc"} {
		if list, err := msg.Header.AddressList(h); err == nil {
			for _, a := range list {
				rcpts = append(rcpts, a.Address)
			}
		}
	}
	from, err := mail.ParseAddress(msg.Header.Get("From"))
	if err != nil || len(rcpts) == 0 {
		writeValidation(w, map[string][]string{"message": {"needs a From header and at least one recipient"}})
		return
	}
	if !s.spend(len(rcpts)) {
		s.creditsExhausted(w)
		return
	}
	body, _ := io.ReadAll(msg.Body)
	def := func(b *bool) bool { return b == nil || *b }
	e := &email{
		ID: s.id("em"), From: emailFrom{Email: from.Address, Name: from.Name}, Subject: msg.Header.Get("Subject"),
		Status: "sent", Recipients: rcpts, Content: string(body), ContentType: "text", Source: "raw",
		TrackOpen: def(req.TrackOpen), TrackClick: def(req.TrackClick), SignDKIM: def(req.SignDKIM),
		IsTransactional: req.IsTransactional, CreatedAt: now.UTC().Format(tsLayout),
	}
	s.emails = append(s.emails, e)
	writeJSON(w, http.StatusOK, map[string]any{"id": e.ID, "status": "success"})
}

// listEmails serves GET /v1/relay/emails?limit= (default 100): the newest
// first.
func (s *Server) listEmails(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeValidation(w, map[string][]string{"limit": {"must be a positive integer"}})
			return
		}
		limit = n
	}
	out := []*email{}
	for i := len(s.emails) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, s.emails[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"emails": out})
}

var reservedDomains = []string{"example.com", "example.net", "example.org"}
var reservedTLDs = []string{".test", ".invalid", ".example", ".localhost"}

// validateEmails serves POST /v1/validate-email with 1 to 50 addresses.
func (s *Server) validateEmails(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Emails []string `json:"emails"`
	}
	if !decode(w, r, &req) {
		return
	}
	if len(req.Emails) < 1 || len(req.Emails) > s.cfg.MaxValidate {
		writeValidation(w, map[string][]string{"emails": {fmt.Sprintf("between 1 and %d addresses are required", s.cfg.MaxValidate)}})
		return
	}
	out := []map[string]any{}
	for _, a := range req.Emails {
		out = append(out, map[string]any{"email": a, "status": s.verification(a)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"verifications": out, "status": "success"})
}

func (s *Server) verification(a string) string {
	if st, ok := s.verify[strings.ToLower(a)]; ok {
		return st
	}
	if !validAddress(a) {
		return "undeliverable"
	}
	_, domain, _ := strings.Cut(strings.ToLower(a), "@")
	if slices.Contains(reservedDomains, domain) || slices.ContainsFunc(reservedTLDs, func(t string) bool { return strings.HasSuffix(domain, t) }) {
		return "undeliverable"
	}
	return "deliverable"
}

// createList serves POST /v1/lists; name, from_email, from_name and
// contact (email, company) are required.
func (s *Server) createList(w http.ResponseWriter, r *http.Request, now time.Time) {
	var req struct {
		Name      string `json:"name"`
		FromEmail string `json:"from_email"`
		FromName  string `json:"from_name"`
		Contact   *struct {
			Email   string `json:"email"`
			Company string `json:"company"`
		} `json:"contact"`
	}
	if !decode(w, r, &req) {
		return
	}
	errs := map[string][]string{}
	if req.Name == "" {
		errs["name"] = []string{"is required"}
	}
	if !validAddress(req.FromEmail) {
		errs["from_email"] = []string{"must be a valid e-mail address"}
	}
	if req.FromName == "" {
		errs["from_name"] = []string{"is required"}
	}
	if req.Contact == nil || !validAddress(req.Contact.Email) {
		errs["contact.email"] = []string{"must be a valid e-mail address"}
	}
	if req.Contact == nil || req.Contact.Company == "" {
		errs["contact.company"] = []string{"is required"}
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	ts := now.UTC().Format(tsLayout)
	l := &mailingList{UID: s.id("lst"), Name: req.Name, FromEmail: req.FromEmail, FromName: req.FromName,
		Contact: map[string]any{"email": req.Contact.Email, "company": req.Contact.Company}, CreatedAt: ts, UpdatedAt: ts}
	s.lists = append(s.lists, l)
	writeJSON(w, http.StatusOK, map[string]any{"status": 1, "message": "List created successfully", "list_uid": l.UID})
}

func (s *Server) listJSON(l *mailingList) map[string]any {
	subs, unconfirmed, unsub := 0, 0, 0
	for _, c := range s.contacts {
		if c.ListUID != l.UID {
			continue
		}
		switch c.Status {
		case "subscribed":
			subs++
		case "unconfirmed":
			unconfirmed++
		case "unsubscribed":
			unsub++
		}
	}
	return map[string]any{
		"uid": l.UID, "name": l.Name, "from_email": l.FromEmail, "from_name": l.FromName,
		"created_at": l.CreatedAt, "updated_at": l.UpdatedAt,
		"statistics": map[string]any{
			"subscriber_count": subs + unconfirmed, "unconfirmed_count": unconfirmed, "unsubscribe_count": unsub,
			"open_rate": 0.0, "click_rate": 0.0, "unsubscribe_rate": 0.0,
		},
	}
}

func (s *Server) listsJSON() []map[string]any {
	out := []map[string]any{}
	for _, l := range s.lists {
		out = append(out, s.listJSON(l))
	}
	return out
}

// createContact serves POST /v1/contacts; list_uid and email are required,
// and an address may be on a list once.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ListUID   string `json:"list_uid"`
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Tag       string `json:"tag"`
	}
	if !decode(w, r, &req) {
		return
	}
	errs := map[string][]string{}
	if req.ListUID == "" {
		errs["list_uid"] = []string{"is required"}
	}
	if !validAddress(req.Email) {
		errs["email"] = []string{"must be a valid e-mail address"}
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	var list *mailingList
	for _, l := range s.lists {
		if l.UID == req.ListUID {
			list = l
		}
	}
	if list == nil {
		writeError(w, http.StatusNotFound, "not_found", "List "+strconv.Quote(req.ListUID)+" not found.")
		return
	}
	for _, c := range s.contacts {
		if c.ListUID == list.UID && strings.EqualFold(c.Email, req.Email) {
			writeValidation(w, map[string][]string{"email": {"is already subscribed to this list"}})
			return
		}
	}
	c := &contact{UID: s.id("sub"), Email: req.Email, FirstName: req.FirstName, LastName: req.LastName,
		ListUID: list.UID, List: list.Name, Status: "subscribed", VerificationStatus: s.verification(req.Email), Tag: req.Tag}
	s.contacts = append(s.contacts, c)
	writeJSON(w, http.StatusOK, map[string]any{"status": 1, "message": "Contact added successfully", "subscriber_uid": c.UID})
}

// listContacts serves GET /v1/contacts with email, per_page and page
// (1-based).
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, perPage := 1, 20
	for _, p := range []struct {
		name string
		dst  *int
	}{{"page", &page}, {"per_page", &perPage}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				writeValidation(w, map[string][]string{p.name: {"must be a positive integer"}})
				return
			}
			*p.dst = n
		}
	}
	var hits []*contact
	for _, c := range s.contacts {
		if e := q.Get("email"); e != "" && !strings.EqualFold(c.Email, e) {
			continue
		}
		hits = append(hits, c)
	}
	lo := min(len(hits), (page-1)*perPage)
	hi := min(len(hits), lo+perPage)
	out := hits[lo:hi]
	if out == nil {
		out = []*contact{}
	}
	writeJSON(w, http.StatusOK, out)
}

// contact serves GET, PATCH /v1/contacts/{uid} and POST …/delete.
func (s *Server) contact(w http.ResponseWriter, r *http.Request, rt route) {
	idx := slices.IndexFunc(s.contacts, func(c *contact) bool { return c.UID == rt.uid })
	if idx < 0 {
		writeError(w, http.StatusNotFound, "not_found", "Contact "+strconv.Quote(rt.uid)+" not found.")
		return
	}
	c := s.contacts[idx]
	switch rt.op {
	case "contact":
		writeJSON(w, http.StatusOK, c)
	case "deleteContact":
		s.contacts = slices.Delete(s.contacts, idx, idx+1)
		writeJSON(w, http.StatusOK, map[string]any{"status": 1, "message": "Contact deleted successfully"})
	case "updateContact":
		var req struct {
			Email     *string `json:"email"`
			FirstName *string `json:"first_name"`
			LastName  *string `json:"last_name"`
		}
		if !decode(w, r, &req) {
			return
		}
		if req.Email != nil && !validAddress(*req.Email) {
			writeValidation(w, map[string][]string{"email": {"must be a valid e-mail address"}})
			return
		}
		if req.Email != nil {
			c.Email = *req.Email
			c.VerificationStatus = s.verification(c.Email)
		}
		if req.FirstName != nil {
			c.FirstName = *req.FirstName
		}
		if req.LastName != nil {
			c.LastName = *req.LastName
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": 1, "message": "Contact updated successfully", "subscriber_uid": c.UID})
	}
}

type campaign struct {
	UID        string             `json:"uid"`
	Type       string             `json:"type"`
	Name       string             `json:"name"`
	Subject    string             `json:"subject"`
	FromEmail  string             `json:"from_email"`
	FromName   string             `json:"from_name"`
	ReplyTo    string             `json:"reply_to"`
	Status     string             `json:"status"`
	ListUID    string             `json:"mail_list_uid"`
	DeliveryAt *string            `json:"delivery_at"`
	CreatedAt  string             `json:"created_at"`
	UpdatedAt  string             `json:"updated_at"`
	Statistics campaignStatistics `json:"statistics"`
}

type campaignStatistics struct {
	SubscriberCount    int     `json:"subscriber_count"`
	DeliveredRate      float64 `json:"delivered_rate"`
	OpenCount          int     `json:"open_count"`
	OpenRate           float64 `json:"open_rate"`
	ClickCount         int     `json:"click_count"`
	ClickRate          float64 `json:"click_rate"`
	AbuseFeedbackCount int     `json:"abuse_feedback_count"`
	BounceCount        int     `json:"bounce_count"`
	UnsubscribeCount   int     `json:"unsubscribe_count"`
}

// createCampaign serves POST /v1/messages.
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, now time.Time) {
	var req struct {
		ListUID   string `json:"mail_list_uid"`
		Name      string `json:"name"`
		Subject   string `json:"subject"`
		FromEmail string `json:"from_email"`
		FromName  string `json:"from_name"`
		ReplyTo   string `json:"reply_to"`
	}
	if !decode(w, r, &req) {
		return
	}
	errs := map[string][]string{}
	if req.ListUID == "" {
		errs["mail_list_uid"] = []string{"is required"}
	}
	if req.Name == "" {
		errs["name"] = []string{"is required"}
	}
	if req.Subject == "" {
		errs["subject"] = []string{"is required"}
	}
	if !validAddress(req.FromEmail) {
		errs["from_email"] = []string{"must be a valid e-mail address"}
	}
	if req.FromName == "" {
		errs["from_name"] = []string{"is required"}
	}
	if req.ReplyTo != "" && !validAddress(req.ReplyTo) {
		errs["reply_to"] = []string{"must be a valid e-mail address"}
	}
	if len(errs) > 0 {
		writeValidation(w, errs)
		return
	}
	var list *mailingList
	for _, l := range s.lists {
		if l.UID == req.ListUID {
			list = l
		}
	}
	if list == nil {
		writeError(w, http.StatusNotFound, "not_found", "List "+strconv.Quote(req.ListUID)+" not found.")
		return
	}
	subs := 0
	for _, c := range s.contacts {
		if c.ListUID == list.UID && c.Status == "subscribed" {
			subs++
		}
	}
	ts := now.UTC().Format(tsLayout)
	c := &campaign{UID: s.id("cmp"), Type: "regular", Name: req.Name, Subject: req.Subject, FromEmail: req.FromEmail,
		FromName: req.FromName, ReplyTo: req.ReplyTo, Status: "new", ListUID: list.UID, CreatedAt: ts, UpdatedAt: ts,
		Statistics: campaignStatistics{SubscriberCount: subs}}
	s.campaigns = append(s.campaigns, c)
	writeJSON(w, http.StatusCreated, map[string]any{"status": 1, "message": "Campaign created successfully", "attributes": c})
}
