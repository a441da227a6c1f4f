// Package model is apigen's intermediate representation of an API: what the
// emitter needs to write a client, with Go identifiers already chosen, but
// no Go syntax and no dependency on the OpenAPI loader. Every slice in it is
// in a deterministic order, so the same spec always yields the same code.
package model

// API is one client's worth of operations and types.
type API struct {
	Title       string
	Description string
	Version     string
	Servers     []Server
	Operations  []*Operation // sorted by Name
	Types       []*Type      // named types, sorted by Name
	Security    []*SecurityScheme
	// DefaultSecurity is the document's security requirement (the
	// alternatives, each the scheme keys used together), which raw
	// requests get; nil when the document sets none.
	DefaultSecurity [][]string
	RateLimit       *RateLimit // root x-apigen-ratelimit
	Retry           *Retry     // root x-apigen-retry
	Errors          *Errors    // root x-apigen-errors
	// EnvPrefix is the root x-apigen-env-prefix: the prefix of the
	// variables CredentialsFromEnv reads ("" = the package name).
	EnvPrefix string
	// Imports are the packages of the types with an Import: path → the
	// name to import it as ("" = the last element of the path).
	Imports map[string]string
}

// Server is one entry of the spec's servers list.
type Server struct {
	URL         string // may hold {variables}
	Description string
	Variables   []ServerVariable
}

// ServerVariable is a template variable of a server URL.
type ServerVariable struct {
	Name, Default, Description string
	Enum                       []string
}

// Kind is the closed set of shapes a Type can take.
type Kind uint8

const (
	Any      Kind = iota // anything: decoded as raw JSON
	String               // also uuid, email, uri, decimal...
	Int32                //
	Int64                //
	Float64              //
	Bool                 //
	DateTime             // RFC 3339 timestamp
	Date                 // calendar date (string on the wire)
	Bytes                // base64 string
	Binary               // raw bytes: a stream
	Array                // Elem
	Map                  // string keys, Elem values
	Struct               // Fields (+ AdditionalProperties)
	Enum                 // EnumBase with Values
	Union                // Variants: oneOf/anyOf
	Named                // Ref: a use of a named type
)

// Type is a schema as the client sees it. A declared type has a Name; a use
// of one elsewhere is a Type{Kind: Named, Ref: decl}.
type Type struct {
	Kind Kind
	Name string // Go name, for declared types only
	Doc  string
	// Pointer is the JSON pointer of the schema the type comes from.
	Pointer string

	Elem *Type // Array, Map; and Struct's additionalProperties when AdditionalProperties

	Fields               []*Field
	AdditionalProperties bool   // Struct also keeps unknown keys in a map of Elem
	ExtraField           string // Go name of that map field

	EnumBase   Kind // String, Int64, Float64
	EnumValues []EnumValue

	Variants      []*Variant
	Discriminator string // property name; empty = trial decoding
	AnyOf         bool   // anyOf rather than oneOf

	Ref *Type // Named

	Format string // the spec's format, for doc and emit-time choices

	// Import is the path of the Go package that declares this type, when
	// the user maps the file its schema comes from to a package (import
	// mapping); Name is then its name there. Such a type is used, never
	// declared: it is not in API.Types, and its fields and variants only
	// describe its shape.
	Import string
}

// Foreign reports whether a use of t is a type of another package: t, or
// a type it names on the way to its declaration, has an Import.
func (t *Type) Foreign() bool {
	for hops := 0; t != nil && hops < maxHops; hops++ {
		if t.Import != "" {
			return true
		}
		if t.Kind != Named {
			return false
		}
		t = t.Ref
	}
	return false
}

// Resolve follows Named references to the declared type. It returns nil
// for a chain of references that never ends (the builder breaks such
// cycles, so this only keeps a bug from becoming a hang).
func (t *Type) Resolve() *Type {
	for hops := 0; t != nil && t.Kind == Named; hops++ {
		if hops == maxHops {
			return nil
		}
		t = t.Ref
	}
	return t
}

// maxHops bounds a chain of Named references.
const maxHops = 1 << 10

