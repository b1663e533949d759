#!/usr/bin/env python3
"""Runs every model folder under DIR through `stitch run` and compares with the reference outputs.

Usage: check_models.py STITCH_BINARY DIR [--engine E] [--max-rel-l2 1e-4] [--only a,b]

A model folder holds model.onnx, input_<i>.npy and output_<i>.npy (the reference, e.g. from
ONNX Runtime). Prints one line per output with the relative L2 error ||y - ref|| / ||ref|| and
the run time; exits 1 if any error exceeds the tolerance or a run fails. Needs only NumPy.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np


def numbered(folder, prefix):
    files = glob.glob(os.path.join(folder, prefix + "*.npy"))
    key = lambda f: int(re.search(r"_(\d+)\.npy$", f).group(1))
    return sorted((f for f in files if re.search(rf"{prefix}\d+\.npy$", f)), key=key)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stitch")
    ap.add_argument("dir")
    ap.add_argument("--engine", default="reference")
    ap.add_argument("--max-rel-l2", type=float, default=1e-4)
    ap.add_argument("--only", default="")
    ap.add_argument("--extra", default="", help="more flags for stitch run, space separated")
    args = ap.parse_args()
    folders = sorted(d for d in glob.glob(os.path.join(args.dir, "*")) if
                     os.path.exists(os.path.join(d, "model.onnx")))
    if args.only:
        folders = [d for d in folders if os.path.basename(d) in args.only.split(",")]
    if not folders:
        sys.exit(f"no model folders under {args.dir}")
    bad = 0
    for folder in folders:
        name = os.path.basename(folder)
        inputs = numbered(folder, "input_")
        refs = numbered(folder, "output_")
        with tempfile.TemporaryDirectory() as out:
            cmd = [args.stitch, "run", os.path.join(folder, "model.onnx"), "--engine", args.engine,
                   "--output-dir", out] + sum((["--input", f] for f in inputs), []) + args.extra.split()
            t0 = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            seconds = time.time() - t0
            if r.returncode != 0:
                print(f"FAIL {name}: {r.stderr.strip()}")
                bad += 1
                continue
            for i, ref_file in enumerate(refs):
                ref = np.load(ref_file).astype(np.float64)
                got = np.load(os.path.join(out, f"output_{i}.npy")).astype(np.float64)
                if got.shape != ref.shape:
                    print(f"FAIL {name} output {i}: shape {got.shape} != {ref.shape}")
                    bad += 1
                    continue
                err = np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-30)
                ok = err <= args.max_rel_l2
                bad += 0 if ok else 1
                print(f"{'ok  ' if ok else 'FAIL'} {name:22s} output {i} {str(ref.shape):18s} "
                      f"rel L2 {err:.3e}  ({seconds:.1f} s for the whole run)")
    print(f"{len(folders)} models, {bad} failures (tolerance rel L2 <= {args.max_rel_l2:g})")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
