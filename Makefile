# l4l — make help lists the targets. Tools are pinned and installed into ./bin.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN := $(CURDIR)/bin
STATICCHECK_VERSION := v0.8.2
# Every module of the workspace, as package patterns (go.work lists them).
PACKAGES = $(shell go list -m -f '{{.Path}}/...')
# -race where it fits the CI time; RACE= turns it off.
RACE ?= -race
TEST_FLAGS ?=

##@ Develop

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-12s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: run
run: ## Everything on an embedded broker and database, with demo data (Ctrl-C stops).
	go run ./tools/l4lctl dev up

##@ Check

.PHONY: test
test: fmt-check vet ## Vet and every module's tests (with -race).
	go test $(RACE) -count=1 $(TEST_FLAGS) $(PACKAGES)

.PHONY: vet
vet: ## go vet every module.
	go vet $(PACKAGES)

.PHONY: fmt-check
fmt-check: ## Fail if a Go file is not gofmt'ed.
	@out=$$(gofmt -l libs services tools); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: fmt-check vet $(BIN)/staticcheck ## gofmt, go vet and staticcheck.
	$(BIN)/staticcheck $(PACKAGES)

.PHONY: bench
bench: ## Benchmarks, each beside its ceiling from the same run.
	go run ./tools/bench
	@echo; echo "Outbox relay (10,000 events) beside raw kafka-go on the same broker"
	@go test -run '^$$' -bench 'RelayPublish|RawKafkaGoWrite' -benchtime 10000x github.com/l4l-platform/l4l/libs/events \
	  | awk '/^Benchmark/ { name=$$1; sub(/-[0-9]+$$/, "", name); for (i=2; i<NF; i++) if ($$(i+1) == "events/s") rate[name]=$$i; print "  " $$0 } \
	         END { if (rate["BenchmarkRawKafkaGoWrite"] > 0) printf "  ratio relay / raw kafka-go: %.3f (dev mode: every outbox update scans the FerretDB collection)\n", rate["BenchmarkRelayPublish"] / rate["BenchmarkRawKafkaGoWrite"] }'

##@ Tools

.PHONY: tools
tools: $(BIN)/staticcheck ## Install the pinned tools into ./bin.

$(BIN)/staticcheck:
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

.PHONY: clean
clean: ## Remove ./bin and the dev stack's data (.l4l).
	rm -rf $(BIN) .l4l
