#!/usr/bin/env python3
"""Generates quality_fixtures.json: reference metric values for QualityMetricsTests.

Our own script (not part of the product). Reference implementations:
  - SSIM / MS-SSIM: pytorch-msssim (ssim, ms_ssim; float64 tensors, data_range = 2^bits - 1);
  - PSNR: numpy in float64, cross-checked against scikit-image's peak_signal_noise_ratio;
  - SSIM is also cross-checked against scikit-image's structural_similarity (Gaussian weights).
Distorted images are made by deterministic integer operations that the Swift test re-implements
exactly (see QualityFixtureCases.swift), or by Debian's cjpeg/djpeg at fixed settings. Only numbers
are written; no image is stored.

Run: python3 Tests/QualityMetricsTests/Fixtures/make_fixtures.py
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from pytorch_msssim import ms_ssim, ssim
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

HERE = Path(__file__).resolve().parent
KODAK = HERE.parents[2].parent / "shared" / "data" / "kodak"

# (name, image, crop [x, y, w, h] or None, distortion)
CASES = [
    ("noise-full", "kodim05.png", None, {"kind": "noise", "amplitude": 12, "seed": 1}),
    ("blur-full", "kodim14.png", None, {"kind": "blur"}),
    ("posterize-full", "kodim23.png", None, {"kind": "posterize", "shift": 4}),
    ("blur-noise-portrait", "kodim04.png", None, {"kind": "blur-noise", "amplitude": 6, "seed": 2}),
    ("noise-odd-crop", "kodim19.png", [101, 57, 301, 217], {"kind": "noise", "amplitude": 20, "seed": 3}),
    ("blur-minimum-ms-ssim", "kodim08.png", [3, 5, 173, 161], {"kind": "blur"}),
    ("noise-small", "kodim12.png", [10, 20, 37, 23], {"kind": "noise", "amplitude": 9, "seed": 4}),
    ("noise-below-window", "kodim15.png", [0, 0, 9, 7], {"kind": "noise", "amplitude": 30, "seed": 5}),
    ("noise-16bit", "kodim09.png", [40, 90, 211, 183], {"kind": "noise16", "amplitude": 700, "seed": 6}),
    ("jpeg-q30", "kodim21.png", None, {"kind": "jpeg", "quality": 30}),
    ("jpeg-q75-crop", "kodim10.png", [33, 65, 257, 199], {"kind": "jpeg", "quality": 75}),
]


def lcg_noise(count, amplitude, seed):
    """Noise in -amplitude...amplitude from a 32-bit LCG (Numerical Recipes constants), one draw per sample."""
    out = np.empty(count, dtype=np.int64)
    state = seed & 0xFFFFFFFF
    span = 2 * amplitude + 1
    for i in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = (state >> 8) % span - amplitude
    return out


def add_noise(img, amplitude, seed, maximum):
    noise = lcg_noise(img.size, amplitude, seed).reshape(img.shape)  # interleaved order: row, column, channel
    return np.clip(img + noise, 0, maximum)


def box_blur(img):
    """3x3 mean with edge replication, rounded half up: (sum + 4) // 9."""
    padded = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = img.shape[:2]
    total = sum(padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3))
    return (total + 4) // 9


def posterize(img, shift):
    return np.minimum(((img >> shift) << shift) + (1 << (shift - 1)), 255)


def to_16bit(img):
    """Spreads 8-bit samples over 16 bits with a deterministic low part: v * 257 + (7x + 13y + 5c) % 257, clamped."""
    h, w, c = img.shape
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return np.minimum(img * 257 + (7 * x + 13 * y + 5 * ch) % 257, 65535)


def jpeg(img, quality):
    with tempfile.TemporaryDirectory() as tmp:
        src, enc, dec = Path(tmp, "a.ppm"), Path(tmp, "a.jpg"), Path(tmp, "b.ppm")
        Image.fromarray(img.astype(np.uint8)).save(src)
        subprocess.run(["cjpeg", "-quality", str(quality), "-outfile", str(enc), str(src)], check=True)
        subprocess.run(["djpeg", "-pnm", "-outfile", str(dec), str(enc)], check=True)
        return np.asarray(Image.open(dec)).astype(np.int64)


