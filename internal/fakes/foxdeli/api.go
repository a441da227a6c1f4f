package foxdeli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Delivery is the fake's delivery resource (see the package doc: its
// fields are modelled on the §9.5 example).
type Delivery struct {
	ID            int64      `json:"id"`
	OrderNumber   string     `json:"orderNumber"`
	Carrier       string     `json:"carrier,omitempty"`
	Value         float64    `json:"value"`
	ValueCurrency string     `json:"valueCurrency"`
	Packages      []Package  `json:"packages"`
	Recipient     *Recipient `json:"recipient,omitempty"`
	Status        string     `json:"status"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

// Package is one parcel of a delivery.
type Package struct {
	Weight float64 `json:"weight"`
}

// Recipient is who receives a delivery.
type Recipient struct {
	Name    string `json:"name,omitempty"`
	Street  string `json:"street,omitempty"`
	City    string `json:"city,omitempty"`
	Zip     string `json:"zip,omitempty"`
	Country string `json:"country,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// api serves everything but the OAuth endpoints.
func (s *Server) api(c *call) {
	r := c.r
	if ov := r.Header.Get("X-HTTP-Method-Override"); ov != "" && r.Method == http.MethodPost {
		// §9.6: only POST can be overridden, and only to PUT or DELETE.
		switch ov = strings.ToUpper(ov); ov {
		case http.MethodPut, http.MethodDelete:
			c.method = ov
		default:
			c.fail(http.StatusBadRequest, "X-HTTP-Method-Override may only be PUT or DELETE", nil)
			return
		}
	}
	if !c.negotiate() {
		// §9.6: an unsupported Accept is answered in JSON.
		c.fail(http.StatusNotAcceptable, "Not acceptable: supported formats are application/json and application/xml", nil)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	if path == "" {
		// §9.1: the root URL needs no authentication.
		if c.allow("GET") {
			c.ok(http.StatusOK, "Foxdeli REST API", map[string]any{
				"name":     "Foxdeli REST API",
				"versions": map[string]string{"v2": "deprecated", "v3": "current", "v4": "current"},
			})
		}
		return
	}
	for _, v := range s.cfg.GoneVersions {
		if strings.HasPrefix(path+"/", "/"+v+"/") || strings.HasPrefix(path+"/", "/api/"+v+"/") {
			c.fail(http.StatusGone, "This API version is no longer supported", nil)
			return
		}
	}
	rest, found := strings.CutPrefix(path, strings.TrimSuffix(s.cfg.APIPrefix, "/")+"/deliveries")
	switch {
	case found && rest == "":
		if !c.allow("GET", "POST") || !s.authorized(c, "deliveries") {
			return
		}
		if c.method == http.MethodGet {
			s.listDeliveries(c)
		} else {
			s.createDeliveries(c)
		}
	case found && strings.Count(rest, "/") == 1:
		id, err := strconv.ParseInt(rest[1:], 10, 64)
		if err != nil {
			c.fail(http.StatusNotFound, "Resource not found", nil)
			return
		}
		if !c.allow("GET", "PUT", "DELETE") || !s.authorized(c, "deliveries") {
			return
		}
		s.delivery(c, id)
	default:
		c.fail(http.StatusNotFound, "Resource not found", nil)
	}
}

// allow answers 405 with an Allow header unless the method is one of
// methods (§9.4).
func (c *call) allow(methods ...string) bool {
	if slices.Contains(methods, c.method) {
		return true
	}
	c.w.Header().Set("Allow", strings.Join(methods, ", "))
	c.fail(http.StatusMethodNotAllowed, "Method not allowed", nil)
	return false
}

// authorized checks the Basic token (§9.2) or bearer token (§9.3 step 4),
// and for a bearer token the scope.
func (s *Server) authorized(c *call, scope string) bool {
	h := c.r.Header.Get("Authorization")
	if h == "" && s.cfg.AcceptAuthenticationHeader {
		h = c.r.Header.Get("Authentication")
	}
	deny := func(challenge, message string) bool {
		c.w.Header().Set("WWW-Authenticate", challenge)
		c.send(http.StatusUnauthorized, Envelope{Code: "401", Status: "error", Message: message, Errors: []FieldError{}})
		return false
	}
	if tok, ok := strings.CutPrefix(h, "Basic "); ok {
		// Verbatim token after exactly one space; base64(user:pass) or a
		// second space makes it a different, unknown token.
		if tok != "" && slices.Contains(s.cfg.BasicTokens, tok) {
			return true
		}
		return deny(`Basic realm="ClientApi"`, "Invalid Basic token")
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		// No credentials (tokens in the query or body are not supported).
		return deny(`Bearer realm="ClientApi"`, "Authentication required: send an Authorization header")
	}
	s.mu.Lock()
	at, known := s.access[tok]
	expired := known && !s.clk.Now().Before(at.expires)
	s.mu.Unlock()
	switch {
	case !known:
		return deny(`Bearer realm="ClientApi", error="invalid_token", error_description="The access token provided is invalid"`,
			"The access token provided is invalid")
	case expired:
		// Verbatim from §9.3 step 4.
		return deny(`Bearer realm="ClientApi", error="invalid_token", error_description="The access token provided has expired"`,
			"The access token provided has expired")
	case !slices.Contains(at.scopes, scope):
		const msg = "The request requires higher privileges than provided by the access token"
		c.w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="ClientApi", error="insufficient_scope", error_description=%q, scope=%q`, msg, scope))
		c.send(http.StatusForbidden, Envelope{Code: "403", Status: "error", Message: msg, Errors: []FieldError{}})
		return false
	}
	return true
}

// body reads a JSON request body (§9.1 UTF-8, §9.6 gzip, content types),
// answering 415 or 400 itself.
func (c *call) body() (any, bool) {
	mt, params, err := mime.ParseMediaType(c.r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		c.fail(http.StatusUnsupportedMediaType, "Unsupported Content-Type", nil)
		return nil, false
	}
	var rd io.Reader = c.r.Body
	switch strings.ToLower(c.r.Header.Get("Content-Encoding")) {
	case "":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(c.r.Body)
		if err != nil {
			c.fail(http.StatusBadRequest, "Invalid input format", nil)
			return nil, false
		}
		rd = zr
	default:
		c.fail(http.StatusUnsupportedMediaType, "Unsupported Content-Encoding", nil)
		return nil, false
	}
	raw, err := io.ReadAll(rd)
	if err != nil || !utf8.Valid(raw) {
		c.fail(http.StatusBadRequest, "Invalid input format", nil)
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		c.fail(http.StatusBadRequest, "Invalid input format", nil)
		return nil, false
	}
	return v, true
}

func (s *Server) listDeliveries(c *call) {
	q := c.r.URL.Query()
	s.mu.Lock()
	out := []Delivery{}
	for _, d := range s.deliveries {
		if v := q.Get("deliveryId"); v == "" || v == strconv.FormatInt(d.ID, 10) {
			out = append(out, d)
		}
	}
	s.mu.Unlock()
	c.ok(http.StatusOK, "OK", out)
}

// createDeliveries is POST <prefix>/deliveries: a JSON array of deliveries
// (§9.5 [INFERRED]), 201 with the created ones, 422 with field errors.
func (s *Server) createDeliveries(c *call) {
	v, ok := c.body()
	if !ok {
		return
	}
	items, isArray := v.([]any)
	if !isArray {
		c.fail(http.StatusBadRequest, "Invalid input format", []FieldError{{Message: "The request body must be an array of deliveries.", Field: "", Value: nil}})
		return
	}
	if len(items) == 0 {
		c.fail(http.StatusUnprocessableEntity, "Validation failed", []FieldError{{Message: "This collection should contain 1 element or more.", Field: "", Value: nil}})
		return
	}
	var errs []FieldError
	ds := make([]Delivery, len(items))
	for i, it := range items {
		errs = append(errs, decodeDelivery(it, fmt.Sprintf("[%d]", i), &ds[i], true)...)
	}
	if len(errs) > 0 {
		c.fail(http.StatusUnprocessableEntity, "Validation failed", errs)
		return
	}
	s.mu.Lock()
	now := s.clk.Now()
	for i := range ds {
		s.nextID++
		ds[i].ID, ds[i].Status, ds[i].CreatedAt, ds[i].UpdatedAt = s.nextID, "new", now, now
		s.deliveries = append(s.deliveries, ds[i])
	}
	s.mu.Unlock()
	c.ok(http.StatusCreated, "Created", ds)
}

// delivery serves GET, PUT and DELETE <prefix>/deliveries/{id}.
func (s *Server) delivery(c *call, id int64) {
	s.mu.Lock()
	i := slices.IndexFunc(s.deliveries, func(d Delivery) bool { return d.ID == id })
	var cur Delivery
	if i >= 0 {
		cur = s.deliveries[i]
	}
	s.mu.Unlock()
	if i < 0 {
		c.fail(http.StatusNotFound, "Resource not found", nil)
		return
	}
	switch c.method {
	case http.MethodGet:
		c.ok(http.StatusOK, "OK", cur)
	case http.MethodDelete:
		s.mu.Lock()
		s.deliveries = slices.DeleteFunc(s.deliveries, func(d Delivery) bool { return d.ID == id })
		s.mu.Unlock()
		c.ok(http.StatusOK, "Deleted", nil)
	case http.MethodPut:
		// §9.4 412: If-Match must name the representation a GET would
		// return now.
		if im := c.r.Header.Get("If-Match"); im != "" {
			body, _ := c.render(Envelope{Code: http.StatusOK, Status: "success", Message: c.msg("OK"), Data: cur})
			if !noneMatch(im, etag(body)) {
				c.fail(http.StatusPreconditionFailed, "Precondition failed", nil)
				return
			}
		}
		v, ok := c.body()
		if !ok {
			return
		}
		upd := cur
		if errs := decodeDelivery(v, "", &upd, false); len(errs) > 0 {
			c.fail(http.StatusUnprocessableEntity, "Validation failed", errs)
			return
		}
		upd.UpdatedAt = s.clk.Now()
		s.mu.Lock()
		if j := slices.IndexFunc(s.deliveries, func(d Delivery) bool { return d.ID == id }); j >= 0 {
			s.deliveries[j] = upd
		}
		s.mu.Unlock()
		c.ok(http.StatusOK, "Updated", upd)
	}
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// decimalRE is a decimal with a comma or dot and no thousands separator
// (§9.6).
var decimalRE = regexp.MustCompile(`^-?[0-9]+([.,][0-9]+)?$`)

// decimal accepts a JSON number or a numeric string (§9.6 [AMBIGUOUS]).
func decimal(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case string:
		return parseDecimal(strings.TrimSpace(x))
	}
	return 0, false
}

func parseDecimal(s string) (float64, bool) {
	if !decimalRE.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	return f, err == nil
}

// shown renders an offending value for FieldError.Value (§9.5: "may not
// exactly match what was sent").
func shown(v any) any {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string, nil:
		return x
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// decodeDelivery validates one delivery object at path prefix p into d.
// With create, orderNumber, valueCurrency and packages are required;
// otherwise (PUT) only the fields present are checked and replaced.
func decodeDelivery(v any, p string, d *Delivery, create bool) []FieldError {
	field := func(name string) string {
		if p == "" {
			return name
		}
		return p + "." + name
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []FieldError{{Message: "This value should be of type object.", Field: p, Value: shown(v)}}
	}
	var errs []FieldError
	bad := func(name, msg string, val any) { errs = append(errs, FieldError{msg, field(name), shown(val)}) }
	str := func(name string, dst *string, required bool) {
		raw, has := obj[name]
		s, isStr := raw.(string)
		switch {
		case !has && !required:
		case !isStr || strings.TrimSpace(s) == "":
			bad(name, "This value should not be blank.", raw)
		default:
			*dst = s
		}
	}
	str("orderNumber", &d.OrderNumber, create)
	if raw, has := obj["carrier"]; has {
		s, _ := raw.(string)
		d.Carrier = s
	}
	if raw, has := obj["value"]; has {
		if f, ok := decimal(raw); ok {
			d.Value = f
		} else {
			bad("value", "This value should be of type float.", raw)
		}
	}
	if raw, has := obj["valueCurrency"]; has || create {
		if s, _ := raw.(string); currencyRE.MatchString(s) {
			d.ValueCurrency = s
		} else {
			bad("valueCurrency", "Invalid currency format, expected ISO 4217", raw)
		}
	}
	if raw, has := obj["packages"]; has || create {
		pkgs, _ := raw.([]any)
		if len(pkgs) == 0 {
			bad("packages", "This value should not be blank.", raw)
		}
		out := make([]Package, len(pkgs))
		for j, pk := range pkgs {
			pp := fmt.Sprintf("packages[%d]", j)
			po, ok := pk.(map[string]any)
			if !ok {
				bad(pp, "This value should be of type object.", pk)
				continue
			}
			w, ok := decimal(po["weight"])
			switch {
			case !ok:
				bad(pp+".weight", "This value should be of type float.", po["weight"])
			case w <= 0:
				bad(pp+".weight", "This value should be greater than 0.", po["weight"])
			}
			out[j].Weight = w
		}
		d.Packages = out
	}
	if raw, has := obj["recipient"]; has {
		b, _ := json.Marshal(raw)
		var rc Recipient
		if json.Unmarshal(b, &rc) != nil {
			bad("recipient", "This value should be of type object.", raw)
		} else {
			d.Recipient = &rc
		}
	}
	return errs
}
