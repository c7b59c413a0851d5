#!/usr/bin/env bash
# Swagger UI and the portal of a running doan-api in a real browser (Debian's Chromium +
# playwright-core; the server must serve the demo with its portal: serve --demo).
#
#   tests/browser/check.sh BASE_URL TOKEN
#
# BASE_URL: the server (e.g. http://127.0.0.1:8080); TOKEN: a bearer token of an admin (the test
# creates, then deletes, one organization). Works from any directory. Installs Debian's chromium
# with apt-get when /usr/bin/chromium is missing (through sudo when not root), then the pinned
# playwright-core (npm ci; it never downloads a browser), and runs swagger-ui.mjs.
# Environment: SCREENSHOT_DIR (default: the repository's target/), CHROMIUM (a Chromium binary
# to use instead of /usr/bin/chromium; not installed by this script).
set -euo pipefail

if [ $# -ne 2 ] || [ -z "$1" ] || [ -z "$2" ]; then
    echo "usage: $0 BASE_URL TOKEN" >&2
    exit 2
fi
base_url=$1
token=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

# Node 20 or later (playwright-core's own requirement).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "check.sh: node (20 or later) and npm are required" >&2
    exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
    echo "check.sh: node 20 or later is required (found $(node --version))" >&2
    exit 1
fi

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    if [ -n "${CHROMIUM:-}" ]; then
        echo "check.sh: CHROMIUM=$CHROMIUM is not an executable" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ]; then
        sudo=()
    elif command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "check.sh: /usr/bin/chromium is missing, and installing it needs root (or sudo)" >&2
        exit 1
    fi
    echo "== installing Debian's chromium (apt-get)"
    started=$SECONDS
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
    echo "== chromium installed in $((SECONDS - started)) s"
fi
"$chromium" --version 2>/dev/null || true

echo "== npm ci (tests/browser)"
# playwright-core downloads nothing; this only makes sure no browser download is ever attempted.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
(cd "$here" && npm ci --no-audit --no-fund)

echo "== Swagger UI test"
# Run from the caller's directory: a relative SCREENSHOT_DIR is relative to it.
DOAN_URL=$base_url DOAN_TOKEN=$token CHROMIUM=$chromium SCREENSHOT_DIR=${SCREENSHOT_DIR:-$repo/target} \
    node "$here/swagger-ui.mjs"

echo "== portal test (examples/portal, served by serve --demo; axe-core scan, screenshots)"
DOAN_URL=$base_url CHROMIUM=$chromium SCREENSHOT_DIR=${SCREENSHOT_DIR:-$repo/target} \
    node "$here/portal.mjs"
