#!/usr/bin/env bash
# Rate-distortion and timing of the overfitted codec on Kodak images, one encode per (image, lambda).
# Usage: benchmarks/overfitted-kodak.sh OUT.tsv PRESET COMPLEXITY "kodim03 kodim05 ..." "1e-4 4e-4 ..."
# COMPLEXITY may be auto (the encoder's choice by preset and lambda).
# Appends one line per encode: image lambda preset complexity bytes bpp psnr_rgb encode_s decode_ms_1thread
# (complexity as the encoder reports it, so auto is resolved).
# (decode time = median of 3 single-thread decodes, as printed by `ncodec decode`).
# Environment: KODAK (image folder), NCODEC (binary), THREADS (encoder threads, default 2),
# ENCODE_OPTIONS (more options for every encode, e.g. "--uncoded-grids 1").
set -euo pipefail
out=$1 preset=$2 complexity=$3 images=$4 lambdas=$5
root="$(cd "$(dirname "$0")/.." && pwd)"
kodak="${KODAK:-$root/../shared/data/kodak}"
ncodec="${NCODEC:-$root/.build/release/ncodec}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[ -f "$out" ] || printf "image\tlambda\tpreset\tcomplexity\tbytes\tbpp\tpsnr_rgb\tencode_s\tdecode_ms_1thread\n" > "$out"
for image in $images; do
    for lambda in $lambdas; do
        line=$("$ncodec" encode "$kodak/$image.png" -o "$work/a.ncx" --lambda "$lambda" --preset "$preset" \
            --complexity "$complexity" --threads "${THREADS:-2}" ${ENCODE_OPTIONS:-} | tail -1)
        bytes=$(echo "$line" | sed -E 's/.*: ([0-9]+) bytes.*/\1/')
        bpp=$(echo "$line" | sed -E 's/.* ([0-9.]+) bpp.*/\1/')
        psnr=$(echo "$line" | sed -E 's/.*PSNR ([0-9.]+) dB.*/\1/')
        seconds=$(echo "$line" | sed -E 's/.* ([0-9.]+) s$/\1/')
        used=$(echo "$line" | sed -E 's/.* ([a-z-]+) complexity.*/\1/')
        decode=$(for _ in 1 2 3; do "$ncodec" decode "$work/a.ncx" -o "$work/a.png" --threads 1 \
            | sed -E 's/.*decoded in ([0-9.]+) ms.*/\1/'; done | sort -n | sed -n 2p)
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$image" "$lambda" "$preset" "$used" "$bytes" "$bpp" "$psnr" "$seconds" "$decode" >> "$out"
    done
done
