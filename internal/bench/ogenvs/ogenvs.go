// Package ogenvs times apigen's generated decoders beside ogen's for the
// same spec (internal/bench/specs/benchpets.yaml) on the same bodies
// (internal/bench/bodies), side by side in each `go test -bench` run.
// -count repeats each benchmark back to back, so on a shared machine
// repeat whole runs instead, which interleaves the two decoders:
//
//	cd internal/bench/ogenvs && go test -c -o vs.test . &&
//		for i in 1 2 3 4 5 6; do ./vs.test -test.run '^$' -test.bench . -test.benchmem; done > vs.txt
//	go run ../cmd/benchratio vs.txt
//
// It is a module of its own so that ogen's runtime is a dependency of this
// benchmark only, never of apigen's users. ogenpets is ogen's output,
// committed as the pinned yardstick; the version is the tool line of
// go.mod. Regenerate with go generate.
package ogenvs

//go:generate go tool ogen -clean -target ogenpets -package ogenpets -config ogen.yml ../specs/benchpets.yaml
