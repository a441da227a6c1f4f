package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// kinLoad hands the normalised tree to kin-openapi. A failure here is a gap
// in the normalisation; it is reported as an error rather than a panic.
func (l *loader) kinLoad(doc map[string]any) (t *openapi3.T) {
	data, err := json.Marshal(doc)
	if err != nil {
		l.fail("", "cannot encode the normalised document: %v", err)
		return nil
	}
	defer func() {
		if r := recover(); r != nil {
			l.fail("", "kin-openapi panicked while loading the document: %v", r)
			t = nil
		}
	}()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	t, err = loader.LoadFromData(data)
	if err != nil {
		l.fail(kinErrorPointer(err.Error()), "kin-openapi cannot load the document: %v", err)
		return nil
	}
	return t
}

// kinRef finds the first local reference quoted in a kin-openapi error.
var kinRef = regexp.MustCompile(`"#(/[^"]*)"`)

func kinErrorPointer(msg string) string {
	if m := kinRef.FindStringSubmatch(msg); m != nil {
		return m[1]
	}
	return ""
}

// validationOptions turn off what kin-openapi validates that does not
// matter to a client generator: examples and defaults that do not match
// their schema, patterns it cannot compile, formats it does not know.
var validationOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.DisableSchemaDefaultsValidation(),
	openapi3.DisableSchemaPatternValidation(),
	openapi3.DisableSchemaFormatValidation(),
	openapi3.AllowExtensionsWithRef(),
	openapi3.EnableMultiError(),
}

// validate runs doc.Validate and turns each complaint into a warning at the
// place it names.
func (l *loader) validate() {
	defer func() {
		if r := recover(); r != nil {
			l.warn("", "kin-openapi panicked while validating the document (%v); the document was not validated", r)
		}
	}()
	err := l.res.Doc.Validate(context.Background(), validationOptions...)
	if err == nil {
		return
	}
	var leaves []error
	flatten(err, &leaves)
	seen := map[string]bool{}
	for _, e := range leaves {
		ptr, msg := locate(e)
		if key := ptr + "\x00" + msg; !seen[key] {
			seen[key] = true
			l.warn(ptr, "kin-openapi validation: %s", msg)
		}
	}
}

// flatten collects the leaves of nested MultiErrors.
func flatten(err error, out *[]error) {
	var me openapi3.MultiError
	if errors.As(err, &me) && isMulti(err) {
		for _, e := range me {
			flatten(e, out)
		}
		return
	}
	*out = append(*out, err)
}

func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError)
	return ok
}

// componentSections maps the section names of ComponentValidationError to
// the keys of the components object.
var componentSections = map[string]string{
	"schema": "schemas", "parameter": "parameters", "header": "headers",
	"request body": "requestBodies", "response": "responses",
	"security scheme": "securitySchemes", "example": "examples",
	"link": "links", "callback": "callbacks",
}

// locate reads the context wrappers of a kin-openapi validation error into
// a JSON pointer, and returns the message of what they wrap.
func locate(err error) (string, string) {
	ptr := ""
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch c := e.(type) {
		case *openapi3.SectionValidationError:
			ptr = "/" + escapeToken(c.Section)
			msg = errText(c.Cause)
		case *openapi3.ComponentValidationError:
			section, ok := componentSections[c.Section]
			if !ok {
				section = c.Section
			}
			ptr = pointer("components", section, c.Name)
			msg = errText(c.Cause)
		case *openapi3.PathValidationError:
			ptr = pointer("paths", c.Path)
			msg = errText(c.Cause)
		case *openapi3.OperationValidationError:
			ptr += "/" + escapeToken(strings.ToLower(c.Method))
			msg = errText(c.Cause)
		}
	}
	return ptr, msg
}

func errText(err error) string {
	if err == nil {
		return "invalid"
	}
	return err.Error()
}

// mustJSON encodes v; it is only used on values this package built.
func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("load: encode: %v", err))
	}
	return data
}
