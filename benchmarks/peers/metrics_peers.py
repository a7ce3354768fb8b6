#!/usr/bin/env python3
"""Peer timings for MetricsBenchmark (our own script; not part of the product).

  metrics_peers.py time REF DIST RUNS   -> JSON with median seconds of each peer call, in-process
  metrics_peers.py once REF DIST        -> computes PSNR, SSIM and MS-SSIM (RGB and Y) once and prints
                                           them: the whole-process counterpart of `ncodec metrics`

Peers: pytorch-msssim (ssim, ms_ssim on float32 1x3xHxW tensors, data_range 255; torch timed with its
default thread count and with 1 thread, the faster reported) and scikit-image (peak_signal_noise_ratio; structural_similarity with Gaussian weights,
sigma 1.5, no sample-covariance correction: the pytorch-msssim / Wang et al. definition).
"""
import json
import statistics
import sys
import time

import numpy as np
from PIL import Image


def load(path):
    return np.asarray(Image.open(path).convert("RGB")).astype(np.float32)


def luma(img):
    return 0.2126 * img[..., 0] + 0.7152 * img[..., 1] + 0.0722 * img[..., 2]


def median_seconds(function, runs):
    function()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_peers(ref_path, dist_path, runs):
    import torch
    from pytorch_msssim import ms_ssim, ssim
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    ref, dist = load(ref_path), load(dist_path)
    x = torch.from_numpy(ref.transpose(2, 0, 1).copy())[None]
    y = torch.from_numpy(dist.transpose(2, 0, 1).copy())[None]
    xy = torch.from_numpy(luma(ref).copy())[None, None]
    yy = torch.from_numpy(luma(dist).copy())[None, None]

    def torch_all():
        with torch.no_grad():
            ssim(x, y, data_range=255)
            ms_ssim(x, y, data_range=255)
            ssim(xy, yy, data_range=255)
            ms_ssim(xy, yy, data_range=255)

    def skimage_ssim():
        structural_similarity(ref, dist, data_range=255, channel_axis=2, gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False)

    default_threads = torch.get_num_threads()
    results = {}
    # torch is timed with its default thread count and with one thread (oversubscribed machines make
    # its OpenMP threads spin); the unsuffixed key is the faster of the two.
    with torch.no_grad():
        for threads in sorted({default_threads, 1}, reverse=True):
            torch.set_num_threads(threads)
            suffix = f"_threads{threads}"
            results["pytorch_msssim_ssim_rgb" + suffix] = median_seconds(lambda: ssim(x, y, data_range=255), runs)
            results["pytorch_msssim_ms_ssim_rgb" + suffix] = median_seconds(lambda: ms_ssim(x, y, data_range=255), runs)
            results["pytorch_msssim_ssim_and_ms_ssim_rgb_y" + suffix] = median_seconds(torch_all, runs)
    for key in ("pytorch_msssim_ssim_rgb", "pytorch_msssim_ms_ssim_rgb", "pytorch_msssim_ssim_and_ms_ssim_rgb_y"):
        results[key] = min(value for name, value in results.items() if name.startswith(key + "_threads"))
    results["skimage_ssim_rgb"] = median_seconds(skimage_ssim, runs)
    results["skimage_psnr_rgb"] = median_seconds(lambda: peak_signal_noise_ratio(ref, dist, data_range=255), runs)
    results["torch_default_threads"] = default_threads
    results["torch_version"] = torch.__version__
    import pytorch_msssim
    import skimage
    results["skimage_version"] = skimage.__version__
    results["pytorch_msssim_version"] = getattr(pytorch_msssim, "__version__", "1.0.0")
    return results


def once(ref_path, dist_path):
    import torch
    from pytorch_msssim import ms_ssim, ssim
    from skimage.metrics import peak_signal_noise_ratio

    ref, dist = load(ref_path), load(dist_path)
    x = torch.from_numpy(ref.transpose(2, 0, 1).copy())[None]
    y = torch.from_numpy(dist.transpose(2, 0, 1).copy())[None]
    xy = torch.from_numpy(luma(ref).copy())[None, None]
    yy = torch.from_numpy(luma(dist).copy())[None, None]
    with torch.no_grad():
        out = {
            "psnr_rgb": float(peak_signal_noise_ratio(ref, dist, data_range=255)),
            "psnr_y": float(peak_signal_noise_ratio(luma(ref), luma(dist), data_range=255)),
            "ssim_rgb": float(ssim(x, y, data_range=255)),
            "ssim_y": float(ssim(xy, yy, data_range=255)),
            "ms_ssim_rgb": float(ms_ssim(x, y, data_range=255)),
            "ms_ssim_y": float(ms_ssim(xy, yy, data_range=255)),
        }
    print(json.dumps(out))


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "time":
        runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
        print(json.dumps(time_peers(sys.argv[2], sys.argv[3], runs)))
    elif len(sys.argv) == 4 and sys.argv[1] == "once":
        once(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
