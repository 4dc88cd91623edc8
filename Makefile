# ttsc — run `make help` for the targets.

GO      ?= go
BIN     := bin/ttsc
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
ARGS    ?=

.PHONY: help deps build run test bench soak fuzz vet fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

deps: ## install the Debian packages ttsc needs (only the missing ones)
	@scripts/deps.sh run

build: deps ## build bin/ttsc
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/ttsc

run: build ## build and serve on 127.0.0.1:8080 with data in ./data
	$(BIN) serve $(ARGS)

test: ## install test dependencies and run every test, the end-to-end suite on all three backends
	@scripts/deps.sh test
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	TTSC_TEST_MODE=postgres $(GO) test -count=1 ./cmd/ttsc
	TTSC_TEST_MODE=postgres-s3 $(GO) test -count=1 ./cmd/ttsc

# Every fuzz target, as package:Name. Crashes found are kept under the
# package's testdata/fuzz and run as tests from then on.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./internal/text:FuzzPrepare ./internal/text:FuzzSplit \
	./internal/auth:FuzzVerify ./internal/auth:FuzzSignedRequestVerifies \
	./internal/audio:FuzzDecodeWAV ./internal/audio:FuzzWAVRoundTrip ./internal/audio:FuzzSRT \
	./internal/audio/mp3:FuzzEncode ./cmd/ttsc:FuzzRequestBodies

fuzz: ## run every fuzz target for FUZZTIME each (default 60s)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

bench: build ## run the benchmarks and write BENCHMARKS.md
	$(GO) run ./cmd/ttsc-bench -ttsc $(BIN) -o BENCHMARKS.md

# Length of the soak's steady mix after its warm-up; CI runs SOAKTIME=30s.
SOAKTIME ?= 5m

soak: build ## run the loopback soak (a warm-up, then SOAKTIME of steady mix, default 5m) and write SOAK.md
	$(GO) run ./cmd/ttsc-bench -ttsc $(BIN) -soak $(SOAKTIME) -soak-out SOAK.md

fmt: ## format the code
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build output
	rm -rf bin
