package build

import (
	"strings"
	"testing"

	"github.com/apigen-go/apigen/generator/load"
)

// lastSpec pages by number; %s is the x-apigen-pagination under test.
const lastSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: page, in: query, schema: {type: integer}}
        - {name: offset, in: query, schema: {type: integer}}
      x-apigen-pagination: %s
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  items: {type: array, items: {type: string}}
                  lastPage: {type: boolean}
                  meta: {type: object, properties: {last_page: {type: integer}, note: {type: string}}}
`

// last marks the last page with a boolean or a page number, on page style
// only; anything else is an error naming it.
func TestPaginationLast(t *testing.T) {
	for ext, wantErr := range map[string]string{
		`{style: page, page: page, items: items, last: lastPage}`:       "",
		`{style: page, page: page, items: items, last: meta.last_page}`: "",
		`{style: offset, offset: offset, items: items, last: lastPage}`: "last is for page pagination, not offset",
		`{style: page, page: page, items: items, last: meta.note}`:      `last "meta.note" is neither a boolean nor an integer`,
		`{style: page, page: page, items: items, last: meta.lastPage}`:  `no property "lastPage"`,
	} {
		res, err := load.Bytes("last.yaml", []byte(strings.Replace(lastSpec, "%s", ext, 1)))
		if err != nil {
			t.Fatal(err)
		}
		api, _, berr := Build(res.Doc)
		switch {
		case wantErr == "" && berr != nil:
			t.Errorf("%s: %v", ext, berr)
		case wantErr == "" && len(api.Operations[0].Pagination.LastPath) == 0:
			t.Errorf("%s: last not resolved", ext)
		case wantErr != "" && (berr == nil || !strings.Contains(berr.Error(), wantErr)):
			t.Errorf("%s: err = %v, want %q", ext, berr, wantErr)
		}
	}
}
