#!/usr/bin/env python3
"""Compare our overfitted codec's Kodak results (TSV from benchmarks/overfitted-kodak.sh) with
Cool-chic 5.0.1's published per-image results on the SAME images and lambdas.

Writes two CSVs (bpp,psnr: the mean over the images of each lambda, as published curves are made)
for `ncodec bdrate`, and prints per-point comparisons at equal rate: for each of our points, the
PSNR Cool-chic reaches at the same bpp on the same image (linear in log-rate between its points).
Usage: overfitted_vs_coolchic.py OURS.tsv ANCHOR.tsv OUT_PREFIX [--preset P] [--complexity C]
"""
import csv
import math
import sys
from collections import defaultdict


def read_tsv(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def main():
    ours_path, anchor_path, prefix = sys.argv[1:4]
    filters = dict(zip(sys.argv[4::2], sys.argv[5::2]))
    ours = [r for r in read_tsv(ours_path)
            if r["preset"] == filters.get("--preset", r["preset"]) and r["complexity"] == filters.get("--complexity", r["complexity"])]
    anchor = read_tsv(anchor_path)
    curves = defaultdict(list)
    for r in anchor:
        curves[r["seq_name"]].append((float(r["rate_bpp"]), float(r["psnr_db"]), float(r["lmbda"])))
    by_lambda = defaultdict(dict)
    for r in ours:
        by_lambda[float(r["lambda"])][r["image"]] = (float(r["bpp"]), float(r["psnr_rgb"]))
    # Images with every lambda: the set both averaged curves use.
    lambdas = sorted(by_lambda)
    images = sorted(set.intersection(*(set(v) for v in by_lambda.values()))) if lambdas else []
    print(f"images with all {len(lambdas)} lambdas: {len(images)} ({' '.join(images)})")
    with open(prefix + "-ours.csv", "w") as f:
        f.write("bpp,psnr\n")
        for lam in lambdas:
            pts = [by_lambda[lam][i] for i in images]
            f.write(f"{sum(p[0] for p in pts) / len(pts):.6f},{sum(p[1] for p in pts) / len(pts):.4f}\n")
    with open(prefix + "-coolchic.csv", "w") as f:
        f.write("bpp,psnr\n")
        anchor_lambdas = sorted({lam for i in images for (_, _, lam) in curves[i]})
        for lam in anchor_lambdas:
            pts = [(b, p) for i in images for (b, p, l) in curves[i] if l == lam]
            f.write(f"{sum(p[0] for p in pts) / len(pts):.6f},{sum(p[1] for p in pts) / len(pts):.4f}\n")
    print("image\tlambda\tour_bpp\tour_psnr\tcoolchic_psnr_at_our_bpp\tdelta_db")
    deltas = []
    for lam in lambdas:
        for image, (bpp, psnr) in sorted(by_lambda[lam].items()):
            curve = sorted(curves.get(image, []))
            ref = None
            for (b0, p0, _), (b1, p1, _) in zip(curve, curve[1:]):
                if b0 <= bpp <= b1:
                    t = (math.log(bpp) - math.log(b0)) / (math.log(b1) - math.log(b0))
                    ref = p0 + t * (p1 - p0)
            if ref is None:
                print(f"{image}\t{lam}\t{bpp:.4f}\t{psnr:.2f}\t(outside Cool-chic's range)\t")
                continue
            deltas.append(psnr - ref)
            print(f"{image}\t{lam}\t{bpp:.4f}\t{psnr:.2f}\t{ref:.2f}\t{psnr - ref:+.2f}")
    if deltas:
        print(f"mean PSNR difference at equal rate: {sum(deltas) / len(deltas):+.2f} dB over {len(deltas)} points")


if __name__ == "__main__":
    main()