// Field is one property of a Struct.
type Field struct {
	Name     string // Go name
	JSONName string
	Doc      string
	Type     *Type
	Required bool
	Nullable bool
	// Pointer is set when the field closes a recursive cycle of structs and
	// must be held by reference.
	Pointer   bool
	ReadOnly  bool
	WriteOnly bool
}

// EnumValue is one constant of an Enum.
type EnumValue struct {
	Name  string // Go constant name
	Value any    // string, int64 or float64
	Doc   string
}

// Variant is one branch of a Union.
type Variant struct {
	Name  string // Go field name
	Type  *Type
	Match []string // discriminator values selecting this branch
}

// ParamIn is where a parameter travels.
type ParamIn uint8

const (
	InPath ParamIn = iota
	InQuery
	InHeader
	InCookie
)

// Style is an OpenAPI serialisation style.
type Style uint8

const (
	StyleForm Style = iota
	StyleSimple
	StyleLabel
	StyleMatrix
	StyleSpaceDelimited
	StylePipeDelimited
	StyleDeepObject
)

// Param is one operation parameter.
type Param struct {
	Name     string // Go name (field or argument)
	WireName string
	In       ParamIn
	Doc      string
	Type     *Type
	Required bool
	Style    Style
	Explode  bool
	// Minimum and Maximum bound a numeric parameter (inclusive); nil when
	// the spec sets none.
	Minimum, Maximum *float64
	// Default is a header parameter's string default, sent when the
	// caller leaves the parameter empty (e.g. an API version header).
	Default string
	// RequestID marks a header parameter (x-apigen-request-id) that gets
	// a fresh UUID on every call the caller leaves it empty.
	RequestID bool
}

// BodyEncoding is how a request or response body is put on the wire.
type BodyEncoding uint8

const (
	EncodingNone BodyEncoding = iota
	EncodingJSON
	EncodingForm      // application/x-www-form-urlencoded
	EncodingMultipart // multipart/form-data
	EncodingBinary    // application/octet-stream and other raw media
	EncodingText      // text/*
)

// Body is a request body.
type Body struct {
	ContentType string
	Encoding    BodyEncoding
	Type        *Type
	Required    bool
	Doc         string
}

// Response is one declared response of an operation.
type Response struct {
	Status      string // "200", "2XX", "default"
	Code        int    // 0 for ranges and default
	ContentType string
	Encoding    BodyEncoding
	Type        *Type // nil when there is no body
	Doc         string
}

// Success reports whether the response is a 2xx.
func (r *Response) Success() bool {
	return (r.Code >= 200 && r.Code < 300) || r.Status == "2XX"
}

// Operation is one API call.
type Operation struct {
	ID          string // operationId as written, or synthesised
	Name        string // Go method name
	Method      string // upper case
	Path        string
	Summary     string
	Description string
	Deprecated  bool
	Tags        []string

	PathParams []*Param // in path order
	Params     []*Param // query, header, cookie; ParamsType names their struct
	ParamsType string
	Body       *Body
	Responses  []*Response // sorted by status
	// ResultType names the struct holding one field per 2xx body when an
	// operation has several.
	ResultType string

	Idempotent    bool
	RetryStatuses []int
	MaxAttempts   int
	RateLimit     *RateLimit
	Pagination    *Pagination
	// Security lists the alternatives of the operation's security
	// requirement, each the keys of the schemes used together. nil means
	// the spec says nothing (the client's first configured scheme applies);
	// an empty alternative means the operation may be called anonymously.
	Security [][]string
	// Server is the operation's own base URL (path- or operation-level
	// servers, variables at their defaults), "" for the API's servers.
	Server string
	// BodyVariantOf names the operation this one repeats with another of
	// its request body's or response's media types (its Params type is
	// that one's); VariantDoc says how it differs.
	BodyVariantOf string
	VariantDoc    string
}

// SuccessResponses returns the 2xx responses that carry a body.
func (o *Operation) SuccessResponses() []*Response {
	var out []*Response
	for _, r := range o.Responses {
		if r.Success() && r.Type != nil {
			out = append(out, r)
		}
	}
	return out
}
