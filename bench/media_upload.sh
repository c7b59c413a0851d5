#!/usr/bin/env bash
# Upload and resize time of a 12-megapixel JPEG, and the server's peak memory while doing it.
#
# Usage: bench/media_upload.sh [BINARY] [UPLOADS]   (default target/release/doan-api, 5)
#
# Makes a 4000 × 3000 JPEG (Pillow, from PyPI, in a throwaway venv), serves the
# demo with the release build, uploads the photo UPLOADS times one after another (curl's total
# time: transfer, decoding, orienting, the renditions, the thumbnail, the blurhash, storing), and
# reads the server's peak resident memory (VmHWM) before and after.
set -euo pipefail
binary="${1:-target/release/doan-api}"
uploads="${2:-5}"
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

photo="$work/photo.jpg"
# A photo-like 12-megapixel JPEG, made with Pillow (from PyPI) in a throwaway venv.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pillow
"$work/venv/bin/python" - "$photo" <<'PY'
import sys
from PIL import Image, ImageFilter
noise = Image.effect_noise((4000, 3000), 80).convert("RGB")
gradient = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
Image.blend(noise.filter(ImageFilter.GaussianBlur(2)), gradient, 0.5).save(sys.argv[1], quality=90)
PY
echo "machine: $(nproc) cores; photo: 4000 × 3000, $(stat -c %s "$photo") bytes"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="Mật khẩu đo ảnh 2024 dài"
RUST_LOG=warn "$binary" serve --demo --bind "127.0.0.1:$port" --database "$work/doan.db" \
    --admin-password "$password" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
    sleep 0.1
done
token=$(curl -fsS -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
rss() { awk '/VmHWM/ {print int($2 / 1024) " MiB"}' "/proc/$server/status"; }
echo "server peak memory before: $(rss)"
for i in $(seq 1 "$uploads"); do
    out=$(curl -sS -o "$work/out.json" -w '%{http_code} %{time_total}' -X POST \
        "http://127.0.0.1:$port/api/v1/media" -H "Authorization: Bearer $token" \
        -F "file=@$photo;type=image/jpeg" -F "alt=Ảnh đo $i" -F organization_id=4)
    echo "upload $i: HTTP ${out% *}, ${out#* } s"
done
python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print("renditions:", [(r["width"], r["height"], r["bytes"]) for r in m["renditions"]], "original bytes:", m["bytes"])' "$work/out.json"
echo "server peak memory after: $(rss)"
