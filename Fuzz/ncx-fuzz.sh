#!/usr/bin/env bash
# Mutation-fuzzes the .ncx decoder under the address sanitizer (separate package, not in CI).
# Usage: Fuzz/ncx-fuzz.sh [iterations=20000] [seed=1]. A trap leaves the input in fuzz-current.ncx.
set -euo pipefail
cd "$(dirname "$0")/NCXFuzz"
swift build -c release --sanitize=address
"$(swift build -c release --sanitize=address --show-bin-path)/NCXFuzz" "${1:-20000}" "${2:-1}"
