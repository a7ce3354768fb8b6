#!/usr/bin/env python3
"""Checks `ncodec metrics` against pytorch-msssim / scikit-image on JPEG-compressed Kodak images.

Our own check script (not part of the product or of CI). For each image and quality it compresses with
Debian's cjpeg, runs `ncodec metrics REF.png DIST.jpg --json` (our JPEG reader), decodes the JPEG with
Pillow, computes the reference values (pytorch-msssim in float64, PSNR in numpy/scikit-image) and prints
the largest absolute differences.

Run: swift build -c release && python3 benchmarks/peers/check_metrics_agreement.py [KODAK_DIR]
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
from skimage.metrics import peak_signal_noise_ratio

ROOT = Path(__file__).resolve().parents[2]
NCODEC = ROOT / ".build" / "release" / "ncodec"
KODAK = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "kodak"
QUALITIES = (15, 50, 90)


def luma(img):
    return 0.2126 * img[..., 0] + 0.7152 * img[..., 1] + 0.0722 * img[..., 2]


def reference(ref, dist):
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))[None]
    x, y = t(ref), t(dist)
    xy, yy = t(luma(ref)[..., None]), t(luma(dist)[..., None])
    return {
        "psnr_rgb": peak_signal_noise_ratio(ref, dist, data_range=255),
        "psnr_y": peak_signal_noise_ratio(luma(ref), luma(dist), data_range=255),
        "ssim_rgb": float(ssim(x, y, data_range=255)),
        "ssim_y": float(ssim(xy, yy, data_range=255)),
        "ms_ssim_rgb": float(ms_ssim(x, y, data_range=255)),
        "ms_ssim_y": float(ms_ssim(xy, yy, data_range=255)),
    }


def main():
    worst = {}
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for png in sorted(KODAK.glob("*.png")):
            ref = np.asarray(Image.open(png).convert("RGB")).astype(np.float64)
            ppm = Path(tmp, "ref.ppm")
            Image.fromarray(ref.astype(np.uint8)).save(ppm)
            for quality in QUALITIES:
                jpg = Path(tmp, f"q{quality}.jpg")
                subprocess.run(["cjpeg", "-quality", str(quality), "-outfile", str(jpg), str(ppm)], check=True)
                ours = json.loads(subprocess.run([str(NCODEC), "metrics", str(png), str(jpg), "--json"],
                                                 check=True, capture_output=True, text=True).stdout)
                dist = np.asarray(Image.open(jpg).convert("RGB")).astype(np.float64)
                for key, value in reference(ref, dist).items():
                    worst[key] = max(worst.get(key, 0.0), abs(ours[key] - value))
                count += 1
    print(json.dumps({"pairs": count, "qualities": QUALITIES, "max_abs_difference": worst}, indent=1))


if __name__ == "__main__":
    main()
