#!/usr/bin/env bash
# Runs one entry of a folder made by scripts/stage-gpu.sh (this script is copied into it) on a Linux
# x86-64 machine without Node or network: a GPU machine, or as a dry run a CPU machine with Mesa's
# lavapipe. Unpacks the folder into a runtime folder (the carried Node, Dawn, the bundles; checked
# against their SHA-256 sums), chooses the Vulkan loader, and runs the entry with the carried Node.
# Nothing is installed: the carried Debian packages are unpacked under the runtime folder and
# reached through LD_LIBRARY_PATH, never over /.
#
# Usage: bash STAGED/run-on-gpu.sh [ENTRY [ARGS...]]
#        ENTRY is a staged entry's name (default gpu-check); ARGS go to it, e.g. `gpu-check --iters 50`.
# Env:   EVOGAN_GPU_RT  the runtime folder, kept afterwards (default: a temporary one, removed at exit)
#        VULKAN_LOADER  auto (default): each library the system lacks (ldconfig) is taken from the
#                       carried packages; system: none is; carried: all are (a dry run of the carried loader)
#        NV_ICD         NVIDIA's Vulkan driver file outside the loader's search path, used when
#                       VK_ICD_FILENAMES and VK_DRIVER_FILES are unset and the file exists
#                       (default: where NVIDIA's container images mount it)
# stdout is the entry's alone; this script writes to stderr. Exit: the entry's code; 2 bad usage;
# 1 a damaged folder or an unpacking failure.
set -euo pipefail

C=$(cd "$(dirname "$0")" && pwd)
say() { echo "run-on-gpu: $*" >&2; }
[ -e "$C/.evogan-gpu-stage" ] && [ -f "$C/SHA256SUMS" ] || { say "$C is not a folder made by scripts/stage-gpu.sh"; exit 2; }

ENTRY=gpu-check
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then ENTRY=$1; shift; fi
MODE=${VULKAN_LOADER:-auto}
case "$MODE" in auto|system|carried) ;; *) say "VULKAN_LOADER must be auto, system or carried, got '$MODE'"; exit 2 ;; esac
[ -f "$C/rt/$ENTRY.mjs.xz" ] || { say "no entry '$ENTRY' in $C (staged: $(cd "$C/rt" && ls *.mjs.xz | sed 's/\.mjs\.xz$//' | paste -sd ' '))"; exit 2; }

if [ -n "${EVOGAN_GPU_RT:-}" ]; then
  mkdir -p "$EVOGAN_GPU_RT"
  R=$(cd "$EVOGAN_GPU_RT" && pwd)
else
  R=$(mktemp -d "${TMPDIR:-/tmp}/evogan-gpu.XXXXXX")
  trap 'rm -rf "$R"' EXIT
fi

# The runtime tree: copied, its .xz files unpacked in place, then checked.
cp -R "$C/rt/." "$R/"
find "$R" -name '*.xz' -exec xz -d -f -T0 {} + || { say "could not unpack into $R (disk full?)"; exit 1; }
if ! (cd "$R" && sha256sum --quiet -c "$C/SHA256SUMS" >&2); then say "the staged folder $C is damaged (SHA-256 mismatch above): copy it again"; exit 1; fi
chmod +x "$R/node"

# The Vulkan loader and glvnd: the system's, or the carried packages' (unpacked under $R/vk).
mkdir -p "$R/vk" "$R/lib"
for f in "$C"/debs/*.deb; do dpkg-deb -x "$f" "$R/vk" 2>/dev/null || (cd "$R/vk" && ar p "$f" "$(ar t "$f" | grep '^data.tar')" | tar x -J 2>/dev/null) || { say "could not unpack $f"; exit 1; }; done
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
known() { "$LDCONFIG" -p 2>/dev/null | grep -q "^[[:space:]]*$1 "; }
carried=()
for lib in "$R"/vk/usr/lib/x86_64-linux-gnu/*.so.[0-9]; do
  [ -e "$lib" ] || continue
  name=$(basename "$lib")
  if [ "$MODE" = carried ] || { [ "$MODE" = auto ] && ! known "$name"; }; then
    ln -sf "$lib" "$R/lib/$name"
    carried+=("$name")
  fi
done
if [ ${#carried[@]} -gt 0 ]; then export LD_LIBRARY_PATH="$R/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi

NV=${NV_ICD:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ] && [ -f "$NV" ]; then export VK_ICD_FILENAMES="$NV"; fi

libs=${carried[*]:-}
[ "$MODE" = system ] && libs="none (VULKAN_LOADER=system)"
drivers=${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}
say "runtime $R; node $("$R/node" --version); carried libraries: ${libs:-none, the system has them}; Vulkan drivers: ${drivers:-the search path of the loader}"
if command -v nvidia-smi >/dev/null; then nvidia-smi -L >&2 || true; fi

set +e
(cd "$R" && "$R/node" "$R/$ENTRY.mjs" "$@")
code=$?
set -e
exit "$code"
