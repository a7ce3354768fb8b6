#!/usr/bin/env python3
"""Convert a CompressAI results JSON (e.g. the published Kodak curves vtm.json, hm.json, av1.json)
into the bpp,psnr CSV that `ncodec bdrate` reads (PSNR-RGB).
Usage: compressai_json_to_csv.py IN.json OUT.csv
"""
import json
import sys


def main():
    source, target = sys.argv[1:3]
    with open(source) as f:
        results = json.load(f)["results"]
    with open(target, "w") as f:
        f.write("bpp,psnr\n")
        for bpp, psnr in sorted(zip(results["bpp"], results["psnr-rgb"])):
            f.write(f"{bpp},{psnr}\n")


if __name__ == "__main__":
    main()
