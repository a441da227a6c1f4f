package boxnow

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigen-go/apigen/internal/fakes/fakeutil"
)

type order struct {
	id          string
	orderNumber string
	client      string
	raw         map[string]any // the request as sent, echoed as deliveryRequest
	destination string         // destination location id, "" for an address
	allowReturn bool
	parcels     []*parcel
}

type parcel struct {
	id      string
	order   *order
	item    map[string]any
	state   string
	events  []event
	created time.Time
	updated time.Time
}

type event struct {
	typ  string
	at   time.Time
	from string
}

// Parcel is a snapshot of a parcel, for assertions.
type Parcel struct {
	ID          string
	OrderID     string
	OrderNumber string
	Client      string
	State       string
	Events      []string
}

// Parcels returns a snapshot of every parcel, in creation order.
func (s *Server) Parcels() []Parcel {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Parcel
	for _, p := range s.parcels {
		var evs []string
		for _, e := range p.events {
			evs = append(evs, e.typ)
		}
		out = append(out, Parcel{ID: p.id, OrderID: p.order.id, OrderNumber: p.order.orderNumber,
			Client: p.order.client, State: p.state, Events: evs})
	}
	return out
}

// parcelEvents maps states to the event that leads to them (§4.3).
var parcelEvents = map[string]string{
	"new": "new", "in-transit": "in-depot", "in-final-destination": "final-destination",
	"delivered": "delivered", "expired-return": "expired", "returned": "returned",
	"lost": "lost", "canceled": "canceled", "missing": "missing",
}

// SetParcelState moves a parcel to state (one of the ParcelState values),
// recording the matching event, to simulate the courier's progress.
func (s *Server) SetParcelState(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev, ok := parcelEvents[state]
	if !ok {
		return fmt.Errorf("boxnow: unknown parcel state %q", state)
	}
	for _, p := range s.parcels {
		if p.id == id {
			now := s.cfg.Clock.Now()
			p.state, p.updated = state, now
			p.events = append(p.events, event{typ: ev, at: now})
			return nil
		}
	}
	return fmt.Errorf("boxnow: no parcel %q", id)
}

