#!/bin/sh
# The README's picture of the HTML report: pcaps/mixed.pcap's page (--html),
# rendered by headless Chromium at 1280 pixels wide, the first HEIGHT pixels
# (default 1600), into docs/report-mixed.png. Rerun it after a change to the
# page; it needs chromium (apt-get install chromium) and a built smtptls.
#
# usage: scripts/screenshot.sh [SMTPTLS [HEIGHT]]   (default: build/smtptls)
set -eu
cd "$(dirname "$0")/.."
smtptls=$(realpath "${1:-build/smtptls}")
height=${2:-1600}
out=$(pwd)/docs/report-mixed.png
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "screenshot.sh: chromium is not installed (apt-get install chromium)" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# In the capture's folder on its file name, with the goldens' sensor name: the
# page names neither this machine nor its paths.
(cd pcaps && "$smtptls" -r mixed.pcap --sensor golden --html "$tmp/report.html" >/dev/null)
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --window-size="1280,$height" \
    --screenshot="$tmp/report.png" "file://$tmp/report.html" 2>/dev/null
mkdir -p docs
cp "$tmp/report.png" "$out"
echo "$out: $(wc -c <"$out") bytes"
