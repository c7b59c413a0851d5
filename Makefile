# Everyday commands (the same cargo commands README.md gives; .ci/run adds --locked).
# `make help` lists them.
.PHONY: help run test lint fmt openapi bench crash client browser ci

help:
	@grep -E '^[a-z]+:.*## ' Makefile | sed 's/:.*## /\t/'

run: ## Serve the demo data on http://127.0.0.1:8080 (embedded SQLite in data/)
	cargo run --release -- serve --demo

test: ## The test suite (unit tests, then the API over HTTP against real SQLite files)
	cargo test

lint: ## Formatting and lints, as CI checks them
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

openapi: ## Regenerate the committed spec from the code (a test compares them)
	cargo run --quiet -- openapi > openapi/openapi.json.new
	mv openapi/openapi.json.new openapi/openapi.json

bench: ## The side-by-side benchmark, smoke size (see BENCHMARKS.md for the full run)
	bash bench/compare.sh --smoke --writes 2

crash: ## 10 rounds of SIGKILL under write load against the release build
	cargo build --release
	python3 bench/crash-rounds.py --rounds 10

# Against a server already running (`make run`): URL; `client` logs in as the demo admin with
# PASSWORD (default: data/admin-password, which `make run` writes), `browser` takes a TOKEN.
URL ?= http://127.0.0.1:8080
PASSWORD ?= $(shell cat data/admin-password 2>/dev/null)

client: ## The typed TypeScript client (examples/ts-client) against URL, as the demo admin
	@test -n '$(PASSWORD)' || { echo 'make client PASSWORD=… (or run `make run` first)'; exit 2; }
	bash examples/ts-client/check.sh $(URL) admin '$(PASSWORD)'

browser: ## Swagger UI in Debian's Chromium (tests/browser) against URL: make browser TOKEN=…
	bash tests/browser/check.sh $(URL) "$(TOKEN)"

ci: ## Everything CI runs, from this checkout
	bash .ci/run
