# streambench: build, test and measure. `make test` is what CI runs.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO      ?= go
BIN     := bin/streambench
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/streambench/streambench/harness.Version=$(VERSION)

.PHONY: all build test testrace deps chromium nats-server bench gobench report lint clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/streambench

# deps fetches what the tests need: the Go modules.
deps:
	$(GO) mod download

# chromium installs Debian's chromium for the real-browser test of the report
# when it is missing (CI runs as root on a clean machine). Quiet, and a no-op
# once it is there; if it cannot be installed the test says so and skips,
# except in CI, where it fails.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	  echo "installing Debian's chromium for the report's browser test"; \
	  { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1 \
	    || echo "chromium could not be installed: the report's browser test will skip"; }

# nats-server installs Debian's nats-server for the JetStream source's
# external-server test when it is missing, like chromium above: quiet, a
# no-op once it is there, and a skip (a failure in CI) if it cannot be.
nats-server:
	@command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || { \
	  sudo=; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	  echo "installing Debian's nats-server for the JetStream source's external-server test"; \
	  { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends nats-server; } >/dev/null 2>&1 \
	    || echo "nats-server could not be installed: the external-server test will skip"; }

# test: vet, then every test with the race detector.
test: deps chromium nats-server
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 9m ./...

testrace: test

# bench measures every engine on the deck suite (sustainable-rate searches,
# latency vs load) into results/<UTC time>/ and writes its report there;
# SUITE=quick for a first look in about half a minute, SUITE=broker for the
# engines through JetStream beside the generator (about 7 minutes).
SUITE ?= deck
bench: build
	@dir=results/$$(date -u +%Y%m%dT%H%M%SZ); \
	$(BIN) bench --suite $(SUITE) --out $$dir; status=$$?; \
	$(BIN) report $$dir -o $$dir/report.html && echo "the report is $$dir/report.html"; \
	exit $$status

# report rebuilds the report of the newest results directory (or DIR=...).
report: build
	@dir="$(DIR)"; [ -n "$$dir" ] || dir=$$(ls -td results/*/ 2>/dev/null | head -1); \
	if [ -z "$$dir" ]; then echo "no results directory under results/: run make bench first"; exit 2; fi; \
	dir=$${dir%/}; $(BIN) report $$dir -o $$dir/report.html

# gobench runs the Go benchmarks (BENCH, a -bench pattern, of BENCHPKGS)
# ten times each into results/gobench/<UTC time>.txt, headed by key: value
# lines naming the machine, and compares it with benchstat against the newest
# file committed there (or any other with OLD=path). benchstat is run at a
# pinned version through the Go module proxy.
BENCH     ?= .
BENCHPKGS ?= ./...
BENCHSTAT ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
gobench:
	@mkdir -p results/gobench; new=results/gobench/$$(date -u +%Y%m%dT%H%M%SZ).txt; \
	old="$(OLD)"; [ -n "$$old" ] || old=$$(git ls-files 'results/gobench/*.txt' | sort | tail -1); \
	{ echo "commit: $$(git rev-parse --short HEAD)$$(git diff --quiet || echo -dirty)"; \
	  echo "go: $$($(GO) env GOVERSION)"; \
	  echo "cpu-model: $$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')"; \
	  echo "cores: $$(nproc)"; echo "host-load: $$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"; \
	  $(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 10 $(BENCHPKGS); } | tee $$new; \
	echo "wrote $$new"; \
	if [ -n "$$old" ] && [ "$$old" != "$$new" ]; then $(GO) run $(BENCHSTAT) $$old $$new; \
	else echo "no earlier file under results/gobench to compare with: commit $$new as the baseline"; fi

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
	$(GO) clean -testcache
