package rest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
)

// body is a request body: in memory (data) or a sequence of segments,
// some of which stream from the caller's readers.
type body struct {
	set         bool
	contentType string
	data        []byte
	segs        []segment
	opened      bool
}

// segment is one piece of a streamed body.
type segment struct {
	data []byte      // literal bytes, or:
	ra   io.ReaderAt // re-readable: a fresh io.SectionReader per attempt
	sk   io.Seeker   // re-readable: seek to off per attempt
	r    io.Reader   // the reader itself (sk's, or a one-shot stream)
	off  int64
	size int64 // -1: unknown (one-shot stream)
}

func (s *segment) replayable() bool { return s.ra != nil || s.sk != nil || s.r == nil }

// JSON encodes v with encoding/json as the body (contentType usually "application/json").
// The encoded bytes are kept, so the body can be replayed and its length
// is known. An empty contentType means application/json.
func (r *Request) JSON(contentType string, v any) {
	if r.err != nil {
		return
	}
	if err := checkRequired(v); err != nil {
		r.fail(fmt.Errorf("rest: JSON body: %w", err))
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		r.fail(fmt.Errorf("rest: encode JSON body: %w", err))
		return
	}
	if contentType == "" {
		contentType = "application/json"
	}
	r.body = body{set: true, contentType: contentType, data: b}
}

// Form encodes v (struct with json tags, map, opt values) as
// application/x-www-form-urlencoded, nesting Stripe-style: a[b]=1,
// a[c][0]=x (arrays indexed), booleans true/false, absent values skipped.
//
// Members are written in struct field order, map keys sorted. Brackets
// are written literally; names and values are percent-encoded otherwise
// (a space is %20). A null opt.Nullable, and an empty non-nil slice or
// map, is sent as "key=" (Stripe's way to clear a value). A url.Values is
// encoded as is (sorted by key).
func (r *Request) Form(v any) {
	if r.err != nil {
		return
	}
	var data []byte
	if vals, ok := v.(url.Values); ok {
		data = []byte(vals.Encode())
	} else if rv, st := resolve(v); st == present {
		k := reflect.ValueOf(rv).Kind()
		if k != reflect.Struct && k != reflect.Map {
			r.fail(fmt.Errorf("rest: form body must be a struct or map, not %T", rv))
			return
		}
		if err := checkRequired(rv); err != nil {
			r.fail(fmt.Errorf("rest: form body: %w", err))
			return
		}
		var err error
		data, err = appendMembers(make([]byte, 0, 64), "", reflect.ValueOf(rv), true, 0)
		if err != nil {
			r.fail(fmt.Errorf("rest: encode form body: %w", err))
			return
		}
	}
	if data == nil {
		data = []byte{}
	}
	r.body = body{set: true, contentType: "application/x-www-form-urlencoded", data: data}
}

// Multipart encodes v as multipart/form-data: io.Reader fields (and
// rest.File) become file parts, others are text parts (JSON for objects).
//
// v is a struct (json tag names, field order) or a map (sorted keys).
// Slices of files or scalars become one part per element under the same
// name; []byte is a file part. A file part's filename is File.Name, else
// the base name of an *os.File (anything with a Name method), else the
// field name; its Content-Type is File.ContentType or
// application/octet-stream. Objects are application/json parts.
//
// Readers are streamed, not buffered. When every file reader is
// re-readable (*bytes.Reader, *strings.Reader, *bytes.Buffer, or an
// io.Seeker such as *os.File) the body has a Content-Length and can be
// replayed on retry; otherwise it is sent once, chunked. rest never closes
// the readers.
func (r *Request) Multipart(v any) {
	if r.err != nil {
		return
	}
	rv, st := resolve(v)
	if st != present {
		rv = map[string]any{}
	}
	val := reflect.ValueOf(rv)
	if k := val.Kind(); k != reflect.Struct && k != reflect.Map {
		r.fail(fmt.Errorf("rest: multipart body must be a struct or map, not %T", rv))
		return
	}
	if err := checkRequired(rv); err != nil {
		r.fail(fmt.Errorf("rest: multipart body: %w", err))
		return
	}
	sw := &segWriter{}
	mw := multipart.NewWriter(sw)
	err := eachMember(val, func(name string, mv any) error { return addPart(mw, sw, name, mv) })
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		r.fail(fmt.Errorf("rest: encode multipart body: %w", err))
		return
	}
	b := body{set: true, contentType: mw.FormDataContentType()}
	if segs := sw.finish(); len(segs) == 1 && segs[0].r == nil && segs[0].ra == nil {
		b.data = segs[0].data
	} else {
		b.segs = segs
	}
	r.body = b
}

