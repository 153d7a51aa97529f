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
PLC_SCHOOLS ?= 150000
ANALYTICS_EVENTS ?= 1000000
# The Apache Kafka broker the tests run against too (docs/kafka.md).
KAFKA := $(CURDIR)/tools/kafka/kafka.sh

# envtest: a real kube-apiserver and etcd, built from the Go module proxy (downloads of
# release binaries are impossible here) by the throwaway modules under hack/envtest, whose
# go.sum makes the build checksum-verified. Cached in .cache/envtest: a second run takes 0 s.
ENVTEST_K8S_VERSION := 1.37.1
ENVTEST_ASSETS := $(CURDIR)/.cache/envtest/k8s-$(ENVTEST_K8S_VERSION)
KUBE_VERSION_LDFLAGS := $(foreach pkg,k8s.io/component-base/version k8s.io/client-go/pkg/version,\
  -X $(pkg).gitVersion=v$(ENVTEST_K8S_VERSION) -X $(pkg).gitMajor=1 -X $(pkg).gitMinor=37 -X $(pkg).gitTreeState=clean)
CONTROLLER_GEN_VERSION := v0.23.0
# Delivery checks (make delivery-test): helm from the module proxy, promtool from Debian's
# prometheus package (unpacked into .cache, no installation needed).
HELM_VERSION := v3.22.0
KO_VERSION := v0.19.1
CRANE_VERSION := v0.21.7
PROMTOOL := $(CURDIR)/.cache/promtool/usr/bin/promtool
PROMETHEUS := $(CURDIR)/.cache/promtool/usr/bin/prometheus

##@ Develop

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-12s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

.PHONY: run
run: ## Everything on an embedded broker and database, with demo data (Ctrl-C stops).
	go run ./tools/l4lctl dev up

##@ Operator

