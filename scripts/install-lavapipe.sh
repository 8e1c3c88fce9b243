#!/usr/bin/env bash
# Installs a CPU Vulkan driver (Mesa's lavapipe) for evogan's webgpu tests on Debian 12, x86-64.
#
# Dawn (the npm package `webgpu`) rejects Debian 12's own lavapipe (Mesa 22.3.6: "Vulkan
# shaderUniform*ArrayDynamicIndexing required", requestAdapter() = null); Mesa 25 from
# bookworm-backports works. Its packages are unpacked into a prefix (never over /) so that the
# system's Mesa stays as it is; Debian main gives the Vulkan loader and lavapipe's libraries.
#
# Usage: scripts/install-lavapipe.sh [PREFIX]   (default: .lvp25 in the repository root, git-ignored)
# Then:  export LD_LIBRARY_PATH=PREFIX/usr/lib/x86_64-linux-gnu VK_ICD_FILENAMES=PREFIX/usr/share/vulkan/icd.d/lvp_icd.json
# (`scripts/install-lavapipe.sh --env [PREFIX]` prints those two lines.)
# Exits 0 when the driver is there (installed now or before), non-zero when it could not be.
set -euo pipefail

# Pinned: the version measured to work with webgpu@0.6.2 (a newer backport may change what Dawn sees).
MESA_VERSION=25.0.7-2~bpo12+1
ROOT=$(cd "$(dirname "$0")/.." && pwd)

print_env=0
if [ "${1:-}" = "--env" ]; then print_env=1; shift; fi
PREFIX=${1:-${LVP_PREFIX:-$ROOT/.lvp25}}
LIB=$PREFIX/usr/lib/x86_64-linux-gnu
ICD=$PREFIX/usr/share/vulkan/icd.d/lvp_icd.json

if [ "$print_env" = 1 ]; then
  echo "export LD_LIBRARY_PATH=$LIB\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH} VK_ICD_FILENAMES=$ICD"
  exit 0
fi

if [ "$(uname -m)" != x86_64 ]; then
  echo "install-lavapipe: x86-64 only (this is $(uname -m))" >&2
  exit 1
fi

# The Vulkan loader (dawn.node dlopens libvulkan.so.1) and the libraries lavapipe links against (LLVM, ...).
if ! [ -e /usr/lib/x86_64-linux-gnu/libvulkan.so.1 ] || ! dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libvulkan1 mesa-vulkan-drivers >/dev/null
fi

if [ -e "$ICD" ] && [ -e "$LIB/libvulkan_lvp.so" ]; then
  echo "install-lavapipe: Mesa $MESA_VERSION already in $PREFIX"
  exit 0
fi

# bookworm-backports through a private apt state (its own sources, lists and cache): the machine's
# apt configuration is not changed, and the mirror is the one its sources already use.
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
mkdir -p "$S/lists/partial" "$S/parts" "$S/cache/archives/partial"
MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$MIRROR" >"$S/parts/bpo.sources"
O=(-oDir::Etc::SourceList=/dev/null "-oDir::Etc::SourceParts=$S/parts" "-oDir::State::Lists=$S/lists" "-oDir::Cache=$S/cache" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root)
apt-get "${O[@]}" update -qq
(cd "$S" && apt-get "${O[@]}" download -qq "mesa-vulkan-drivers=$MESA_VERSION" libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports)

# Unpack into a fresh folder, then move it into place: an interrupted run leaves no half prefix.
mkdir -p "$(dirname "$PREFIX")"
TMP_PREFIX=$(mktemp -d "$PREFIX.partial.XXXXXX")
for f in "$S"/*.deb; do dpkg -x "$f" "$TMP_PREFIX"; done
[ -e "$TMP_PREFIX/usr/share/vulkan/icd.d/lvp_icd.json" ] || { echo "install-lavapipe: lvp_icd.json missing from the unpacked packages" >&2; rm -rf "$TMP_PREFIX"; exit 1; }
rm -rf "$PREFIX"
mv "$TMP_PREFIX" "$PREFIX"
echo "install-lavapipe: Mesa $MESA_VERSION unpacked into $PREFIX"
