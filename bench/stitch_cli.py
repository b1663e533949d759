"""The stitch CLI as the harness uses it: FLOPs from `stitch info`, one run for the correctness
check, timed runs from `stitch bench` (whose last stdout line is JSON). Part of bench/."""
import json
import os
import re
import subprocess


class StitchError(RuntimeError):
    pass


def _run(argv, timeout):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StitchError(f"timed out after {timeout} s: {' '.join(argv[:3])}")
    if r.returncode != 0:
        lines = (r.stderr or r.stdout).strip().splitlines() or [f"exit status {r.returncode}"]
        raise StitchError(lines[-1][:500])
    return r.stdout


def input_args(model_dir, meta):
    return [arg for i in meta["inputs"]
            for arg in ("--input", f"{i['name']}={os.path.join(model_dir, i['file'])}")]


def gflops(stitch, model_path):
    out = _run([stitch, "info", model_path], timeout=600)
    m = re.search(r"^GFLOPs: ([0-9.]+)", out, re.M)
    if not m:
        raise StitchError("`stitch info` printed no GFLOPs line")
    return float(m.group(1))


def run_once(stitch, model_path, inputs, threads, out_dir, timeout):
    """Compiles and runs once, writing out_dir/output_<i>.npy."""
    _run([stitch, "run", model_path, "--engine", "compiled", "--threads", str(threads),
          "--output-dir", out_dir] + inputs, timeout)


def bench(stitch, model_path, inputs, threads, warmup, runs, timeout):
    """The JSON summary of `stitch bench` (median_ms, min_ms, ...)."""
    out = _run([stitch, "bench", model_path, "--engine", "compiled", "--threads", str(threads),
                "--warmup", str(warmup), "--runs", str(runs)] + inputs, timeout)
    return json.loads(out.strip().splitlines()[-1])
