# Hyperchains: the single entry point. `make demo` runs the main job, `make test` runs every test.
# Both install the project-local toolchain (npm ci from package-lock.json) when it is missing.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
# forge, anvil and cast are the project-local binaries behind tools/bin (never node_modules/.bin,
# whose npm wrappers always exit 0, and never whatever is on PATH).
export PATH := $(CURDIR)/tools/bin:$(PATH)
FORGE := $(CURDIR)/tools/bin/forge
CARGO ?= cargo

.PHONY: all install build demo check lint docs test test-self test-sol test-rust fmt bench clean help

all: build ## the default target: same as build

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# npm ci runs only when package-lock.json changed since the last install.
node_modules/.installed: package-lock.json package.json
	@echo "==> installing the project toolchain (npm ci: forge, anvil, cast, solc-js, forge-std, OpenZeppelin)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: node_modules/.installed ## install forge/anvil/cast/solc-js/Solidity libraries into node_modules
	@$(FORGE) --version | head -1

build: install ## compile contracts and the Rust workspace
	$(FORGE) build
	$(CARGO) build --workspace

demo: install ## bring up L1 + 2 hyperchains + relayer and show a hyperbridge transfer
	@tools/demo.sh

check: install lint docs ## fast checks: fmt, forge lint, clippy, Rust docs, unit tests (no chains)
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) test --workspace --lib --bins --locked

lint: install ## formatting (forge fmt, cargo fmt) and forge lint, failing on any finding
	$(FORGE) fmt --check
	$(CARGO) fmt --all --check
	$(FORGE) lint -D warnings

docs: install ## the Rust API docs, failing on any rustdoc warning (e.g. a broken intra-doc link)
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps --locked

# `make test` runs what `make check` runs, but lints while it compiles: clippy-driver, the compiler
# `cargo clippy` runs, compiles the workspace's own crates for the tests with clippy's lints and
# -D warnings (CLIPPY_ARGS is how `cargo clippy` hands them to it). The tests' build is then also
# the clippy check: the workspace's crates are no longer checked a second time for clippy, and the
# dependencies are checked once, for the docs (a clean CI run: 35m51 before, 32m40 after).
CLIPPY_DRIVER = $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
LINTED = RUSTC_WORKSPACE_WRAPPER="$(CLIPPY_DRIVER)" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

test: install test-self lint docs test-sol test-rust ## everything: the checks' self-test, every check of make check, forge tests, every Rust test

test-self: install ## prove the checks can fail: a failing test, a fmt diff, a compile error, a gas regression, a reverting cast send, a clippy finding
	$(LINTED) tools/check-failures-fail.sh

test-sol: install ## forge build and every forge test (unit, fuzz, invariant, gas snapshots)
	$(FORGE) build
	$(FORGE) test

# The tests start the hyperchain-attester, hyperchain-relayer and hyperchain binaries: `cargo test
# --workspace` builds them (each package with integration tests gets its binaries built before any
# test runs), with the same features as the tests, so no separate `cargo build` (which resolves
# features without dev-dependencies and rebuilt revm, sqlx and every workspace crate: 4.5 minutes
# of a clean CI run). A `cargo test -p <crate>` run needs `cargo build --workspace --bins` first.
# --all-targets also builds the benches (run once each, as criterion does under `cargo test`), so
# every target clippy would lint is compiled; doc tests are a separate run.
test-rust: install ## every Rust test (unit, integration, end to end on real anvils), compiled with clippy's lints as errors
	@[ -x "$(CLIPPY_DRIVER)" ] || { echo "clippy-driver not found: rustup component add clippy" >&2; exit 1; }
	$(LINTED) $(CARGO) test --workspace --all-targets --locked
	$(LINTED) $(CARGO) test --workspace --doc --locked

fmt: install ## format Solidity and Rust
	$(FORGE) fmt
	$(CARGO) fmt --all

bench: install ## performance table (see README)
	@tools/bench.sh

clean: ## remove build output
	rm -rf out cache target
