#!/usr/bin/env bash
# Builds the sample APKs under samples/apk/build/ from their smali and manifest sources with Debian's
# Android tools: smali -> classes*.dex, aapt -> resources + manifest, zipalign, apksigner (a keystore
# made here by keytool, never committed). Each APK is rebuilt only when its sources, this script or
# the keystore changed, so setup and test runs can call it every time.
# Usage: samples/apk/build.sh [APP ...]   (default: all apps)
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
B="$SRC/build"
FRAMEWORK=/usr/share/android-framework-res/framework-res.apk
mkdir -p "$B"

for tool in smali aapt zipalign apksigner keytool iconv; do
  command -v "$tool" >/dev/null || { echo "build.sh: missing $tool (see scripts/apt-packages.txt)" >&2; exit 2; }
done
[ -f "$FRAMEWORK" ] || { echo "build.sh: missing $FRAMEWORK (apt-get install android-framework-res)" >&2; exit 2; }

exec 9>"$B/.lock"
flock 9

KS="$B/samples.keystore"
if [ ! -f "$KS" ]; then
  keytool -genkeypair -keystore "$KS" -storepass android -keypass android -alias samples \
    -keyalg RSA -keysize 2048 -validity 10000 -dname "CN=pi-auditor samples, O=pi-auditor, C=CN" >/dev/null 2>&1
fi

# Digest of everything an app's APK depends on; $2 names extra inputs (a nested APK).
digest() {
  { cat "$SRC/build.sh" "$KS"; find "$SRC/$1" -type f | LC_ALL=C sort | xargs cat; shift; if [ $# -gt 0 ]; then cat "$@"; fi; } \
    | sha256sum | cut -c1-32
}

build_app() {
  local app=$1; shift
  local out="$B/$app.apk" key
  key=$(digest "$app" "$@")
  if [ -f "$out" ] && [ "$(cat "$B/$app.stamp" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  local work="$B/work/$app"
  rm -rf "$work" && mkdir -p "$work/res" "$work/assets"
  cp -r "$SRC/$app/res/." "$work/res/"
  if [ -d "$SRC/$app/assets" ]; then cp -r "$SRC/$app/assets/." "$work/assets/"; fi
  stage_extras "$app" "$work"
  smali assemble --api 21 -o "$work/classes.dex" "$SRC/$app/smali"
  local dexes=(classes.dex)
  if [ -d "$SRC/$app/smali_classes2" ]; then
    smali assemble --api 21 -o "$work/classes2.dex" "$SRC/$app/smali_classes2"
    dexes+=(classes2.dex)
  fi
  local assets=()
  if [ -n "$(ls -A "$work/assets")" ]; then assets=(-A "$work/assets"); fi
  aapt package -f -M "$SRC/$app/AndroidManifest.xml" -S "$work/res" "${assets[@]}" -I "$FRAMEWORK" \
    -F "$work/unsigned.apk" >/dev/null
  (cd "$work" && aapt add unsigned.apk "${dexes[@]}" >/dev/null)
  if [ -d "$work/lib" ]; then
    (cd "$work" && find lib -type f | LC_ALL=C sort | xargs aapt add unsigned.apk >/dev/null)
  fi
  zipalign -p -f 4 "$work/unsigned.apk" "$work/aligned.apk"
  apksigner sign --ks "$KS" --ks-pass pass:android --ks-key-alias samples --key-pass pass:android \
    --out "$out.tmp" "$work/aligned.apk"
  mv "$out.tmp" "$out"
  rm -f "$out.tmp.idsig"
  echo "$key" > "$B/$app.stamp"
  echo "built $out" >&2
}

# Inputs that are generated rather than committed: a GBK policy (encodings are the point of the test),
# a native library stub (only its name is evidence) and the nested plugin APK.
stage_extras() {
  local app=$1 work=$2
  case "$app" in
    notes)
      mkdir -p "$work/res/raw"
      iconv -f UTF-8 -t GBK "$SRC/notes/privacy_policy.utf8.txt" > "$work/res/raw/privacy_policy.txt"
      rm -f "$work/res/privacy_policy.utf8.txt"
      ;;
    wst)
      mkdir -p "$work/lib/arm64-v8a"
      printf '\177ELF\002\001\001\000' > "$work/lib/arm64-v8a/libYTFaceTrackPro.so"
      ;;
    flashlight)
      cp "$B/plugin.apk" "$work/assets/plugin.apk"
      ;;
    toolbox)
      mkdir -p "$work/lib/arm64-v8a"
      printf '\177ELF\002\001\001\000' > "$work/lib/arm64-v8a/libjcore.so"
      ;;
  esac
}

apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then apps=(plugin wst flashlight notes toolbox); fi
for app in "${apps[@]}"; do
  case "$app" in
    flashlight) build_app plugin; build_app flashlight "$B/plugin.apk" ;;
    *) build_app "$app" ;;
  esac
done
