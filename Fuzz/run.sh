#!/usr/bin/env bash
# Builds the EntropyCoding libFuzzer target with address sanitizer and runs it.
# Usage: Fuzz/run.sh [seconds=600] [extra libFuzzer flags...]. Not part of the package build or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"; shift || true
out=.build/fuzz
mkdir -p "$out" "$out/corpus"
# EntropyCoding's C module (its compiled-in tables), built and mapped by hand outside SwiftPM.
mkdir -p "$out/CEntropyTables"
printf 'module CEntropyTables {\n    header "%s"\n    export *\n}\n' "$PWD/Sources/CEntropyTables/include/CEntropyTables.h" \
    > "$out/CEntropyTables/module.modulemap"
clang -c -O2 -fsanitize=address -I Sources/CEntropyTables/include Sources/CEntropyTables/laplace16.c -o "$out/laplace16.o"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name EntropyFuzz -I "$out/CEntropyTables" \
    Sources/EntropyCoding/*.swift Fuzz/EntropyFuzz.swift "$out/laplace16.o" -o "$out/entropy-fuzz"
"$out/entropy-fuzz" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 "$@" "$out/corpus"
