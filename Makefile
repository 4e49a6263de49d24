# score-fanout: the two commands a newcomer types are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
VENV_STAMP := $(VENV)/.installed
PYTHON ?= python3

# Nothing here may reach AWS: dummy credentials, no instance metadata, no SAM telemetry.
export AWS_ACCESS_KEY_ID := test
export AWS_SECRET_ACCESS_KEY := test
export AWS_REGION ?= us-east-1
export AWS_DEFAULT_REGION ?= $(AWS_REGION)
export AWS_EC2_METADATA_DISABLED := true
export SAM_CLI_TELEMETRY := 0
export CARGO_TERM_COLOR ?= never

.PHONY: help
help:
	@echo "make demo                 the demo end to end on this machine: table, stream, function, subscribers (moto; no AWS account)"
	@echo "make demo BUS=custom      the same demo on EventBridge's Custom Event Bus (ordered, deduplicated; offline stand-in)"
	@echo "make demo-dry-run         the function over events/ in DRY_RUN: its log lines and the events it would publish, no server"
	@echo "make test                 fmt check, clippy -D warnings, all tests, template lint: what CI runs first"
	@echo "make lint-template        the template alone: cfn-lint and sam validate --lint, classic and Custom Event Bus"
	@echo "make template-test        the template's tests and the docs' checks (pytest tests/)"
	@echo "make sam-build            sam build of the arm64 bootstrap, checked to be an aarch64 ELF (glibc <= 2.34)"
	@echo "make invoke EVENT=events/modify.json   the offline sam local invoke: that bootstrap under qemu (LOG_LEVEL=WARN, MOTO=1)"
	@echo "make bench                the performance table, Lambda mode and criterion (docs/performance.md)"
	@echo "make profile              flame graphs of warm 1,000-record invocations and their CPU by stage (root; not in CI)"
	@echo "make replay               the full 10,000-record fault-injected replay"
	@echo "make fuzz                 libFuzzer on whole raw Lambda events (FUZZ_SECONDS, default 300; nightly toolchain)"
	@echo "make local-driver         build score-fanout-local, the local event source mapping (docs/local.md)"
	@echo "make venv                 .venv/ from requirements-dev.txt: moto, sam, cargo lambda, zig, cfn-lint"