// segWriter collects what multipart.Writer writes as literal segments,
// interleaved with reader segments for file contents.
type segWriter struct {
	segs []segment
	cur  []byte
}

func (w *segWriter) Write(p []byte) (int, error) {
	w.cur = append(w.cur, p...)
	return len(p), nil
}

func (w *segWriter) flush() {
	if len(w.cur) > 0 {
		w.segs = append(w.segs, segment{data: w.cur, size: int64(len(w.cur))})
		w.cur = nil
	}
}

func (w *segWriter) add(s segment) {
	if s.r == nil && s.ra == nil {
		w.cur = append(w.cur, s.data...)
		return
	}
	w.flush()
	w.segs = append(w.segs, s)
}

func (w *segWriter) finish() []segment {
	w.flush()
	return w.segs
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "%0D", "\n", "%0A")

func addPart(mw *multipart.Writer, sw *segWriter, name string, v any) error {
	if ok, err := addFilePart(mw, sw, name, v); ok || err != nil {
		return err
	}
	v, st := resolve(v)
	switch st {
	case absent:
		return nil
	case null:
		_, err := mw.CreateFormField(name)
		return err
	}
	if ok, err := addFilePart(mw, sw, name, v); ok || err != nil {
		return err
	}
	if s, ok, err := scalarString(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	} else if ok {
		return addTextPart(mw, name, s)
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Slice || k == reflect.Array {
		if allParts(rv) {
			for i := range rv.Len() {
				if err := addPart(mw, sw, name, rv.Index(i).Interface()); err != nil {
					return err
				}
			}
			return nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(name)+`"`)
	h.Set("Content-Type", "application/json")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// allParts reports whether every element of the list rv is a file or a
// scalar, so that it becomes one part per element rather than JSON.
func allParts(rv reflect.Value) bool {
	for i := range rv.Len() {
		ev, st := resolve(rv.Index(i).Interface())
		if st != present {
			continue
		}
		switch ev.(type) {
		case File, *File, io.Reader, []byte:
			continue
		}
		if _, ok, _ := scalarString(ev); !ok {
			return false
		}
	}
	return true
}

func addTextPart(mw *multipart.Writer, name, s string) error {
	w, err := mw.CreateFormField(name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, s)
	return err
}

// addFilePart writes v as a file part when it is one; ok reports whether
// it was.
func addFilePart(mw *multipart.Writer, sw *segWriter, name string, v any) (ok bool, err error) {
	var f File
	switch x := v.(type) {
	case File:
		f = x
	case *File:
		if x == nil {
			return true, nil
		}
		f = *x
	case []byte:
		f = File{Body: bytes.NewReader(x)}
	case []File:
		for _, it := range x {
			if _, err := addFilePart(mw, sw, name, it); err != nil {
				return true, err
			}
		}
		return true, nil
	case io.Reader:
		if rv := reflect.ValueOf(x); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return true, nil
		}
		f = File{Body: x}
	default:
		return false, nil
	}
	if f.Body == nil {
		f.Body = bytes.NewReader(nil)
	}
	filename := f.Name
	if filename == "" {
		if n, ok := f.Body.(interface{ Name() string }); ok {
			filename = filepath.Base(n.Name())
		}
	}
	if filename == "" {
		filename = name
	}
	ct := f.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := make(textproto.MIMEHeader, 2)
	h.Set("Content-Disposition", `form-data; name="`+quoteEscaper.Replace(name)+`"; filename="`+quoteEscaper.Replace(filename)+`"`)
	h.Set("Content-Type", ct)
	if _, err := mw.CreatePart(h); err != nil {
		return true, err
	}
	seg, err := readerSegment(f.Body)
	if err != nil {
		return true, fmt.Errorf("%s: %w", name, err)
	}
	sw.add(seg)
	return true, nil
}

// readerSegment describes how to (re-)read rd: in memory, through
// io.ReaderAt, by seeking, or once.
func readerSegment(rd io.Reader) (segment, error) {
	switch x := rd.(type) {
	case *bytes.Buffer:
		return segment{data: x.Bytes(), size: int64(x.Len())}, nil
	case *bytes.Reader:
		n := int64(x.Len())
		return segment{ra: x, r: x, off: x.Size() - n, size: n}, nil
	case *strings.Reader:
		n := int64(x.Len())
		return segment{ra: x, r: x, off: x.Size() - n, size: n}, nil
	}
	if sk, ok := rd.(io.Seeker); ok {
		if off, err := sk.Seek(0, io.SeekCurrent); err == nil {
			end, err := sk.Seek(0, io.SeekEnd)
			if err != nil {
				return segment{}, err
			}
			if _, err := sk.Seek(off, io.SeekStart); err != nil {
				return segment{}, err
			}
			s := segment{sk: sk, r: rd, off: off, size: end - off}
			if ra, ok := rd.(io.ReaderAt); ok {
				s.ra = ra
			}
			return s, nil
		}
		// Not really seekable (a pipe or terminal): stream it.
	}
	return segment{r: rd, size: -1}, nil
}

// Raw sends body as is with contentType (a File's own ContentType wins,
// and its Body is what is sent); when body is *bytes.Reader,
// *bytes.Buffer, *strings.Reader or an io.Seeker, GetBody and
// Content-Length are set so retries may replay it.
//
// Replayable bodies are read from their current position and never
// closed by rest (the caller owns them; an *os.File is read through
// ReadAt, leaving its offset alone). Any other reader is sent once; if it
// is an io.Closer the transport closes it, as net/http does.
func (r *Request) Raw(contentType string, body io.Reader) {
	if r.err != nil {
		return
	}
	switch f := body.(type) {
	case File:
		body, contentType = f.Body, cmp.Or(f.ContentType, contentType)
	case *File:
		if f != nil {
			body, contentType = f.Body, cmp.Or(f.ContentType, contentType)
		}
	}
	b := newBody(contentType)
	if body == nil {
		b.data = []byte{}
		r.body = b
		return
	}
	seg, err := readerSegment(body)
	if err != nil {
		r.fail(fmt.Errorf("rest: raw body: %w", err))
		return
	}
	if seg.r == nil && seg.ra == nil {
		b.data = seg.data
	} else {
		b.segs = []segment{seg}
	}
	r.body = b
}

func newBody(contentType string) body {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	return body{set: true, contentType: contentType}
}

var errBodyReused = errors.New("rest: request body cannot be read twice")

// open returns the body to send, the function that re-opens it (nil when
// it cannot be replayed) and its length (-1 when unknown).
func (b *body) open() (rc io.ReadCloser, getBody func() (io.ReadCloser, error), n int64, err error) {
	if !b.set {
		return nil, nil, 0, nil
	}
	if b.segs == nil {
		data := b.data
		if len(data) == 0 {
			return http.NoBody, func() (io.ReadCloser, error) { return http.NoBody, nil }, 0, nil
		}
		return io.NopCloser(bytes.NewReader(data)), func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data)), nil
		}, int64(len(data)), nil
	}
	replayable := true
	n = 0
	for i := range b.segs {
		s := &b.segs[i]
		if !s.replayable() {
			replayable = false
		}
		if s.size < 0 || n < 0 {
			n = -1
		} else {
			n += s.size
		}
	}
	if !replayable && b.opened {
		return nil, nil, 0, errBodyReused
	}
	b.opened = true
	rc, err = b.reader()
	if err != nil {
		return nil, nil, 0, err
	}
	if replayable {
		getBody = b.reader
	}
	return rc, getBody, n, nil
}

// reader assembles one pass over the segments.
func (b *body) reader() (io.ReadCloser, error) {
	if len(b.segs) == 1 {
		s := &b.segs[0]
		if !s.replayable() {
			if rc, ok := s.r.(io.ReadCloser); ok {
				return rc, nil // the transport closes it, as net/http would
			}
			return io.NopCloser(s.r), nil
		}
	}
	rs := make([]io.Reader, 0, len(b.segs))
	for i := range b.segs {
		s := &b.segs[i]
		switch {
		case s.ra != nil:
			rs = append(rs, io.NewSectionReader(s.ra, s.off, s.size))
		case s.sk != nil:
			if _, err := s.sk.Seek(s.off, io.SeekStart); err != nil {
				return nil, fmt.Errorf("rest: rewind body: %w", err)
			}
			rs = append(rs, io.LimitReader(s.r, s.size))
		case s.r != nil:
			rs = append(rs, s.r)
		default:
			rs = append(rs, bytes.NewReader(s.data))
		}
	}
	return io.NopCloser(io.MultiReader(rs...)), nil
}
