#!/usr/bin/env python3
"""Peer entropy coders for Benchmarks/EntropyBenchmark (our own benchmark script, not product code).

Reads the symbols written by the Swift benchmark (little-endian int32 files values.i32, means_q8.i32,
logscales_q8.i32: mean and natural-log Laplace scale in Q8) and codes them with
  * constriction 0.5: QuantizedLaplace(-64, 63) with its queue RangeEncoder/RangeDecoder, per-symbol
    mean and scale as float64 arrays (how Cool-chic drives it);
  * CompressAI 1.2: compressai.ans BufferedRansEncoder / RansDecoder with a set of quantized-scale Laplace
    CDF tables built like GaussianConditional.update() (64 log-spaced scales, tail mass 1e-9, 16-bit
    precision, pmf_to_quantized_cdf), symbols round(y - round(mean)) and the table index of the first
    table scale >= the symbol's scale, as GaussianConditional.build_indexes does.
Prints one JSON object: per peer the median encode and decode thread-CPU seconds over `--runs` runs and the bytes.
constriction takes numpy arrays directly; CompressAI's Python lists are built before timing (its
pybind11 list-to-vector conversion inside each call is included, as it is in any use from Python).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")


def load(directory):
    read = lambda name: np.fromfile(os.path.join(directory, name), dtype="<i4")
    return read("values.i32"), read("means_q8.i32"), read("logscales_q8.i32")


def timed(function, runs):
    times, result = [], None
    for _ in range(runs):
        start = time.thread_time()
        result = function()
        times.append(time.thread_time() - start)
    return statistics.median(times), result


def run_constriction(values, means, scales, runs):
    import constriction

    family = constriction.stream.model.QuantizedLaplace(-64, 63)

    def encode():
        encoder = constriction.stream.queue.RangeEncoder()
        encoder.encode(values, family, means, scales)
        return encoder.get_compressed()

    encode_seconds, compressed = timed(encode, runs)

    def decode():
        decoder = constriction.stream.queue.RangeDecoder(compressed)
        return decoder.decode(family, means, scales)

    decode_seconds, decoded = timed(decode, runs)
    assert np.array_equal(decoded, values), "constriction round trip failed"
    return {"encode_s": encode_seconds, "decode_s": decode_seconds, "bytes": int(compressed.nbytes)}


def laplace_tables(scale_table, tail_mass=1e-9, precision=16):
    from compressai._CXX import pmf_to_quantized_cdf

    multiplier = math.log(1.0 / tail_mass)  # Laplace: P(|X| > m b) = tail_mass
    cdfs, lengths, offsets = [], [], []
    for scale in scale_table:
        center = int(math.ceil(scale * multiplier))
        x = np.arange(-center, center + 1, dtype=np.float64)
        cdf = lambda t: np.where(t < 0, 0.5 * np.exp(t / scale), 1.0 - 0.5 * np.exp(-t / scale))
        pmf = cdf(x + 0.5) - cdf(x - 0.5)
        tail = float(2 * cdf(np.array([-center - 0.5]))[0])
        quantized = pmf_to_quantized_cdf(pmf.tolist() + [tail], precision)
        cdfs.append(list(quantized))
        lengths.append(len(quantized))
        offsets.append(-center)
    return cdfs, lengths, offsets


def run_compressai(values, means, scales, runs):
    from compressai import ans

    scale_table = np.exp(np.linspace(math.log(scales.min()), math.log(scales.max()), 64))
    cdfs, lengths, offsets = laplace_tables(scale_table)
    indexes = np.searchsorted(scale_table, scales, side="left").clip(0, len(scale_table) - 1).astype(np.int32)
    symbols = (values - np.round(means)).astype(np.int32)
    # Python lists are built outside the timed region (in CompressAI's own models they are built per call
    # too, so this favours the peer); pybind11's list-to-vector conversion inside the calls is included.
    symbol_list, index_list = symbols.tolist(), indexes.tolist()

    def encode():
        encoder = ans.BufferedRansEncoder()
        encoder.encode_with_indexes(symbol_list, index_list, cdfs, lengths, offsets)
        return encoder.flush()

    encode_seconds, string = timed(encode, runs)

    def decode():
        decoder = ans.RansDecoder()
        return decoder.decode_with_indexes(string, index_list, cdfs, lengths, offsets)

    decode_seconds, decoded = timed(decode, runs)
    assert np.array_equal(np.asarray(decoded, dtype=np.int32), symbols), "CompressAI round trip failed"
    return {"encode_s": encode_seconds, "decode_s": decode_seconds, "bytes": len(string)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    values, means_q8, logscales_q8 = load(arguments.directory)
    means = means_q8.astype(np.float64) / 256.0
    scales = np.exp(logscales_q8.astype(np.float64) / 256.0)
    result = {}
    for name, runner in (("constriction", run_constriction), ("compressai", run_compressai)):
        try:
            result[name] = runner(values, means, scales, arguments.runs)
        except Exception as error:  # report, don't hide
            result[name] = {"error": f"{type(error).__name__}: {error}"}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