.PHONY: operator-manifests
operator-manifests: $(BIN)/controller-gen ## Generate the tenant operator's deepcopy, CRDs and RBAC (and the chart's copy of the CRDs).
	cd operators/tenant && $(BIN)/controller-gen object paths=./api/... \
	  && $(BIN)/controller-gen crd rbac:roleName=tenant-operator paths=./api/... paths=./internal/... \
	    output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	@if [ -d charts/tenant-operator/crds ]; then cp operators/tenant/config/crd/bases/*.yaml charts/tenant-operator/crds/; fi

##@ Check

.PHONY: envtest-assets
envtest-assets: $(ENVTEST_ASSETS)/kube-apiserver $(ENVTEST_ASSETS)/etcd ## Build (once) kube-apiserver and etcd for envtest.

$(ENVTEST_ASSETS)/kube-apiserver: hack/envtest/kube-apiserver/go.mod hack/envtest/kube-apiserver/go.sum
	@mkdir -p $(@D)
	cd hack/envtest/kube-apiserver && GOWORK=off CGO_ENABLED=0 go build -trimpath \
	  -ldflags "-s -w $(KUBE_VERSION_LDFLAGS)" -o $@.tmp k8s.io/kubernetes/cmd/kube-apiserver
	mv $@.tmp $@

$(ENVTEST_ASSETS)/etcd: hack/envtest/etcd/go.mod hack/envtest/etcd/go.sum
	@mkdir -p $(@D)
	cd hack/envtest/etcd && GOWORK=off CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o $@.tmp go.etcd.io/etcd/server/v3
	mv $@.tmp $@

.PHONY: test-operator
test-operator: envtest-assets ## The tenant operator's suite on a real kube-apiserver and etcd.
	cd operators/tenant && KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) go test $(RACE) -count=1 $(TEST_FLAGS) ./...

.PHONY: test
test: fmt-check vet fuzz kafka-fetch envtest-assets delivery-test ## Vet and every module's tests (with -race): on kfake and a real Apache Kafka broker; the operator's on envtest.
	KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) L4L_REQUIRE_REAL_KAFKA=1 L4L_KAFKA_SCRIPT=$(KAFKA) $(KAFKA) run go test $(RACE) -count=1 -timeout 30m $(TEST_FLAGS) $(PACKAGES)

# Fuzzing budget per target: executions rather than seconds, because Go 1.26's fuzz
# coordinator can fail a target with a bare "context deadline exceeded" when a starved
# worker misses a -fuzztime deadline (go.dev/issue/75804), which is not a finding.
FUZZTIME ?= 10000x

.PHONY: fuzz
fuzz: ## Run every Fuzz target of the repository for FUZZTIME (default 10000x) each.
	@grep -rl --include='*_test.go' '^func Fuzz' libs services tools test 2>/dev/null | sort | while read -r f; do \
	  dir=$$(dirname $$f); \
	  for t in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$f | sed 's/^func //'); do \
	    echo "fuzz $$dir $$t ($(FUZZTIME))"; \
	    go test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./$$dir >/tmp/l4l-fuzz.log 2>&1 || { cat /tmp/l4l-fuzz.log; exit 1; }; \
	  done; \
	done

.PHONY: vet
vet: ## go vet every module.
	go vet $(PACKAGES)

.PHONY: fmt-check
fmt-check: ## Fail if a Go file is not gofmt'ed.
	@out=$$(gofmt -l libs services tools operators); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: fmt-check vet $(BIN)/staticcheck ## gofmt, go vet and staticcheck.
	$(BIN)/staticcheck $(PACKAGES)

.PHONY: bench
bench: ## One table of every benchmark, each beside its ceiling from the same run (BENCH_FLAGS: --quick, --only AREA, --json, --save-baseline).
	go run ./tools/bench --plc-schools $(PLC_SCHOOLS) --analytics-events $(ANALYTICS_EVENTS) $(BENCH_FLAGS)

.PHONY: delivery-test
delivery-test: envtest-assets $(BIN)/helm $(PROMTOOL) $(BIN)/ko $(BIN)/crane ## Charts, alerts, dashboards, images (ko), skaffold: helm lint, schema, dry-run on a real kube-apiserver, promtool, a real Prometheus on the dev stack.
	cd test/delivery && GOWORK=off KUBEBUILDER_ASSETS=$(ENVTEST_ASSETS) L4L_HELM=$(BIN)/helm L4L_PROMTOOL=$(PROMTOOL) \
	  L4L_KO=$(BIN)/ko L4L_CRANE=$(BIN)/crane L4L_PROMETHEUS=$(PROMETHEUS) \
	  L4L_DELIVERY_OUT=$(CURDIR)/test/delivery/testdata/out go test -count=1 $(TEST_FLAGS) ./...

##@ Real Kafka

.PHONY: kafka-fetch
kafka-fetch: ## Fetch the Apache Kafka broker from Maven Central into .cache/kafka (once).
	$(KAFKA) fetch

.PHONY: kafka-test
kafka-test: kafka-fetch ## The tests on real Kafka alone: events subtests named kafka (and the plain ones), the directory on Kafka.
	L4L_REQUIRE_REAL_KAFKA=1 L4L_KAFKA_SCRIPT=$(KAFKA) $(KAFKA) run bash -c '\
	  go test $(RACE) -count=1 $(TEST_FLAGS) -run "/kafka$$" github.com/l4l-platform/l4l/libs/events && \
	  go test $(RACE) -count=1 $(TEST_FLAGS) -run "RealKafka" github.com/l4l-platform/l4l/services/directory'

.PHONY: kafka
kafka: kafka-fetch ## Run a real Kafka broker in the foreground for manual tests (Ctrl-C stops it).
	$(KAFKA) run bash -c 'echo "L4L_KAFKA_BROKERS=$$L4L_TEST_KAFKA (Ctrl-C stops it)"; while sleep 3600; do :; done'

##@ Tools

.PHONY: tools
tools: $(BIN)/staticcheck $(BIN)/controller-gen $(BIN)/helm ## Install the pinned tools into ./bin.

$(BIN)/controller-gen:
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

$(BIN)/helm:
	GOBIN=$(BIN) GOWORK=off go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

$(BIN)/ko:
	GOBIN=$(BIN) GOWORK=off go install github.com/google/ko@$(KO_VERSION)

$(BIN)/crane:
	GOBIN=$(BIN) GOWORK=off go install github.com/google/go-containerregistry/cmd/crane@$(CRANE_VERSION)

# promtool and prometheus from Debian's (or Ubuntu's) prometheus package, unpacked into
# .cache once: apt-get download needs no installation and no root.
$(PROMTOOL):
	@mkdir -p $(CURDIR)/.cache/promtool
	tmp=$$(mktemp -d) && (cd $$tmp && apt-get download prometheus) && dpkg -x $$tmp/prometheus_*.deb $(CURDIR)/.cache/promtool && rm -rf $$tmp
	@test -x $@ && test -x $(PROMETHEUS)

$(BIN)/staticcheck:
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# Root installs directly; anyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: debian-packages
debian-packages: ## Install the Debian packages the tests need, when missing: chromium (analytics' dashboard and report PDF), poppler-utils (pdftotext, the report test).
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium; }
	@command -v pdftotext >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends poppler-utils; }

.PHONY: clean
clean: ## Remove ./bin and the dev stack's data (.l4l).
	rm -rf $(BIN) .l4l
