#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and audits the bundled samples: the gov-service app's capture, its scope
# file and privacy policy, and its APK. Writes JSON, SARIF, HTML and SQLite under out/ and prints the
# report's path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p out
args=(--traffic samples/traffic/gov_service.har --scope samples/scope.example.yaml)
[ -f samples/policy/gov_service_policy.html ] && args+=(--policy samples/policy/gov_service_policy.html)
[ -f samples/apk/build/wst.apk ] && args+=(--apk samples/apk/build/wst.apk)
set +e
.venv/bin/auditor audit "${args[@]}" --db out/demo.db --json out/demo.json --sarif out/demo.sarif \
  --html out/demo.html
rc=$?
set -e
[ "$rc" -le 1 ] || exit "$rc"
echo "report: $(pwd)/out/demo.html"
