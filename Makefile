# apigen: make generate (regenerate every client from specs/), make test.
GO ?= go
PKGS = ./...

.PHONY: all apigen generate verify tidy downstream staticcheck fresh test test-short lint bench corpus fuzz fuzz-smoke peers peers-sample stress stress-local stress-redis

all: generate test

# The generator is built once and run directly: "go run" turns every
# non-zero exit status into 1, and verify's statuses mean different things
# (1 stale, 2 bad input).
APIGEN = bin/apigen
apigen:
	$(GO) build -o $(APIGEN) ./cmd/apigen

## generate: regenerate every client listed in apigen.yaml
generate: apigen
	$(APIGEN) generate

## verify: fail when generated code is stale (exit 1, a diff per file) or a
## spec of ours has any warning (-strict, exit 2); then the tidy and
## downstream checks
verify: apigen
	$(APIGEN) verify -strict
	$(MAKE) tidy downstream

## tidy: go mod tidy would change nothing, here, in examples/downstream and
## in the ogen yardstick's module (internal/bench/ogenvs)
tidy:
	$(GO) mod tidy -diff
	cd examples/downstream && $(GO) mod tidy -diff
	cd internal/bench/ogenvs && $(GO) mod tidy -diff

## downstream: examples/downstream, a module using apigen as a go tool, is
## up to date, passes its tests, and survives a spec change that removes a
## generated file
downstream:
	.ci/downstream

## staticcheck: generated code is staticcheck-clean (go vet runs in lint);
## installs the pinned staticcheck through the module proxy when missing
STATICCHECK_VERSION = v0.8.2
STATICCHECK = $(shell $(GO) env GOPATH)/bin/staticcheck
staticcheck:
	@test -x $(STATICCHECK) || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./generated/... ./internal/golden/... ./internal/bench/benchpets/
	cd examples/downstream && $(STATICCHECK) ./...

## fresh: the generator's tests pass in a clone without ../shared/corpus:
## only the tests of real specs may skip
fresh:
	.ci/fresh

## test: all tests, with the race detector
test:
	$(GO) test -race -count=1 $(PKGS)

## stress: the real-time tier, local cases then the Redis cases
stress: stress-local stress-redis

## stress-local: the real-time tier (CONTRACT §6, under 5 minutes): the limiter
## and token-store guarantees on the wall clock, against servers recording
## arrivals, with several OS processes; the limiter cases quiet, under CPU
## load, then again under -race. Build tag "stress" keeps them out of make test.
STRESS_PKGS = ./runtime/ratelimit/ ./runtime/auth/
stress-local:
	$(GO) test -tags stress -count=1 -timeout 4m -run '^TestStress' -v $(STRESS_PKGS)
	$(GO) test -race -tags stress -count=1 -timeout 3m -run '^TestStressLimiterWindows$$/^quiet$$' -v ./runtime/ratelimit/

## stress-redis: the real-time Redis cases longer than 10 s (4 processes
## sharing one budget for 30 s: quiet, under CPU load, quiet under -race;
## about 2 minutes), build tag "stress" as in make stress; needs
## APIGEN_REDIS_ADDR (.ci/run sets it)
stress-redis:
	$(GO) test -tags stress -count=1 -timeout 3m -run '^TestStressRedis' -v ./runtime/redisstore/
	$(GO) test -race -tags stress -count=1 -timeout 3m -run '^TestStressRedisLimiter$$/^quiet$$' -v ./runtime/redisstore/

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
	cd internal/bench/ogenvs && $(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -benchtime $(BENCH_TIME) \
		. >> $(BENCH_OUT) || { cat $(BENCH_OUT); exit 1; }
	@cat $(BENCH_OUT)
	$(GO) run ./internal/bench/cmd/benchratio $(BENCH_OUT)

## corpus: generate, build and vet a client for every spec in ../shared/corpus
## and build a stripped main calling one of its operations; prints the table
## CORPUS.md records. CORPUS_COMPARE=1 (make corpus CORPUS_COMPARE=1; not in
## CI: it needs the module proxy and takes far longer) measures ogen's and
## oapi-codegen's clients of the same specs beside apigen's.
corpus:
	CORPUS_COMPARE=$(CORPUS_COMPARE) APIGEN_CORPUS_ALL=1 $(GO) test -count=1 -run 'TestCorpus$$' -v ./generator/ -timeout $(if $(CORPUS_COMPARE),150m,30m)
	APIGEN_CORPUS_ALL=1 $(GO) test -count=1 -run 'TestDecodeDocMatchesKinLoader$$' ./generator/load/ -timeout 10m

## peers: generate, build and vet a client for every spec of ogen's and
## oapi-codegen's own test suites in ../shared/peers (PEERS_COMPARE=1 also
## runs those two generators on them); prints the table CORPUS.md records
peers:
	APIGEN_PEERS_ALL=1 $(GO) test -count=1 -run 'TestPeers$$' -v ./generator/ -timeout 60m

## peers-sample: the sample of make peers that .ci/run runs (a few minutes):
## at least one spec of every failure class the peers' suites once exposed
## (crash, hangs on self-referencing schemas, external refs, explode
## markers, duplicate operationIds, binary items in JSON, untaggable names,
## 3.2 methods; a status beside a range is internal/golden/shapes)
PEERS_SAMPLE = negative/cyclic/,positive/sample.json,positive/form.json,positive/quoted_field_name.json,positive/file_reference.yml,pathalias/,parameters/parameters.yaml,issue-1378/,issue-1087/,issue1825/,issue-2113/,issue-1182/,externalref/petstore,additional_operations
peers-sample:
	APIGEN_PEERS_ALL=1 APIGEN_PEERS_ONLY='$(PEERS_SAMPLE)' $(GO) test -count=1 -run 'TestPeers$$' -v ./generator/ -timeout 10m

## fuzz: a short run of the loader's fuzz test and of the generator's on
## random recursive schemas (generate only: a hang or crash is a failure)
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 30s ./generator/load/
	$(GO) test -run '^$$' -fuzz FuzzRecursiveSchemas -fuzztime 30s ./generator/

## fuzz-smoke: every fuzz target for FUZZ_EXECS inputs each (a target may
## name its own count after a second colon; seeds in each package's
## testdata/fuzz); about 2 minutes in all, builds included. Counts, not
## durations: Go 1.26's fuzz coordinator can fail a duration-bounded run
## with "context deadline exceeded" as the time runs out (golang/go#75804,
## fixed in Go 1.27)
FUZZ_EXECS ?= 20000
FUZZ_TARGETS = \
	./generator/load:FuzzLoad \
	./runtime/datauri:FuzzParse \
	./runtime/datauri:FuzzFromBytes \
	./runtime/opt:FuzzStringEncoding \
	./runtime/ratelimit:FuzzHeaderParsers \
	./runtime/auth:FuzzTokenResponse \
	./runtime/apierror:FuzzErrorEnvelope \
	./runtime/rest:FuzzParameterEncoding \
	./runtime/jsonx:FuzzFramesMatchJX:100000 \
	./internal/fuzzdecode:FuzzBoxNowDecoders \
	./generator:FuzzRecursiveSchemas:2000
fuzz-smoke:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; n=$(FUZZ_EXECS); \
		case $$rest in *:*) n=$${rest#*:};; esac; \
		echo "fuzz-smoke: $$name ($$pkg), $$n inputs"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $${n}x $$pkg; \
	done
