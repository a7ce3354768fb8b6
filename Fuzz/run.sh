#!/usr/bin/env bash
# Builds the EntropyCoding libFuzzer target with address sanitizer and runs it.
# Usage: Fuzz/run.sh [seconds=600] [extra libFuzzer flags...]. Not part of the package build or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"; shift || true
out=.build/fuzz
mkdir -p "$out" "$out/corpus"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name EntropyFuzz \
    Sources/EntropyCoding/*.swift Fuzz/EntropyFuzz.swift -o "$out/entropy-fuzz"
"$out/entropy-fuzz" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$@" "$out/corpus"