def distort(img, spec):
    kind = spec["kind"]
    if kind == "noise":
        return add_noise(img, spec["amplitude"], spec["seed"], 255)
    if kind == "noise16":
        return add_noise(img, spec["amplitude"], spec["seed"], 65535)
    if kind == "blur":
        return box_blur(img)
    if kind == "blur-noise":
        return add_noise(box_blur(img), spec["amplitude"], spec["seed"], 255)
    if kind == "posterize":
        return posterize(img, spec["shift"])
    if kind == "jpeg":
        return jpeg(img, spec["quality"])
    raise ValueError(kind)


def psnr(a, b, peak):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(peak * peak / mse)


def luma(img, kr, kb):
    return kr * img[..., 0] + (1 - kr - kb) * img[..., 1] + kb * img[..., 2]


def tensor(planes):
    """(H, W, C) float64 -> (1, C, H, W) torch float64."""
    return torch.from_numpy(np.ascontiguousarray(planes.transpose(2, 0, 1)))[None]


def metrics(ref, dist, peak):
    ref = ref.astype(np.float64)
    dist = dist.astype(np.float64)
    out = {"psnr_rgb": psnr(ref, dist, peak)}
    for i, name in enumerate("rgb"):
        out[f"psnr_{name}"] = psnr(ref[..., i], dist[..., i], peak)
    y_ref, y_dist = luma(ref, 0.2126, 0.0722), luma(dist, 0.2126, 0.0722)
    out["psnr_y"] = psnr(y_ref, y_dist, peak)
    out["psnr_y_bt601"] = psnr(luma(ref, 0.299, 0.114), luma(dist, 0.299, 0.114), peak)
    cb = psnr((ref[..., 2] - y_ref) / (2 * (1 - 0.0722)), (dist[..., 2] - y_dist) / (2 * (1 - 0.0722)), peak)
    cr = psnr((ref[..., 0] - y_ref) / (2 * (1 - 0.2126)), (dist[..., 0] - y_dist) / (2 * (1 - 0.2126)), peak)
    out["psnr_yuv"] = (6 * out["psnr_y"] + cb + cr) / 8
    skimage_psnr = peak_signal_noise_ratio(ref, dist, data_range=peak)
    assert abs(skimage_psnr - out["psnr_rgb"]) < 1e-9, (skimage_psnr, out["psnr_rgb"])

    x, y = tensor(ref), tensor(dist)
    xy, yy = tensor(y_ref[..., None]), tensor(y_dist[..., None])
    out["ssim_rgb"] = float(ssim(x, y, data_range=peak))
    out["ssim_y"] = float(ssim(xy, yy, data_range=peak))
    if min(ref.shape[:2]) > 160:
        out["ms_ssim_rgb"] = float(ms_ssim(x, y, data_range=peak))
        out["ms_ssim_y"] = float(ms_ssim(xy, yy, data_range=peak))
    if min(ref.shape[:2]) >= 11:
        sk = structural_similarity(ref, dist, data_range=peak, channel_axis=2, gaussian_weights=True,
                                   sigma=1.5, use_sample_covariance=False)
        assert abs(sk - out["ssim_rgb"]) < 1e-4, (sk, out["ssim_rgb"])
    return out


def main():
    if not KODAK.is_dir():
        sys.exit(f"Kodak images not found at {KODAK}")
    cases = []
    for name, file, crop, spec in CASES:
        img = np.asarray(Image.open(KODAK / file).convert("RGB")).astype(np.int64)
        if crop is not None:
            x, y, w, h = crop
            img = img[y:y + h, x:x + w]
        peak = 255
        if spec["kind"] == "noise16":
            img, peak = to_16bit(img), 65535
        values = metrics(img, distort(img, spec), peak)
        cases.append({"name": name, "image": file, "crop": crop, "distortion": spec, "expected": values})
        print(name, {k: round(v, 6) for k, v in values.items()})
    document = {
        "generator": "Tests/QualityMetricsTests/Fixtures/make_fixtures.py",
        "reference": "pytorch-msssim 1.0.0 (float64), numpy / scikit-image PSNR",
        "cases": cases,
    }
    (HERE / "quality_fixtures.json").write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
