# Stepwise: build, test, benchmark, fuzz and lint.
GO            ?= go
STATICCHECK   ?= $(shell command -v staticcheck 2>/dev/null || echo $(shell $(GO) env GOPATH)/bin/staticcheck)
STATICCHECK_VERSION := v0.8.2
FUZZTIME      ?= 15s
BENCHTIME     ?= 1s
BENCHCOUNT    ?= 1
SOAKTIME      ?= 10m

.PHONY: all build test deps unit conformance fuzz soak bench bench-peer lint staticcheck example clean console-assets console-assets-check

all: build

## build: a static binary (no cgo: no dynamic loader at start, and about
## 5 MB less resident memory per run than a cgo build).
build:
	CGO_ENABLED=0 $(GO) build -o bin/stepwise ./cmd/stepwise

## test: everything CI runs: lint, the vendored console assets, all tests
## (conformance included), short fuzz runs, after installing the system
## tools the tests need (deps).
test: deps lint console-assets-check unit conformance fuzz

## deps: the system tools the tests need (Node.js/npm, Graphviz, the AWS CLI,
## Chromium), installed from Debian's packages when missing; see
## scripts/system-deps.sh.
deps:
	scripts/system-deps.sh

## unit: every package's tests. The Temporal tests need the Temporal CLI
## (built once into a cache by scripts/temporal-cli.sh).
unit:
	STEPWISE_TEMPORAL_CLI=$$(scripts/temporal-cli.sh) $(GO) test -count=1 -timeout 20m ./...

## conformance: the AWS-recorded cases of ../shared/conformance (or
## $$CONFORMANCE_DIR), a line per area, the `N passed, N failed` total and
## a floor line: the target fails only when fewer cases pass than
## internal/conformance/floor.txt; the line says what the failures are
## (today 3 JSONPath cases, all Distributed Map runs of Lambda tasks).
conformance:
	@$(GO) test -count=1 -run '^TestConformance$$' -v ./internal/conformance > /tmp/stepwise-conformance.log 2>&1; \
	  status=$$?; grep -E '^([a-z_]+: )?[0-9]+ passed, [0-9]+ failed|^JSONPath-only|^member order|floor' /tmp/stepwise-conformance.log; \
	  if [ $$status -ne 0 ]; then cat /tmp/stepwise-conformance.log; fi; exit $$status

## fuzz: a short run of every fuzz target (FUZZTIME each), from the seeds
## and testdata only; see scripts/fuzz.sh.
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## soak: `stepwise serve` on a database file with a short --retention,
## starting executions at a steady rate for SOAKTIME (10m by default),
## sampling its resident memory and database size every 30 s: fails when
## either keeps growing in the last third, or on any API error (see
## TestSoak in cmd/stepwise/soak_test.go).
soak:
	STEPWISE_SOAK=$(SOAKTIME) $(GO) test -count=1 -timeout 0 -run '^TestSoak$$' -v ./cmd/stepwise

## bench: the Go benchmarks (engine/bench_test.go runs ../shared/bench's
## workloads in process); compare runs with benchstat.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) -count $(BENCHCOUNT) ./...

## bench-peer: `stepwise run` against the peer engine, whole processes.
bench-peer:
	scripts/bench-peer.sh

lint: staticcheck
	@out=$$(gofmt -l .); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

staticcheck:
	@test -x "$(STATICCHECK)" || $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## console-assets: vendor dagre (the web console's graph layout) from npm at
## its pinned version; console-assets-check: the committed copy is that package's.
console-assets:
	scripts/vendor-dagre.sh

console-assets-check:
	scripts/vendor-dagre.sh --check

## example: the main job, an example workflow end to end on the embedded default.
example: build
	./bin/stepwise run examples/circuit-breaker/statemachine.asl.json \
	  --input @examples/circuit-breaker/input.json \
	  --mocks examples/circuit-breaker/mocks.json --test-case HappyPath

clean:
	rm -rf bin
