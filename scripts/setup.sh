#!/usr/bin/env bash
# Sets up everything pi-auditor needs from the project's own files: Debian packages (when root and
# missing), a virtualenv in .venv with pinned Python packages, and the sample APKs built from source.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

missing=()
while read -r pkg; do
  [ -z "$pkg" ] && continue
  case "$pkg" in \#*) continue ;; esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < scripts/apt-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: warning: missing Debian packages (run as root to install): ${missing[*]}" >&2
  fi
fi

stamp=.venv/.installed
want=$(cat pyproject.toml setup.py constraints.txt | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # the ray extra runs tests/test_batch_ray.py (auditor batch --engine ray); where Ray has no wheel for
  # this platform, everything else is installed and those tests skip, saying so.
  # bench: plain presidio + spaCy, the baseline of benchmarks/bench_recognizers.py (not a runtime dependency)
  if ! .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,ray,bench]'; then
    echo "setup: warning: could not install pi-auditor[ray]: the Ray engine's tests will be skipped" >&2
    .venv/bin/python -m pip install -q -c constraints.txt -e '.[dev,bench]'
  fi
  # a real third-party APK for tests/test_apk_real.py ships inside this wheel; its own dependencies
  # are not needed (only the file is read), so they are not installed
  .venv/bin/python -m pip install -q --no-deps uiautomator2==3.7.1
  echo "$want" > "$stamp"
fi

if [ -x samples/apk/build.sh ]; then
  bash samples/apk/build.sh >/dev/null
fi

# The real APKs of the shared APK development set (../shared/realworld/apks), obtained from the package
# registries by that set's own fetch.sh (checked by sha256) for tests/test_apk_realworld.py; never
# committed. Skipped where the shared folder is absent; a failed download is a warning, and the tests
# that need the files skip.
REALWORLD_APKS=samples/apk/build/realworld
if [ -f ../shared/realworld/apks/fetch.sh ] && [ ! -f "$REALWORLD_APKS/.fetched" ]; then
  if PATH="$PWD/.venv/bin:$PATH" bash ../shared/realworld/apks/fetch.sh "$REALWORLD_APKS" >/dev/null 2>&1; then
    touch "$REALWORLD_APKS/.fetched"
  else
    echo "setup: warning: could not fetch the shared real-world APKs into $REALWORLD_APKS" >&2
  fi
fi

# Real toolchains for the compiled mini-program fixtures: webpack 5 and terser
# (tests/test_miniprogram_compiled.py) and WeChat's WXML compiler wcc (tests/test_miniprogram_gwx.py)
# from npm, pinned by tests/toolchain/package-lock.json. Debian's nodejs may come without npm.
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing Debian packages: nodejs npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
fi
if command -v npm >/dev/null 2>&1; then
  tstamp=tests/toolchain/node_modules/.installed
  twant=$(sha256sum < tests/toolchain/package-lock.json | cut -c1-16)
  if [ ! -f "$tstamp" ] || [ "$(cat "$tstamp")" != "$twant" ]; then
    npm ci --prefix tests/toolchain --no-audit --no-fund --loglevel=error >/dev/null
    # WeChat's WXML compiler ships without its execute bit (its node wrapper chmods it at run time)
    chmod +x tests/toolchain/node_modules/miniprogram-compiler/bin/linux/wcc 2>/dev/null || true
    echo "$twant" > "$tstamp"
  fi
else
  echo "setup: warning: npm not found: the compiled mini-program tests will be skipped" >&2
fi
