# apigen: make generate (regenerate every client from specs/), make test.
GO ?= go
PKGS = ./...

.PHONY: all generate verify test test-short lint bench corpus fuzz fuzz-smoke stress

all: generate test

## generate: regenerate every client listed in apigen.yaml
generate:
	$(GO) run ./cmd/apigen generate

## verify: fail (exit 1, with a diff) when generated code is stale
verify:
	$(GO) run ./cmd/apigen verify

## test: all tests, with the race detector
test:
	$(GO) test -race -count=1 $(PKGS)

## stress: the real-time tier (CONTRACT §6, under 5 minutes): the limiter
## and token-store guarantees on the wall clock, against servers recording
## arrivals, with several OS processes; the limiter cases quiet, under CPU
## load, then again under -race. Build tag "stress" keeps them out of make test.
STRESS_PKGS = ./runtime/ratelimit/ ./runtime/auth/
stress:
	$(GO) test -tags stress -count=1 -timeout 4m -run '^TestStress' -v $(STRESS_PKGS)
	$(GO) test -race -tags stress -count=1 -timeout 3m -run '^TestStressLimiterWindows$$/^quiet$$' -v ./runtime/ratelimit/

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

## bench: the benchmarks of BENCHMARKS.md, short (a few minutes), printed as
## ratios to each baseline; the full numbers: make bench BENCH_COUNT=10 BENCH_TIME=1s BENCH_GENTIME=1s
BENCH_COUNT ?= 3
BENCH_TIME ?= 200ms
BENCH_GENTIME ?= 1x
BENCH_OUT ?= $${TMPDIR:-/tmp}/apigen-bench.txt
bench:
	@rm -f $(BENCH_OUT)
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCH_GENTIME) -timeout 30m \
		./internal/bench/generate/ >> $(BENCH_OUT) || { cat $(BENCH_OUT); exit 1; }
	$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCH_TIME) \
		./internal/bench/chain/ ./internal/bench/decode/ ./internal/bench/tokens/ >> $(BENCH_OUT) || { cat $(BENCH_OUT); exit 1; }
	@cat $(BENCH_OUT)
	$(GO) run ./internal/bench/cmd/benchratio $(BENCH_OUT)

## corpus: generate, build and vet a client for every spec in ../shared/corpus
corpus:
	APIGEN_CORPUS_ALL=1 $(GO) test -count=1 -run 'TestCorpus$$' -v ./generator/ -timeout 30m

## fuzz: a short run of the loader's fuzz test
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 30s ./generator/load/

## fuzz-smoke: every fuzz target for FUZZ_TIME each (seeds in each
## package's testdata/fuzz); under 3 minutes in all with the default 8s
FUZZ_TIME ?= 8s
FUZZ_TARGETS = \
	./generator/load:FuzzLoad \
	./runtime/datauri:FuzzParse \
	./runtime/datauri:FuzzFromBytes \
	./runtime/opt:FuzzStringEncoding \
	./runtime/ratelimit:FuzzHeaderParsers \
	./runtime/auth:FuzzTokenResponse \
	./runtime/apierror:FuzzErrorEnvelope \
	./runtime/rest:FuzzParameterEncoding \
	./internal/fuzzdecode:FuzzBoxNowDecoders
fuzz-smoke:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz-smoke: $$name ($$pkg)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZ_TIME) $$pkg; \
	done
