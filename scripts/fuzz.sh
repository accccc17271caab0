#!/usr/bin/env bash
# Fuzz every reader of untrusted input for longer than CI does (tests/test_fuzz_*.py).
#   bash scripts/fuzz.sh            # 2,000 examples per reader, fresh random seeds
#   FUZZ_EXAMPLES=20000 bash scripts/fuzz.sh -k har
# A failure prints the smallest input hypothesis found and a @reproduce_failure line to replay it.
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-2000}"
export HYPOTHESIS_PROFILE="${HYPOTHESIS_PROFILE:-explore}"
exec nice .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_readers.py "$@"