// locations serves /origins and /destinations with the name,
// locationType, latlng/radius and (destinations) limit filters (§4.3).
func (s *Server) locations(w http.ResponseWriter, r *http.Request, all []Location, destinations bool) {
	q := r.URL.Query()
	name := strings.ToLower(q.Get("name"))
	var types []string
	for _, v := range q["locationType"] {
		types = append(types, strings.Split(v, ",")...)
	}
	var lat, lng float64
	radius := 25000.0
	geo := q.Get("latlng") != ""
	if geo {
		a, b, ok := strings.Cut(q.Get("latlng"), ",")
		var err1, err2 error
		lat, err1 = strconv.ParseFloat(strings.TrimSpace(a), 64)
		lng, err2 = strconv.ParseFloat(strings.TrimSpace(b), 64)
		if !ok || err1 != nil || err2 != nil {
			s.writeCode(w, "P400", "latlng must be \"lat,lng\"")
			return
		}
		if v := q.Get("radius"); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || n <= 0 {
				s.writeCode(w, "P400", "radius must be a positive number of meters")
				return
			}
			radius = n
		}
	}
	limit := -1
	if v := q.Get("limit"); v != "" && destinations {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeCode(w, "P400", "limit must be a positive integer")
			return
		}
		limit = n
	}
	data := []map[string]any{}
	for _, l := range all {
		if name != "" && !strings.Contains(strings.ToLower(l.Name), name) {
			continue
		}
		if len(types) > 0 && !slices.Contains(types, l.Type) {
			continue
		}
		if geo {
			llat, err1 := strconv.ParseFloat(l.Lat, 64)
			llng, err2 := strconv.ParseFloat(l.Lng, 64)
			if err1 != nil || err2 != nil || haversine(lat, lng, llat, llng) > radius {
				continue
			}
		}
		m := map[string]any{}
		b, _ := json.Marshal(l)
		_ = json.Unmarshal(b, &m)
		if destinations {
			m["expectedDeliveryTime"] = s.cfg.Clock.Now().Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
		}
		data = append(data, m)
		if limit > 0 && len(data) == limit {
			break
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

// haversine returns the distance in meters between two coordinates.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

type locRef struct {
	LocationID        string `json:"locationId"`
	ContactNumber     string `json:"contactNumber"`
	ContactEmail      string `json:"contactEmail"`
	ContactName       string `json:"contactName"`
	DeliveryPartnerID string `json:"deliveryPartnerId"`
	AddressLine1      string `json:"addressLine1"`
	PostalCode        string `json:"postalCode"`
	Country           string `json:"country"`
}

type itemReq struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Value           *string  `json:"value"`
	Weight          *float64 `json:"weight"`
	CompartmentSize *float64 `json:"compartmentSize"`
}

type deliveryReq struct {
	OrderNumber         *string   `json:"orderNumber"`
	PaymentMode         *string   `json:"paymentMode"`
	InvoiceValue        *string   `json:"invoiceValue"`
	AmountToBeCollected *string   `json:"amountToBeCollected"`
	AllowReturn         *bool     `json:"allowReturn"`
	NotifySMSOnAccepted string    `json:"notifySMSOnAccepted"`
	TypeOfService       string    `json:"typeOfService"`
	Origin              *locRef   `json:"origin"`
	Destination         *locRef   `json:"destination"`
	ReturnLocation      *locRef   `json:"returnLocation"`
	Items               []itemReq `json:"items"`
}

var (
	moneyRe = regexp.MustCompile(`^\d+\.\d{2}$`)
	phoneRe = regexp.MustCompile(`^\+[1-9][0-9 ]{7,20}$`)
)

// iso3166 lists the ISO 3166-1 alpha-2 codes.
const iso3166 = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"

func validCountry(c string) bool {
	return len(c) == 2 && strings.Contains(" "+iso3166+" ", " "+c+" ")
}

func validPhone(p string) bool {
	digits := 0
	for _, r := range p {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return phoneRe.MatchString(p) && digits >= 8 && digits <= 15
}

func findLocation(all []Location, id string) *Location {
	for i := range all {
		if all[i].ID == id {
			return &all[i]
		}
	}
	return nil
}

// validate returns the §4.4 code and detail for the first problem of req
// (see the package doc for the order), or "".
func (s *Server) validate(req *deliveryReq, c *Client, returns bool) (code, detail string) {
	var missing []string
	need := func(name string, ok bool) {
		if !ok {
			missing = append(missing, name)
		}
	}
	need("orderNumber", req.OrderNumber != nil && *req.OrderNumber != "")
	need("paymentMode", req.PaymentMode != nil)
	need("invoiceValue", req.InvoiceValue != nil)
	need("amountToBeCollected", req.AmountToBeCollected != nil)
	need("origin", req.Origin != nil)
	need("destination", req.Destination != nil)
	need("items", len(req.Items) > 0)
	if req.Destination != nil {
		need("destination.contactNumber", req.Destination.ContactNumber != "")
		need("destination.contactEmail", req.Destination.ContactEmail != "")
		need("destination.contactName", req.Destination.ContactName != "")
	}
	for i, it := range req.Items {
		need(fmt.Sprintf("items[%d].value", i), it.Value != nil)
	}
	if len(missing) > 0 {
		return "P400", "missing " + strings.Join(missing, ", ")
	}
	if *req.PaymentMode != "prepaid" && *req.PaymentMode != "cod" {
		return "P400", "paymentMode must be prepaid or cod"
	}
	if req.TypeOfService != "" && req.TypeOfService != "same-day" && req.TypeOfService != "next-day" {
		return "P400", "typeOfService must be same-day or next-day"
	}
	money := map[string]string{"invoiceValue": *req.InvoiceValue, "amountToBeCollected": *req.AmountToBeCollected}
	for i, it := range req.Items {
		money[fmt.Sprintf("items[%d].value", i)] = *it.Value
	}
	for _, k := range slices.Sorted(maps.Keys(money)) {
		if !moneyRe.MatchString(money[k]) {
			return "P400", k + " must be a number with exactly 2 decimal places"
		}
	}
	phones := []struct{ name, value string }{
		{"origin.contactNumber", req.Origin.ContactNumber},
		{"destination.contactNumber", req.Destination.ContactNumber},
		{"notifySMSOnAccepted", req.NotifySMSOnAccepted},
	}
	for _, p := range phones {
		if p.value != "" && !validPhone(p.value) {
			return "P405", p.name
		}
	}
	places := []struct {
		name string
		loc  *locRef
	}{{"origin", req.Origin}, {"destination", req.Destination}, {"returnLocation", req.ReturnLocation}}
	for _, p := range places {
		if l := p.loc; l != nil && l.LocationID == "" && l.Country != "" && !validCountry(l.Country) {
			return "P407", p.name + ".country"
		}
	}
	var origin *Location
	if req.Origin.LocationID != "" {
		if origin = findLocation(s.cfg.Origins, req.Origin.LocationID); origin == nil {
			return "P401", "unknown origin locationId " + strconv.Quote(req.Origin.LocationID)
		}
	} else if req.Origin.AddressLine1 == "" || req.Origin.PostalCode == "" || req.Origin.Country == "" {
		return "P401", "origin needs a locationId or addressLine1, postalCode and country"
	}
	if req.Destination.LocationID != "" {
		if findLocation(s.cfg.Destinations, req.Destination.LocationID) == nil {
			return "P402", "unknown destination locationId " + strconv.Quote(req.Destination.LocationID)
		}
	} else if req.Destination.AddressLine1 == "" || req.Destination.PostalCode == "" || req.Destination.Country == "" {
		return "P402", "destination needs a locationId or addressLine1, postalCode and country"
	}
	fromAPM := origin != nil && (origin.Type == "apm" || origin.Type == "any-apm")
	if origin != nil && origin.Type == "any-apm" && !c.Permissions.AnyApmAsOrigin {
		return "P403", ""
	}
	for i, it := range req.Items {
		if it.CompartmentSize == nil {
			if fromAPM {
				return "P406", fmt.Sprintf("items[%d].compartmentSize is required when sending from an APM", i)
			}
			continue
		}
		if cs := *it.CompartmentSize; cs != 1 && cs != 2 && cs != 3 {
			return "P406", fmt.Sprintf("items[%d].compartmentSize", i)
		}
	}
	if *req.PaymentMode == "cod" {
		amt, _ := strconv.ParseFloat(*req.AmountToBeCollected, 64)
		if amt <= 0 || amt > 5000 {
			return "P408", ""
		}
	}
	for _, l := range []*locRef{req.Origin, req.Destination} {
		if l.DeliveryPartnerID != "" && !slices.ContainsFunc(s.cfg.DeliveryPartners, func(d DeliveryPartner) bool { return d.ID == l.DeliveryPartnerID }) {
			return "P409", "unknown deliveryPartnerId " + strconv.Quote(l.DeliveryPartnerID)
		}
	}
	for _, o := range s.orders {
		if o.client == c.ID && o.orderNumber == *req.OrderNumber {
			return "P410", ""
		}
	}
	if *req.PaymentMode == "cod" && !c.CODEligible {
		return "P411", ""
	}
	if returns && !c.ReturnsAllowed {
		return "P412", ""
	}
	if rl := req.ReturnLocation; rl != nil {
		if rl.LocationID != "" {
			if l := findLocation(s.cfg.Origins, rl.LocationID); l == nil || l.Type != "warehouse" {
				return "P413", ""
			}
		} else if rl.AddressLine1 == "" || rl.PostalCode == "" || rl.Country == "" {
			return "P413", ""
		}
	}
	return "", ""
}

// createDeliveryRequest serves POST /api/v1/delivery-requests and
// /api/v1/delivery-requests:customerReturns: one parcel per item.
func (s *Server) createDeliveryRequest(w http.ResponseWriter, r *http.Request, c *Client, now time.Time, returns bool) {
	var raw map[string]any
	var req deliveryReq
	body := new(bytes.Buffer)
	if _, err := body.ReadFrom(r.Body); err != nil || json.Unmarshal(body.Bytes(), &raw) != nil || json.Unmarshal(body.Bytes(), &req) != nil {
		s.writeCode(w, "P400", "malformed JSON")
		return
	}
	if code, detail := s.validate(&req, c, returns); code != "" {
		s.writeCode(w, code, detail)
		return
	}
	o := &order{id: strconv.Itoa(s.nextOrder), orderNumber: *req.OrderNumber, client: c.ID, raw: raw,
		destination: req.Destination.LocationID, allowReturn: req.AllowReturn != nil && *req.AllowReturn}
	s.nextOrder++
	s.orders = append(s.orders, o)
	var ids []map[string]any
	itemsRaw, _ := raw["items"].([]any)
	for i := range req.Items {
		item, _ := itemsRaw[i].(map[string]any)
		p := &parcel{id: strconv.FormatInt(s.nextParcel, 10), order: o, item: item, state: "new",
			events: []event{{typ: "new", at: now}}, created: now, updated: now}
		s.nextParcel++
		o.parcels = append(o.parcels, p)
		s.parcels = append(s.parcels, p)
		ids = append(ids, map[string]any{"id": p.id})
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": o.id, "parcels": ids})
}

func (s *Server) findOrder(c *Client, orderNumber string) (*order, bool) {
	for _, o := range s.orders {
		if o.orderNumber == orderNumber {
			if o.client == c.ID {
				return o, true
			}
			return o, false
		}
	}
	return nil, false
}

// updateDeliveryRequest serves PUT /api/v1/delivery-requests/{orderNumber}
// (allowReturn is the updatable member in the provider's spec).
func (s *Server) updateDeliveryRequest(w http.ResponseWriter, r *http.Request, c *Client, orderNumber string, now time.Time) {
	o, mine := s.findOrder(c, orderNumber)
	if o == nil || !mine {
		writeMessage(w, http.StatusNotFound, "Delivery request not found")
		return
	}
	var req struct {
		AllowReturn *bool `json:"allowReturn"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeCode(w, "P400", "malformed JSON")
		return
	}
	if req.AllowReturn != nil {
		o.allowReturn = *req.AllowReturn
		o.raw["allowReturn"] = *req.AllowReturn
		for _, p := range o.parcels {
			p.updated = now
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": o.id})
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

const isoMillis = "2006-01-02T15:04:05.000Z"

func (s *Server) parcelJSON(r *http.Request, p *parcel) map[string]any {
	var events []map[string]any
	for _, e := range p.events {
		events = append(events, map[string]any{"type": e.typ, "createTime": e.at.UTC().Format(isoMillis), "locationDisplayName": e.from})
	}
	m := map[string]any{
		"id": p.id, "state": p.state, "allowReturn": p.order.allowReturn,
		"deliveryRequest": p.order.raw, "events": events,
		"createTime": p.created.UTC().Format(isoMillis), "updateTime": p.updated.UTC().Format(isoMillis),
		"parcelLabelUrl": baseURL(r) + "/api/v1/parcels/" + p.id + "/label.pdf",
	}
	for _, k := range []string{"name", "value", "weight", "compartmentSize"} {
		if v, ok := p.item[k]; ok {
			if f, isNum := v.(float64); isNum && k == "weight" {
				v = strconv.FormatFloat(f, 'f', -1, 64)
			}
			m[k] = v
		}
	}
	if id, ok := p.item["id"]; ok {
		m["itemRefId"] = id
	}
	return m
}

// listParcels serves GET /api/v1/parcels with the parcelId, orderNumber,
// state, createdFrom/createdTo (epoch ms), limit and pageToken parameters
// and the X-export-url-csv header (§4.3).
func (s *Server) listParcels(w http.ResponseWriter, r *http.Request, c *Client) {
	q := r.URL.Query()
	limit := s.cfg.DefaultPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxPageSize {
			s.writeCode(w, "P400", fmt.Sprintf("limit must be between 1 and %d", s.cfg.MaxPageSize))
			return
		}
		limit = n
	}
	var states []string
	for _, v := range q["state"] {
		states = append(states, strings.Split(v, ",")...)
	}
	msParam := func(name string) (time.Time, bool, bool) {
		v := q.Get(name)
		if v == "" {
			return time.Time{}, false, true
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return time.UnixMilli(n), true, err == nil
	}
	from, hasFrom, ok1 := msParam("createdFrom")
	to, hasTo, ok2 := msParam("createdTo")
	if !ok1 || !ok2 {
		s.writeCode(w, "P400", "createdFrom and createdTo are UNIX timestamps in milliseconds")
		return
	}
	offset := 0
	if v := q.Get("pageToken"); v != "" {
		n, ok := decodePageToken(v)
		if !ok {
			s.writeCode(w, "P400", "invalid pageToken")
			return
		}
		offset = n
	}
	var hits []*parcel
	for _, p := range s.parcels {
		switch {
		case p.order.client != c.ID,
			q.Get("parcelId") != "" && p.id != q.Get("parcelId"),
			q.Get("orderNumber") != "" && p.order.orderNumber != q.Get("orderNumber"),
			len(states) > 0 && !slices.Contains(states, p.state),
			hasFrom && p.created.Before(from),
			hasTo && p.created.After(to):
			continue
		}
		hits = append(hits, p)
	}
	total := len(hits)
	lo, hi := min(offset, total), min(offset+limit, total)
	data := []map[string]any{}
	for _, p := range hits[lo:hi] {
		data = append(data, s.parcelJSON(r, p))
	}
	pag := map[string]any{"first": pageToken(0), "last": pageToken(max(0, (total-1)/limit*limit))}
	if hi < total {
		pag["next"] = pageToken(hi)
	}
	if lo > 0 {
		pag["prev"] = pageToken(max(0, lo-limit))
	}
	tok := strings.TrimSpace(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer"))
	w.Header().Set("X-export-url-csv", baseURL(r)+"/ui/v1/parcels.csv?authorization="+tok)
	writeJSON(w, http.StatusOK, map[string]any{"pagination": pag, "count": total, "data": data})
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

func decodePageToken(t string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), "offset:")
	n, err := strconv.Atoi(v)
	return n, ok && err == nil && n >= 0
}

// parcelsCSV serves GET /ui/v1/parcels.csv (§4.3, 1.33/1.34).
func (s *Server) parcelsCSV(w http.ResponseWriter, r *http.Request, c *Client) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write([]string{"id", "state", "order_number", "destination_public_id", "create_time"})
	for _, p := range s.parcels {
		if p.order.client == c.ID {
			_ = cw.Write([]string{p.id, p.state, p.order.orderNumber, p.order.destination, p.created.UTC().Format(isoMillis)})
		}
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv")
	_, _ = w.Write(b.Bytes())
}

func (s *Server) findParcel(w http.ResponseWriter, c *Client, id string) *parcel {
	for _, p := range s.parcels {
		if p.id == id {
			if p.order.client != c.ID {
				s.writeCode(w, "P414", "")
				return nil
			}
			return p
		}
	}
	writeMessage(w, http.StatusNotFound, "Parcel not found")
	return nil
}

// cancelParcel serves POST /api/v1/parcels/{id}:cancel (§4.3, §4.4 P420).
func (s *Server) cancelParcel(w http.ResponseWriter, c *Client, id string, now time.Time) {
	p := s.findParcel(w, c, id)
	if p == nil {
		return
	}
	switch p.state {
	case "canceled":
		// "Canceling a canceled parcel has no effect."
	case "new":
		p.state, p.updated = "canceled", now
		p.events = append(p.events, event{typ: "canceled", at: now})
	default:
		s.writeCode(w, "P420", "parcel is "+p.state)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// parcelLabel serves GET /api/v1/parcels/{id}/label.{pdf|zpl}.
func (s *Server) parcelLabel(w http.ResponseWriter, r *http.Request, c *Client, id, typ string) {
	p := s.findParcel(w, c, id)
	if p == nil {
		return
	}
	s.writeLabels(w, r, typ, []*parcel{p})
}

// orderLabel serves GET /api/v1/delivery-requests/{orderNumber}/label.{type}:
// the labels of every parcel of the order.
func (s *Server) orderLabel(w http.ResponseWriter, r *http.Request, c *Client, orderNumber, typ string) {
	o, mine := s.findOrder(c, orderNumber)
	if o == nil {
		writeMessage(w, http.StatusNotFound, "Delivery request not found")
		return
	}
	if !mine {
		s.writeCode(w, "P414", "")
		return
	}
	s.writeLabels(w, r, typ, o.parcels)
}

func (s *Server) writeLabels(w http.ResponseWriter, r *http.Request, typ string, ps []*parcel) {
	q := r.URL.Query()
	switch typ {
	case "pdf":
		var pages [][]string
		for _, p := range ps {
			pages = append(pages, labelLines(p))
		}
		body := fakeutil.RenderPDF("BOX NOW", pages)
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	case "zpl":
		dpi := 200
		if v := q.Get("dpi"); v != "" {
			if v != "200" && v != "300" {
				s.writeCode(w, "P400", "dpi must be 200 or 300")
				return
			}
			dpi, _ = strconv.Atoi(v)
		}
		widthMM := 100
		if v := q.Get("width"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				s.writeCode(w, "P400", "width must be a positive number of mm")
				return
			}
			widthMM = n
		}
		dots := widthMM * dpi * 10 / 254
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, "^XA^PW%d", dots)
			if m := q.Get("printerModel"); m != "" {
				fmt.Fprintf(&b, "^FX printer %s", m)
			}
			for i, l := range labelLines(p) {
				fmt.Fprintf(&b, "^FO40,%d^A0N,30,30^FD%s^FS", 40+40*i, l)
			}
			fmt.Fprintf(&b, "^FO40,%d^BCN,100,Y,N,N^FD%s^FS^XZ\n", 80+40*len(labelLines(p)), p.id)
		}
		w.Header().Set("Content-Type", "x-application/zpl")
		_, _ = w.Write([]byte(b.String()))
	default:
		writeMessage(w, http.StatusNotFound, "Unknown label type "+strconv.Quote(typ))
	}
}

func labelLines(p *parcel) []string {
	dest := p.order.destination
	if dest == "" {
		dest = "address"
	}
	return []string{"Parcel " + p.id, "Order " + p.order.orderNumber, "Destination " + dest}
}

// searchLabels serves POST /api/v1/labels:search (§4.3, 1.38).
func (s *Server) searchLabels(w http.ResponseWriter, r *http.Request, c *Client) {
	var req struct {
		ParcelIDs    []string `json:"parcelIds"`
		OrderNumbers []string `json:"orderNumbers"`
		PaperSize    string   `json:"paperSize"`
		PerPage      int      `json:"perPage"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.writeCode(w, "P400", "malformed JSON")
		return
	}
	if req.PaperSize != "" && req.PaperSize != "A4" && req.PaperSize != "A6" {
		s.writeCode(w, "P400", "paperSize must be A4 or A6")
		return
	}
	if req.PerPage != 0 && req.PerPage != 1 && req.PerPage != 2 && req.PerPage != 4 {
		s.writeCode(w, "P400", "perPage must be 1, 2 or 4")
		return
	}
	var hits []*parcel
	for _, p := range s.parcels {
		if len(req.ParcelIDs) > 0 && !slices.Contains(req.ParcelIDs, p.id) {
			continue
		}
		if len(req.OrderNumbers) > 0 && !slices.Contains(req.OrderNumbers, p.order.orderNumber) {
			continue
		}
		if p.order.client != c.ID {
			if slices.Contains(req.ParcelIDs, p.id) {
				s.writeCode(w, "P414", "")
				return
			}
			continue
		}
		hits = append(hits, p)
	}
	if len(hits) == 0 {
		writeMessage(w, http.StatusNotFound, "No labels match the criteria")
		return
	}
	s.writeLabels(w, r, "pdf", hits)
}

func (s *Server) labelData(p *parcel) map[string]any {
	raw := p.order.raw
	dest, _ := raw["destination"].(map[string]any)
	orig, _ := raw["origin"].(map[string]any)
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	weight := "0 kg"
	if v, ok := p.item["weight"].(float64); ok {
		weight = strconv.FormatFloat(v, 'f', -1, 64) + " kg"
	}
	payment := map[string]any{"mode": raw["paymentMode"]}
	if raw["paymentMode"] == "cod" {
		payment["amountToBeCollected"] = raw["amountToBeCollected"]
	}
	delivery := map[string]any{"type": "apm-delivery", "destinationPublicId": p.order.destination}
	if l := findLocation(s.cfg.Destinations, p.order.destination); l != nil {
		delivery["street"], delivery["zip"], delivery["city"] = l.AddressLine1, l.PostalCode, l.Name
	}
	return map[string]any{
		"parcel":           map[string]any{"displayName": p.id, "weight": weight},
		"partnerName":      p.order.client,
		"depotDisplayName": "ATH", "laneDisplayName": "LWH", "depotId": "ATH", "laneId": "LWH",
		"sender":      map[string]any{"rawInfo": str(orig, "contactName")},
		"recipient":   map[string]any{"rawInfo": str(dest, "contactName") + " " + str(dest, "contactNumber")},
		"delivery":    delivery,
		"payment":     payment,
		"createTime":  p.created.UTC().Format("02/01/06 15:04"),
		"orderNumber": p.order.orderNumber,
	}
}

// parcelLabelData serves GET /api/v1/parcels/{id}/label (1.35).
func (s *Server) parcelLabelData(w http.ResponseWriter, _ *http.Request, c *Client, id string) {
	if p := s.findParcel(w, c, id); p != nil {
		writeJSON(w, http.StatusOK, map[string]any{"data": s.labelData(p)})
	}
}

// orderLabelData serves GET /api/v1/delivery-requests/{orderNumber}/label
// (1.36): the label data of every parcel of the order.
func (s *Server) orderLabelData(w http.ResponseWriter, _ *http.Request, c *Client, orderNumber string) {
	o, mine := s.findOrder(c, orderNumber)
	if o == nil {
		writeMessage(w, http.StatusNotFound, "Delivery request not found")
		return
	}
	if !mine {
		s.writeCode(w, "P414", "")
		return
	}
	data := []any{}
	for _, p := range o.parcels {
		data = append(data, s.labelData(p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}
