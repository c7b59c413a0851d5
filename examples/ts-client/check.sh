#!/usr/bin/env bash
# Generates the TypeScript types from openapi/openapi.json, type-checks and builds the
# example client, then runs it against a running doan-api.
#
#   examples/ts-client/check.sh BASE_URL USER PASSWORD
#   e.g. examples/ts-client/check.sh http://127.0.0.1:8080 admin "$DOAN_ADMIN_PASSWORD"
#
# Fails (non-zero) when the spec no longer type-checks against the client
# (`npm run check`) or when the server does not do what the client expects.
# DOAN_SPEC=path/to/openapi.json tries a candidate spec instead of the committed one.
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 BASE_URL USER PASSWORD" >&2
  exit 2
fi
base_url=$1 user=$2 password=$3
spec=
if [[ -n ${DOAN_SPEC:-} ]]; then
  spec=$(realpath "$DOAN_SPEC")
fi

cd "$(dirname "${BASH_SOURCE[0]}")"

# npm ci only when node_modules is missing or was installed from another lock file.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.doan-lock.sha256
if [[ ! -f $stamp || $(cat "$stamp") != "$lock_sum" ]]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > "$stamp"
fi

if [[ -z $spec ]]; then
  echo "== npm run generate (../../openapi/openapi.json -> src/schema.d.ts)"
  npm run -s generate
else
  echo "== generate from DOAN_SPEC=$spec -> src/schema.d.ts"
  npx --no-install openapi-typescript "$spec" -o src/schema.d.ts
fi
echo "== npm run check (tsc --strict --noEmit)"
npm run -s check
echo "== the portal's JSDoc against the same types (tsc --checkJs -p ../portal)"
npx --no-install tsc -p ../portal
echo "== npm run build"
npm run -s build

# Wait up to 30 s for the server to be ready (CI may have just started it).
node -e '
const url = process.argv[1].replace(/\/+$/, "") + "/health/ready";
const until = Date.now() + 30000;
(async () => {
  for (;;) {
    try { if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return; } catch {}
    if (Date.now() > until) { console.error(`FAIL: ${url} not ready after 30 s`); process.exit(1); }
    await new Promise((r) => setTimeout(r, 500));
  }
})();
' "$base_url"

echo "== run against $base_url"
DOAN_URL=$base_url DOAN_USER=$user DOAN_PASSWORD=$password timeout 300 node dist/main.js
