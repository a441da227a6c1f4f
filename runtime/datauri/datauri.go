// Package datauri parses and formats RFC 2397 "data:" URIs,
//
//	data:[<mediatype>][;base64],<data>
//
// so that generated clients can carry a document inline: APIs such as PDF
// Generator accept images and assets as data URIs and can return generated
// PDFs as one, and callers turn binary downloads (BOX NOW labels, bank
// statements) into "data:application/pdf;base64,..." to embed them.
//
// DataURI marshals to and from a JSON string, so it can be the type of a
// generated struct field. Parsing is strict where leniency would hide
// corruption (bad base64, bad percent-escapes, stray parameters) and
// bounded: input decoding to more than a size limit is rejected.
package datauri

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
)

// DataURI is a decoded data URI.
type DataURI struct {
	// MediaType is the lower-case "type/subtype", e.g. "application/pdf".
	// Parse sets "text/plain" when the URI omits it; String writes nothing
	// for "".
	MediaType string
	// Params holds the media type parameters, names in lower case, values
	// decoded ("charset" → "utf-8"). Parse sets {"charset": "US-ASCII"},
	// the RFC 2397 default, when the URI has neither media type nor
	// parameters. nil when there are none.
	Params map[string]string
	// Base64 selects the base64 encoding of Data in String; otherwise Data
	// is percent-encoded.
	Base64 bool
	// Data is the decoded content.
	Data []byte
}

// DefaultMaxSize is the decoded size limit of Parse and of unmarshalling:
// large enough for any document an API returns inline, small enough that a
// hostile or corrupt response cannot exhaust memory.
const DefaultMaxSize = 64 << 20

// ErrTooLarge is returned when the data exceeds the size limit.
var ErrTooLarge = errors.New("datauri: data exceeds the size limit")

// SyntaxError describes malformed input. It never quotes the data itself,
// which may be large or confidential.
type SyntaxError struct {
	// Offset is the byte offset in the input where the problem was found.
	Offset int
	// Msg describes the problem.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("datauri: %s (at offset %d)", e.Msg, e.Offset)
}

// Parse decodes s with the DefaultMaxSize limit. Leading and trailing ASCII
// white space is ignored, as browsers do.
func Parse(s string) (*DataURI, error) { return ParseLimit(s, DefaultMaxSize) }

// ParseLimit decodes s, failing with ErrTooLarge when the decoded data
// would exceed maxSize bytes (maxSize <= 0 means DefaultMaxSize). Data more
// than about four times maxSize long is rejected before it is decoded.
//
// The scheme is case-insensitive. The media type and parameter names must
// be RFC 2045 tokens; parameter values may be tokens, quoted strings, or
// percent-encoded, and the first of repeated parameters wins. The header
// ends at the first ',', so a comma inside a parameter value must be
// percent-encoded. ";base64" must be the last parameter, and base64 data
// must be padded standard base64 (line breaks are skipped; percent-encoded
// characters are decoded first). Other data is percent-decoded; '+' is a
// plus, not a space.
func ParseLimit(s string, maxSize int) (*DataURI, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	trimmed := strings.TrimLeft(s, asciiSpace)
	lead := len(s) - len(trimmed)
	s = strings.TrimRight(trimmed, asciiSpace)
	if len(s) < len("data:") || !strings.EqualFold(s[:5], "data:") {
		return nil, &SyntaxError{lead, `missing "data:" scheme`}
	}
	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		return nil, &SyntaxError{lead + len(s), "missing ',' before the data"}
	}
	d := &DataURI{}
	if err := d.parseHeader(s[5:comma], lead+5); err != nil {
		return nil, err
	}
	raw := s[comma+1:]
	off := lead + comma + 1
	// Decoding shrinks percent-escapes 3:1 and base64 4:3, so input more
	// than about four times the limit cannot fit; reject it before
	// allocating.
	if len(raw)/4-2 > maxSize {
		return nil, ErrTooLarge
	}
	data, err := percentDecode(raw)
	if err != nil {
		return nil, &SyntaxError{off + err.(escapeError).at, "invalid percent-escape in data"}
	}
	if d.Base64 {
		dec := make([]byte, base64.StdEncoding.DecodedLen(len(data)))
		n, err := base64.StdEncoding.Strict().Decode(dec, data)
		if err != nil {
			var ce base64.CorruptInputError
			at := 0
			if errors.As(err, &ce) {
				at = int(ce)
			}
			return nil, &SyntaxError{off, fmt.Sprintf("invalid base64 data at byte %d of the data", at)}
		}
		data = dec[:n]
	}
	if len(data) > maxSize {
		return nil, ErrTooLarge
	}
	d.Data = data
	return d, nil
}

