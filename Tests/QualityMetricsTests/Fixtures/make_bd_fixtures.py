#!/usr/bin/env python3
"""Generates bd_fixtures.json: Bjontegaard deltas computed by the `bjontegaard` Python package (1.3.0,
methods 'cubic' and 'pchip') on fixed rate-quality points, for BjontegaardTests. Our own script; only
numbers are written.

Run: python3 Tests/QualityMetricsTests/Fixtures/make_bd_fixtures.py
"""
import json
import warnings
from pathlib import Path

import bjontegaard as bd

HERE = Path(__file__).resolve().parent

CURVES = [
    ("psnr-four-points",
     [(0.25, 28.1), (0.5, 31.2), (0.75, 33.0), (1.0, 34.4)],
     [(0.2, 28.4), (0.42, 31.5), (0.66, 33.6), (0.9, 35.0)]),
    ("psnr-six-points-partial-overlap",
     [(0.12, 26.0), (0.21, 28.3), (0.35, 30.6), (0.56, 32.9), (0.88, 35.1), (1.4, 37.6)],
     [(0.15, 27.9), (0.24, 30.1), (0.38, 32.2), (0.61, 34.5), (0.95, 36.9), (1.5, 39.0)]),
    ("ms-ssim-unsorted",
     [(0.6, 0.975), (0.15, 0.91), (0.3, 0.95), (1.1, 0.988), (0.08, 0.86)],
     [(0.5, 0.978), (0.07, 0.875), (0.13, 0.92), (0.26, 0.955), (0.95, 0.99)]),
    ("worse-test-uneven-spacing",
     [(0.1, 25.0), (0.11, 25.6), (0.4, 30.5), (0.9, 33.0), (2.0, 36.2)],
     [(0.13, 24.8), (0.3, 28.1), (0.33, 28.5), (0.8, 31.9), (2.4, 35.9)]),
    ("different-point-counts",
     [(0.2, 29.0), (0.45, 32.0), (0.8, 34.5), (1.3, 36.4)],
     [(0.1, 27.0), (0.18, 29.3), (0.3, 31.2), (0.5, 33.0), (0.85, 35.0), (1.2, 36.5)]),
]


def main():
    cases = []
    for name, anchor, test in CURVES:
        anchor_sorted, test_sorted = sorted(anchor), sorted(test)
        ra, qa = zip(*anchor_sorted)
        rt, qt = zip(*test_sorted)
        values = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for method in ("cubic", "pchip"):
                values[f"bd_rate_{method}"] = float(bd.bd_rate(ra, qa, rt, qt, method=method, require_matching_points=False))
                values[f"bd_quality_{method}"] = float(bd.bd_psnr(ra, qa, rt, qt, method=method, require_matching_points=False))
        cases.append({"name": name, "anchor": anchor, "test": test, "expected": values})
        print(name, values)
    document = {"generator": "Tests/QualityMetricsTests/Fixtures/make_bd_fixtures.py",
                "reference": "bjontegaard 1.3.0 (PyPI)", "cases": cases}
    (HERE / "bd_fixtures.json").write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
