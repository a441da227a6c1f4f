// Package ogenvs times apigen's generated decoders beside ogen's for the
// same spec (internal/bench/specs/benchpets.yaml) on the same bodies
// (internal/bench/bodies), in one `go test -bench` run:
//
//	cd internal/bench/ogenvs && go test -run '^$' -bench . -benchmem -count 6 > vs.txt
//	go run ../cmd/benchratio vs.txt
//
// It is a module of its own so that ogen's runtime is a dependency of this
// benchmark only, never of apigen's users. ogenpets is ogen's output,
// committed as the pinned yardstick; the version is the tool line of
// go.mod. Regenerate with go generate.
package ogenvs

//go:generate go tool ogen -clean -target ogenpets -package ogenpets -config ogen.yml ../specs/benchpets.yaml