const asciiSpace = " \t\n\f\r"

// parseHeader reads "[type/subtype]*(;attr=value)[;base64]"; off is the
// offset of h in the input, for errors.
func (d *DataURI) parseHeader(h string, off int) error {
	end := strings.IndexByte(h, ';')
	if end < 0 {
		end = len(h)
	}
	if mt := h[:end]; mt != "" {
		if !validMediaType(mt) {
			return &SyntaxError{off, fmt.Sprintf("invalid media type %q", clip(mt))}
		}
		d.MediaType = strings.ToLower(mt)
	}
	for i := end; i < len(h); {
		i++ // the ';'
		j := i
		for j < len(h) && h[j] != '=' && h[j] != ';' {
			j++
		}
		attr := h[i:j]
		if j == len(h) || h[j] == ';' {
			if strings.EqualFold(attr, "base64") && j == len(h) {
				d.Base64 = true
				break
			}
			if strings.EqualFold(attr, "base64") {
				return &SyntaxError{off + i, `";base64" must be the last parameter`}
			}
			return &SyntaxError{off + i, fmt.Sprintf("parameter %q has no '=value'", clip(attr))}
		}
		if !isToken(attr) {
			return &SyntaxError{off + i, fmt.Sprintf("invalid parameter name %q", clip(attr))}
		}
		j++ // the '='
		var raw string
		if j < len(h) && h[j] == '"' {
			v, n, ok := unquote(h[j:])
			if !ok {
				return &SyntaxError{off + j, "unterminated quoted string (a ',' ends the header)"}
			}
			raw, j = v, j+n
			if j < len(h) && h[j] != ';' {
				return &SyntaxError{off + j, "text after a quoted parameter value"}
			}
		} else {
			k := j
			for k < len(h) && h[k] != ';' {
				k++
			}
			raw, j = h[j:k], k
		}
		val, err := percentDecode(raw)
		if err != nil {
			return &SyntaxError{off + i, fmt.Sprintf("invalid percent-escape in parameter %q", clip(attr))}
		}
		name := strings.ToLower(attr)
		if d.Params == nil {
			d.Params = make(map[string]string)
		}
		if _, dup := d.Params[name]; !dup {
			d.Params[name] = string(val)
		}
		i = j
	}
	if d.MediaType == "" {
		d.MediaType = "text/plain"
		if len(d.Params) == 0 {
			d.Params = map[string]string{"charset": "US-ASCII"}
		}
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// unquote reads an RFC 2045 quoted-string at the start of s, returning its
// content, the bytes consumed and whether it was terminated.
func unquote(s string) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), i + 1, true
		case '\\':
			if i+1 == len(s) {
				return "", 0, false
			}
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// escapeError locates a malformed percent-escape.
type escapeError struct{ at int }

func (e escapeError) Error() string { return "invalid percent-escape" }

// percentDecode decodes %XX escapes, strictly; other bytes are kept as is.
func percentDecode(s string) ([]byte, error) {
	n := strings.Count(s, "%")
	out := make([]byte, 0, max(len(s)-2*n, 0))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			out = append(out, c)
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return nil, escapeError{i}
		}
		out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	return out, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// isToken reports whether s is an RFC 2045 token: one or more printable
// ASCII characters other than space and tspecials.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

func validMediaType(mt string) bool {
	typ, sub, ok := strings.Cut(mt, "/")
	return ok && isToken(typ) && isToken(sub)
}

// String returns the canonical form of d: the media type in lower case,
// parameters sorted by name with values percent-encoded where they are not
// plain token characters, ";base64" when Base64 is set, and the data in
// padded standard base64 or percent-encoded. The result is plain ASCII with
// no quote or backslash, a valid URI, and Parse(d.String()) gives back d
// (with the defaults Parse fills in). Fields that cannot be written validly
// (see MarshalText) are written as they are.
func (d DataURI) String() string {
	var b strings.Builder
	size := len("data:") + len(d.MediaType) + len(";base64,")
	if d.Base64 {
		size += base64.StdEncoding.EncodedLen(len(d.Data))
	} else {
		size += len(d.Data)
	}
	b.Grow(size)
	b.WriteString("data:")
	b.WriteString(strings.ToLower(d.MediaType))
	names := make([]string, 0, len(d.Params))
	for name := range d.Params {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		b.WriteByte(';')
		b.WriteString(strings.ToLower(name))
		b.WriteByte('=')
		percentEncode(&b, d.Params[name], paramSafe)
	}
	if d.Base64 {
		b.WriteString(";base64,")
		enc := base64.NewEncoder(base64.StdEncoding, &b)
		enc.Write(d.Data)
		enc.Close()
	} else {
		b.WriteByte(',')
		percentEncode(&b, d.Data, dataSafe)
	}
	return b.String()
}

// Characters written unescaped. Parameter values keep only characters that
// are both RFC 2045 token characters and allowed in a URI, so that they
// never need quoting; data keeps RFC 3986 unreserved, sub-delims and
// ":@/?" (anything after the first ',' is data, so ',' and ';' are safe).
var (
	paramSafe = safeSet("-._~!$&'*+")
	dataSafe  = safeSet("-._~!$&'()*+,;=:@/?")
)

func safeSet(extra string) *[256]bool {
	var s [256]bool
	for c := 'a'; c <= 'z'; c++ {
		s[c], s[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		s[c] = true
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return &s
}

func percentEncode[T string | []byte](b *strings.Builder, s T, safe *[256]bool) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if safe[c] {
			b.WriteByte(c)
		} else {
			b.Write([]byte{'%', hex[c>>4], hex[c&15]})
		}
	}
}

// percentLen is the length of percentEncode's output.
func percentLen(data []byte, safe *[256]bool) int {
	n := 0
	for _, c := range data {
		if safe[c] {
			n++
		} else {
			n += 3
		}
	}
	return n
}

// ContentType returns the media type with its parameters as an HTTP
// Content-Type value, e.g. "text/plain; charset=utf-8", applying the
// RFC 2397 default when MediaType is empty.
func (d DataURI) ContentType() string {
	mt, params := d.MediaType, d.Params
	if mt == "" {
		mt = "text/plain"
		if len(params) == 0 {
			params = map[string]string{"charset": "US-ASCII"}
		}
	}
	if ct := mime.FormatMediaType(mt, params); ct != "" {
		return ct
	}
	return strings.ToLower(mt)
}

// FromBytes returns a data URI holding b, which it keeps without copying.
// mediaType may carry parameters ("text/csv; charset=utf-8"); an empty or
// unparsable media type becomes "application/octet-stream", which is what
// bytes of unknown type are. The encoding is whichever of base64 and
// percent-encoding is shorter for b, base64 on a tie: text stays readable,
// binary stays compact.
func FromBytes(mediaType string, b []byte) DataURI {
	d := DataURI{MediaType: "application/octet-stream", Data: b}
	if mt, params, err := mime.ParseMediaType(mediaType); err == nil && validMediaType(mt) {
		d.MediaType = mt
		if len(params) > 0 {
			d.Params = params
		}
	}
	d.Base64 = base64.StdEncoding.EncodedLen(len(b)) <= percentLen(b, dataSafe)
	return d
}

// FromReader reads r to the end into a data URI, as FromBytes does, failing
// with ErrTooLarge when r holds more than maxSize bytes (maxSize <= 0 means
// DefaultMaxSize). It suits streamed downloads such as a generated client's
// Download body.
func FromReader(mediaType string, r io.Reader, maxSize int) (DataURI, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(maxSize)+1))
	if err != nil {
		return DataURI{}, fmt.Errorf("datauri: reading data: %w", err)
	}
	if len(b) > maxSize {
		return DataURI{}, ErrTooLarge
	}
	return FromBytes(mediaType, b), nil
}

// validate reports fields String cannot write so that Parse reads them back.
func (d DataURI) validate() error {
	if d.MediaType != "" && !validMediaType(d.MediaType) {
		return fmt.Errorf("datauri: invalid media type %q", clip(d.MediaType))
	}
	for name := range d.Params {
		if !isToken(name) {
			return fmt.Errorf("datauri: invalid parameter name %q", clip(name))
		}
	}
	return nil
}

// MarshalText implements encoding.TextMarshaler with String, failing when
// the media type or a parameter name is not a valid token.
func (d DataURI) MarshalText() ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (d *DataURI) UnmarshalText(text []byte) error {
	p, err := Parse(string(text))
	if err != nil {
		return err
	}
	*d = *p
	return nil
}

// MarshalJSON encodes d as a JSON string holding d.String(). The canonical
// form needs no JSON escaping, which keeps large documents cheap to encode.
func (d DataURI) MarshalJSON() ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	s := d.String()
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"'), nil
}

// UnmarshalJSON decodes a JSON string with Parse. JSON null leaves d
// unchanged, as encoding/json does for other non-pointer types.
func (d *DataURI) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("datauri: %w", err)
	}
	return d.UnmarshalText([]byte(s))
}
