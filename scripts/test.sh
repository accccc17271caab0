#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite and the linter.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected no tests: not a failure of the project
[ "$rc" = 5 ] && rc=0
exit "$rc"
