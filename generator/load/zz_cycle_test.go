package load
import "testing"
func TestCycles(t *testing.T){
 for _, s := range []string{
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/A'}\n",
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n",
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  parameters:\n    A: {$ref: '#/components/parameters/B'}\n    B: {$ref: '#/components/parameters/A'}\n",
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  responses:\n    A: {$ref: '#/components/requestBodies/B'}\n  requestBodies:\n    B: {$ref: '#/components/responses/A'}\n",
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {type: object, properties: {x: {minimum: 1e999}}, example: 1e999}\n",
  `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {"A": {"minimum": 1e999, "example": -1e999}}}}`,
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: '#/info/title'}\n",
  "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {$ref: '#/paths/~1a'}}\n",
 } {
  res, err := Bytes("c.yaml", []byte(s))
  if err != nil { t.Logf("ERR %v", err) } else { t.Logf("OK %v", res.Warnings) }
 }
}
