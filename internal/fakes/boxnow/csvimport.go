package boxnow

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Upload is one part of a multipart request as the server received it.
type Upload struct {
	Field       string // the part's form name
	Filename    string // "" for a text part
	ContentType string // the part's Content-Type header
	Data        []byte
}

// Uploads returns the parts of every CSV import received so far, in order.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Upload(nil), s.uploads...)
}

// csvColumns are the CSV import's columns per `type` (the published spec's
// examples): required first, then the optional ones with their defaults.
var csvColumns = map[string]struct {
	required []string
	optional map[string]string
}{
	"from-warehouse": {
		required: []string{"from_location", "destination_location", "customer_phone_number", "customer_email", "customer_full_name"},
		optional: map[string]string{"number_of_parcels": "1", "payment_mode": "prepaid", "amount_to_be_collected": "0.00", "price_currency": "EUR"},
	},
	"from-anyapm": {
		required: []string{"destination_location", "parcel_size", "customer_phone_number", "customer_email", "customer_full_name"},
		optional: map[string]string{"number_of_parcels": "1", "payment_mode": "prepaid", "amount_to_be_collected": "0.00", "price_currency": "EUR"},
	},
}

// importCSV serves POST /api/v1/delivery-requests:fromCsv as the
// published spec describes it: a multipart/form-data body with the
// required text part `type` and file part `file` (it must carry a
// filename, as a file part does), and the optional text parts
// allowReturn, showRecipientInformation, delimiter, originContactEmail and
// originContactNumber. Every CSV row becomes one order; the answer lists
// them, and X-labels-url-pdf links to the labels of all their parcels.
func (s *Server) importCSV(w http.ResponseWriter, r *http.Request, c *Client, now time.Time) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		s.writeCode(w, "P400", "the body must be multipart/form-data")
		return
	}
	form := map[string]Upload{}
	var parts []Upload
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.writeCode(w, "P400", "malformed multipart body: "+err.Error())
			return
		}
		data, err := io.ReadAll(p)
		if err != nil {
			s.writeCode(w, "P400", "malformed multipart body: "+err.Error())
			return
		}
		u := Upload{Field: p.FormName(), Filename: p.FileName(), ContentType: p.Header.Get("Content-Type"), Data: data}
		if _, dup := form[u.Field]; dup || u.Field == "" {
			s.writeCode(w, "P400", fmt.Sprintf("part %q is repeated or unnamed", u.Field))
			return
		}
		form[u.Field] = u
		parts = append(parts, u)
	}
	s.uploads = append(s.uploads, parts...)

	typ := string(form["type"].Data)
	cols, ok := csvColumns[typ]
	if !ok {
		s.writeCode(w, "P400", "type must be from-warehouse or from-anyapm")
		return
	}
	file, ok := form["file"]
	if !ok || file.Filename == "" {
		s.writeCode(w, "P400", "file is required and must be a file part")
		return
	}
	for _, name := range []string{"allowReturn", "showRecipientInformation"} {
		if u, ok := form[name]; ok && string(u.Data) != "true" && string(u.Data) != "false" {
			s.writeCode(w, "P400", name+" must be true or false")
			return
		}
	}
	delim := ','
	if u, ok := form["delimiter"]; ok {
		switch string(u.Data) {
		case ",":
		case ";":
			delim = ';'
		default:
			s.writeCode(w, "P400", `delimiter must be "," or ";"`)
			return
		}
	}
	rows, detail := parseImport(file.Data, delim, cols.required, cols.optional)
	if detail != "" {
		s.writeCode(w, "P404", detail)
		return
	}
	for i, row := range rows {
		if findLocation(s.cfg.Destinations, row["destination_location"]) == nil {
			s.writeCode(w, "P404", fmt.Sprintf("row %d: unknown destination_location %q", i+2, row["destination_location"]))
			return
		}
		if !validPhone(row["customer_phone_number"]) {
			s.writeCode(w, "P404", fmt.Sprintf("row %d: invalid customer_phone_number", i+2))
			return
		}
		if n, err := strconv.Atoi(row["number_of_parcels"]); err != nil || n < 1 {
			s.writeCode(w, "P404", fmt.Sprintf("row %d: number_of_parcels must be a positive integer", i+2))
			return
		}
	}

	base := "http://" + r.Host
	if r.TLS != nil {
		base = "https://" + r.Host
	}
	importID := strconv.Itoa(len(s.imports) + 1)
	var all []*parcel
	out := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		o := &order{id: strconv.Itoa(s.nextOrder), orderNumber: "csv-" + importID + "-" + strconv.Itoa(s.nextOrder), client: c.ID,
			raw:         map[string]any{"destination": map[string]any{"locationId": row["destination_location"], "contactName": row["customer_full_name"]}},
			destination: row["destination_location"], allowReturn: string(form["allowReturn"].Data) != "false"}
		s.nextOrder++
		s.orders = append(s.orders, o)
		n, _ := strconv.Atoi(row["number_of_parcels"])
		var refs []map[string]any
		for range n {
			p := &parcel{id: strconv.FormatInt(s.nextParcel, 10), order: o, item: map[string]any{}, state: "new",
				events: []event{{typ: "new", at: now}}, created: now, updated: now}
			s.nextParcel++
			o.parcels = append(o.parcels, p)
			s.parcels = append(s.parcels, p)
			all = append(all, p)
			refs = append(refs, map[string]any{"id": p.id, "labelUrl": base + "/api/v1/parcels/" + p.id + "/label.pdf"})
		}
		out = append(out, map[string]any{"id": o.id, "destination": map[string]any{"contactName": row["customer_full_name"]}, "parcels": refs})
	}
	s.imports = append(s.imports, all)
	_, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	w.Header().Set("X-labels-url-pdf", base+"/ui/v1/delivery-requests/"+importID+"/label.pdf?authorization="+strings.TrimSpace(tok))
	writeJSON(w, http.StatusOK, out)
}

// importLabels serves GET /ui/v1/delivery-requests/{orderImportsNumber}/label.pdf.
func (s *Server) importLabels(w http.ResponseWriter, r *http.Request, c *Client, id string) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > len(s.imports) || s.imports[n-1][0].order.client != c.ID {
		writeMessage(w, http.StatusNotFound, "Import not found")
		return
	}
	s.writeLabels(w, r, "pdf", s.imports[n-1])
}

// parseImport reads the CSV: a header row naming the columns (a
// "(default …)" note after a name, as in the docs' examples, is allowed),
// then one order per row. It returns the rows with defaults filled in, or
// a detail for P404.
func parseImport(data []byte, delim rune, required []string, optional map[string]string) ([]map[string]string, string) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delim
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, "invalid CSV: " + err.Error()
	}
	if len(recs) < 2 {
		return nil, "the CSV has no rows"
	}
	header := make([]string, len(recs[0]))
	known := map[string]bool{}
	for _, c := range required {
		known[c] = true
	}
	for c := range optional {
		known[c] = true
	}
	for i, h := range recs[0] {
		name, _, _ := strings.Cut(strings.TrimSpace(h), "(")
		name = strings.TrimSpace(name)
		if !known[name] {
			return nil, fmt.Sprintf("unknown column %q", h)
		}
		header[i] = name
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, v := range rec {
			if v = strings.TrimSpace(v); v != "" {
				row[header[i]] = v
			}
		}
		for _, c := range required {
			if row[c] == "" {
				return nil, fmt.Sprintf("row %d: missing %s", len(rows)+2, c)
			}
		}
		for c, def := range optional {
			if row[c] == "" {
				row[c] = def
			}
		}
		rows = append(rows, row)
	}
	return rows, ""
}