$(VENV_STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: venv
venv: $(VENV_STAMP)

.PHONY: fmt-check
fmt-check:
	cargo fmt --all -- --check

.PHONY: clippy
clippy:
	cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

# Unit, adapter and end-to-end tests; the end-to-end ones start moto from .venv themselves.
.PHONY: unit-test
unit-test: venv
	cargo test --workspace --all-targets --all-features --locked
	cargo test -p score-fanout-events --doc --all-features --locked  # the consumer crate's documented examples

# The template: cfn-lint with the serverless rules (the template first) and sam's own lint; neither calls AWS. cfn-lint
# checks both branches of every condition; run again with the Custom Event Bus and a subscriber account as parameters,
# it also checks the values their references take. sam validate takes no parameter values, so it also checks a copy of
# the template whose defaults are those.
LINT_CUSTOM := EventBusKind=Custom SubscriberAccountIds=111122223333
.PHONY: lint-template
lint-template: venv
	$(VENV)/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules
	$(VENV)/bin/cfn-lint template.yaml -a cfn_lint_serverless.rules --parameters $(LINT_CUSTOM)
	$(VENV)/bin/sam validate --lint
	custom=$$(mktemp -d) && trap 'rm -rf "$$custom"' EXIT && \
		$(VENV)/bin/python scripts/template-with $(LINT_CUSTOM) > "$$custom/template.json" && \
		$(VENV)/bin/sam validate --lint --template "$$custom/template.json"

# The template's wiring (and local/env.dry-run.json and samconfig.toml against it), so it cannot drift; translated
# offline. Also the schema registry's documents, and the alarms against the runbook: every tests/*_test.py.
.PHONY: template-test
template-test: venv
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/

.PHONY: test
test: venv fmt-check clippy unit-test lint-template template-test

# sam build of the arm64 bootstrap (cargo lambda + zig from .venv), checked to be an aarch64 ELF that needs no glibc
# newer than Amazon Linux 2023's (2.34), where provided.al2023 runs it.
.PHONY: sam-build
sam-build: venv
	rustup target add aarch64-unknown-linux-gnu
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" SAM_CLI_BETA_RUST_CARGO_LAMBDA=1 $(VENV)/bin/sam build
	$(VENV)/bin/python scripts/check-elf .aws-sam/build/ScoreFanoutFunction/bootstrap aarch64 --max-glibc 2.34

# The offline `sam local invoke -e $(EVENT)`: that bootstrap under qemu-user through the Runtime API emulator, its log
# lines (marked where Lambda's log-level filter at LOG_LEVEL would drop one) and its answer. DRY_RUN unless MOTO=1.
EVENT ?= events/modify.json
.PHONY: invoke
invoke:
	cargo build --locked -p score-fanout-testkit --no-default-features --bin score-fanout-runtime-api
	scripts/invoke $(EVENT)

LOCAL_DRIVER := $(or $(CARGO_TARGET_DIR),target)/debug/score-fanout-local

# The local tools live in crates/score-fanout-tools: the function binary compiles none of their code.
.PHONY: local-driver
local-driver:
	cargo build --locked -p score-fanout-tools --bin score-fanout-local

# The classic demo on a fresh moto server: table, stream, function, subscribers. BUS=custom publishes to
# EventBridge's Custom Event Bus instead (its stand-in from the test kit, a FIFO subscriber to an SQS FIFO queue), and
# retries the batch in a new execution environment to show the bus storing each event once.
BUS ?= classic
CUSTOM_BUS := $(or $(CARGO_TARGET_DIR),target)/debug/score-fanout-custom-bus
.PHONY: demo
demo: venv local-driver
ifeq ($(BUS),custom)
	cargo build --locked -p score-fanout-testkit --bin score-fanout-custom-bus
	scripts/with-moto scripts/with-custom-bus bash -c '"$$0" demo --ordered-bus-arn "$$EVENT_BUS_NAME"' $(LOCAL_DRIVER)
else ifeq ($(BUS),classic)
	scripts/with-moto $(LOCAL_DRIVER) demo
else
	@echo "make demo: BUS is classic (the default) or custom, not $(BUS)" >&2; exit 2
endif

# The function over the fixtures in DRY_RUN: the demo's log lines and the events it would publish, no server.
.PHONY: demo-dry-run
demo-dry-run: local-driver
	DRY_RUN=true $(LOCAL_DRIVER) files events/insert.json events/modify.json events/modify-unchanged.json events/remove.json

# The full fault-injected replay: 10,000 records through seeded faults until everything is checkpointed.
.PHONY: replay
replay: venv
	SCORE_FANOUT_REPLAY_RECORDS=$${SCORE_FANOUT_REPLAY_RECORDS:-10000} cargo test -p score-fanout-tools --locked --test e2e replay:: -- --nocapture

# Fuzzing the handler on whole raw Lambda events (nightly toolchain, cargo-fuzz installed on first use), with inputs
# up to 600 KB: past the 256 KiB a dead-letter message may take, so that an escape-heavy record's message is fuzzed
# too (make test property-tests it past the limit either way: src/dead_letter_tests.rs).
FUZZ_SECONDS ?= 300
.PHONY: fuzz
fuzz:
	@rustup toolchain list | grep -q '^nightly' || { echo "make fuzz: cargo-fuzz needs a nightly toolchain, and none is installed here (rustup toolchain install nightly where the network allows it); make test property-tests the same invariants"; exit 2; }
	cargo +nightly fuzz --help >/dev/null 2>&1 || cargo install cargo-fuzz --locked
	mkdir -p fuzz/corpus/handle_event
	cargo +nightly fuzz run handle_event fuzz/corpus/handle_event fuzz/seeds -- \
		-max_total_time=$(FUZZ_SECONDS) -dict=fuzz/json.dict -max_len=600000 -len_control=0 -print_final_stats=1

# The performance table (docs/performance.md): the release binary, two Python baselines (print-only, boto3) and a
# hello-world lambda_runtime function (init only), each started as Lambda starts a function, through one Lambda
# Runtime API of ours and against one loopback stub sink (bench/: a std-only Rust driver and stub), runs
# interleaved. Then Lambda mode: each function process in cgroups of its own (cgroup v1) under the CPU share and
# memory limit of 128 to 1,769 MB, against sinks answering after a log-normal latency (median 20 ms, p99 4x), writing
# the chart of docs/performance.md (skipped with the reason where it cannot run: it needs root). Then the pure path
# with criterion. Nothing here is a test: only API calls off the floor or undelivered entries make it fail.
RELEASE_DIR := $(or $(CARGO_TARGET_DIR),target)/release
# cargo puts the bench profile's binaries in release/ too: criterion builds there would replace the release
# binary just measured (and a later `make bench` would measure the unoptimised one), so they get their own folder.
CRITERION_DIR := $(or $(CARGO_TARGET_DIR),target)/criterion
BENCH_ROUNDS ?= 3
BENCH_LAMBDA_ROUNDS ?= 3
BENCH_FUNCTIONS := --ours $(RELEASE_DIR)/score-fanout --hello $(RELEASE_DIR)/score-fanout-hello \
	--python $(VENV)/bin/python --events bench/events
.PHONY: bench
bench: venv
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	cargo build --release --locked -p score-fanout -p score-fanout-bench -p score-fanout-hello --bins
	$(RELEASE_DIR)/score-fanout-bench run --rounds $(BENCH_ROUNDS) $(BENCH_FUNCTIONS)
	$(RELEASE_DIR)/score-fanout-bench lambda --rounds $(BENCH_LAMBDA_ROUNDS) $(BENCH_FUNCTIONS) \
		--svg docs/performance-lambda.svg
	CARGO_TARGET_DIR=$(CRITERION_DIR) cargo bench --locked --bench pure_path -- --warm-up-time 1 --measurement-time 3

# A flame graph of warm 1,000-record invocations (docs/performance.md): the release build with symbols (profile
# `profiling`) under the bench's driver, in Lambda mode's stub latency on a whole core, sampled by perf while only the
# warm invocations run (cpu-clock, every 100 us: this VM exposes no hardware counters), folded and drawn by inferno,
# then the CPU by stage. Needs root (perf attaching to the function); installs Debian's linux-perf when missing and
# inferno into .tools (not system-wide). Not part of CI.
PROFILE_DIR := $(or $(CARGO_TARGET_DIR),target)/profiling
TOOLS := $(CURDIR)/.tools
PROFILE_SVG ?= docs/profile-after.svg
# The binary profiled: the profiling build of this tree, or another one to compare with (PROFILE_BIN=...).
PROFILE_BIN ?= $(PROFILE_DIR)/score-fanout
# The folded stacks, kept beside the build for `score-fanout-bench stages` (tens of MB: not in docs/).
PROFILE_FOLDED = $(PROFILE_DIR)/$(notdir $(basename $(PROFILE_SVG))).folded
PROFILE_INVOCATIONS ?= 30
.PHONY: profile
profile:
	command -v perf >/dev/null || { apt-get update && apt-get install -y linux-perf; }
	test -x $(TOOLS)/bin/inferno-flamegraph || cargo install --locked inferno --root $(TOOLS)
	cargo build --profile profiling --locked -p score-fanout --bin score-fanout
	cargo build --release --locked -p score-fanout-bench
	work=$$(mktemp -d) && trap 'rm -rf "$$work"' EXIT && \
		$(RELEASE_DIR)/score-fanout-bench lambda --only score-fanout --memory 1769 --sizes 1000 --rounds 1 \
			--warm $(PROFILE_INVOCATIONS) --ours $(PROFILE_BIN) --events bench/events \
			--attach "perf record -q -e cpu-clock -c 100000 --call-graph dwarf,32768 -o $$work/perf.data -p {pid}" && \
		perf script -i $$work/perf.data 2>/dev/null | $(TOOLS)/bin/inferno-collapse-perf --kernel > $(PROFILE_FOLDED) && \
		$(TOOLS)/bin/inferno-flamegraph --title "score-fanout: $(PROFILE_INVOCATIONS) warm 1,000-record invocations" \
			--subtitle "perf cpu-clock every 100 us; kernel frames orange; frames under 0.05% left out" \
			--colors rust --minwidth 0.05 < $(PROFILE_FOLDED) > $(PROFILE_SVG) && \
		$(RELEASE_DIR)/score-fanout-bench stages $(PROFILE_FOLDED) --invocations $(PROFILE_INVOCATIONS) \
			--records 1000 --requests 182
	@echo "flame graph: $(PROFILE_SVG)"
