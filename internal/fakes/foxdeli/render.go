package foxdeli

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"mime"
	"net/http"
	"strings"
)

// Envelope is the response envelope of §9.5. Code is the HTTP status: a
// number, or a string in the OAuth layer's 401/403 bodies (see the package
// doc). Data is set on success, Errors on failure.
type Envelope struct {
	Code    any    `json:"code"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
	Errors  any    `json:"errors,omitempty"`
}

// FieldError is one entry of Envelope.Errors (§9.5).
type FieldError struct {
	Message string `json:"message"`
	Field   string `json:"field"`
	Value   any    `json:"value"`
}

// call carries one API request and what was negotiated for its response.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	method string // after X-HTTP-Method-Override
	xml    bool   // Accept asked for XML
	pretty bool   // prettyPrint is not false
	czech  bool   // Accept-Language: cs
}

func newCall(w http.ResponseWriter, r *http.Request) *call {
	lang, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Accept-Language")), ",")
	lang, _, _ = strings.Cut(lang, "-")
	lang, _, _ = strings.Cut(lang, ";")
	return &call{
		w: w, r: r, method: r.Method,
		pretty: r.URL.Query().Get("prettyPrint") != "false",
		czech:  strings.EqualFold(strings.TrimSpace(lang), "cs"),
	}
}

// negotiate reads Accept (§9.6): missing, */* or JSON → JSON; XML → XML;
// otherwise false (406). The first acceptable listed type wins; q-values
// only rule a type out when zero.
func (c *call) negotiate() bool {
	accept := strings.TrimSpace(c.r.Header.Get("Accept"))
	if accept == "" {
		return true
	}
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || strings.Trim(params["q"], "0.") == "" && params["q"] != "" {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json":
			return true
		case "application/xml", "text/xml":
			c.xml = true
			return true
		}
	}
	return false
}

// czechMessages translates the fake's messages for Accept-Language: cs
// (§9.5 errors.message, §9.6).
var czechMessages = map[string]string{
	"Validation failed":                                 "Validace selhala",
	"This value should be of type float.":               "Tato hodnota by měla být typu float.",
	"Invalid currency format, expected ISO 4217":        "Neplatný formát měny, očekáván ISO 4217",
	"This value should not be blank.":                   "Tato hodnota nesmí být prázdná.",
	"This value should be greater than 0.":              "Tato hodnota by měla být větší než 0.",
	"This value should be of type object.":              "Tato hodnota by měla být typu objekt.",
	"This collection should contain 1 element or more.": "Tato kolekce by měla obsahovat 1 prvek nebo více.",
	"Resource not found":                                "Zdroj nebyl nalezen",
	"Method not allowed":                                "Metoda není povolena",
	"Invalid input format":                              "Neplatný formát vstupních dat",
	"Unsupported Content-Type":                          "Nepodporovaná hlavička Content-Type",
	"Precondition failed":                               "Zdroj byl mezitím změněn",
	"This API version is no longer supported":           "Tato verze API již není podporována",
}

func (c *call) msg(m string) string {
	if c.czech {
		if t, ok := czechMessages[m]; ok {
			return t
		}
	}
	return m
}

// ok writes a success envelope.
func (c *call) ok(status int, message string, data any) {
	c.send(status, Envelope{Code: status, Status: "success", Message: c.msg(message), Data: data})
}

// fail writes an error envelope with field errors (which may be nil).
func (c *call) fail(status int, message string, errs []FieldError) {
	env := Envelope{Code: status, Status: "error", Message: c.msg(message)}
	if len(errs) > 0 {
		for i := range errs {
			errs[i].Message = c.msg(errs[i].Message)
		}
		env.Errors = errs
	}
	c.send(status, env)
}

// send renders env; a GET 200 gets an ETag and may become a 304 (§9.6).
func (c *call) send(status int, env Envelope) {
	body, ctype := c.render(env)
	h := c.w.Header()
	h.Set("Vary", "Accept, Accept-Encoding, Accept-Language")
	if c.method == http.MethodGet && status == http.StatusOK {
		tag := etag(body)
		h.Set("ETag", tag)
		if noneMatch(c.r.Header.Get("If-None-Match"), tag) {
			c.w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	writeBody(c.w, c.r, status, ctype, body)
}

// render serialises env as JSON or XML, indented unless prettyPrint=false.
func (c *call) render(env Envelope) ([]byte, string) {
	js, err := json.Marshal(env)
	if err != nil {
		panic(err) // the fake only renders its own types
	}
	if c.xml {
		return jsonToXML(js, c.pretty), "application/xml; charset=utf-8"
	}
	if c.pretty {
		var b bytes.Buffer
		_ = json.Indent(&b, js, "", "    ")
		js = b.Bytes()
	}
	return append(js, '\n'), "application/json; charset=utf-8"
}

// etag is a strong entity tag: a hash of the (uncompressed) body.
func etag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// noneMatch reports whether an If-None-Match header matches tag (weak
// comparison, RFC 9110 §13.1.2).
func noneMatch(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := strings.TrimSpace(params)
		if q, ok := strings.CutPrefix(q, "q="); ok && strings.Trim(q, "0.") == "" {
			return false
		}
		return true
	}
	return false
}

// writeBody writes body, gzip-compressed when the client accepts it (§9.6).
func writeBody(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	w.Header().Set("Content-Type", ctype)
	if acceptsGzip(r) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write(body)
		_ = zw.Close()
		body = b.Bytes()
		w.Header().Set("Content-Encoding", "gzip")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// jsonToXML converts a JSON object into the XML form of §9.5: the object
// becomes <root>, each key a child element, each array a repetition of
// its key's element with no wrapper.
func jsonToXML(js []byte, pretty bool) []byte {
	x := xmlWriter{dec: json.NewDecoder(bytes.NewReader(js)), pretty: pretty}
	x.dec.UseNumber()
	x.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	x.b.WriteByte('\n')
	if err := x.value("root", 0); err != nil {
		panic(err) // js came from json.Marshal
	}
	return x.b.Bytes()
}

type xmlWriter struct {
	dec    *json.Decoder
	b      bytes.Buffer
	pretty bool
}

func (x *xmlWriter) line(depth int, s string) {
	if x.pretty {
		x.b.WriteString(strings.Repeat("    ", depth))
	}
	x.b.WriteString(s)
	if x.pretty {
		x.b.WriteByte('\n')
	}
}

func (x *xmlWriter) value(name string, depth int) error {
	tok, err := x.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			for x.dec.More() {
				if err := x.value(name, depth); err != nil {
					return err
				}
			}
			_, err = x.dec.Token()
			return err
		}
		x.line(depth, "<"+name+">")
		for x.dec.More() {
			key, err := x.dec.Token()
			if err != nil {
				return err
			}
			if err := x.value(key.(string), depth+1); err != nil {
				return err
			}
		}
		x.line(depth, "</"+name+">")
		_, err = x.dec.Token()
		return err
	case nil:
		x.line(depth, "<"+name+"/>")
	default:
		var text bytes.Buffer
		s := ""
		switch v := v.(type) {
		case string:
			s = v
		case json.Number:
			s = v.String()
		case bool:
			s = "false"
			if v {
				s = "true"
			}
		}
		_ = xml.EscapeText(&text, []byte(s))
		x.line(depth, "<"+name+">"+text.String()+"</"+name+">")
	}
	return nil
}
