#!/usr/bin/env python3
"""GEMM microbenchmark: stitch against OpenBLAS sgemm and oneDNN matmul on the models' shapes.

Part of bench/; run with the venv's Python (it needs onnx), usually through bench/run.sh.
OpenBLAS and oneDNN are timed in C++ (bench/gemm/gemm_bench.cc). stitch is timed on a one-MatMul
ONNX model per shape with `stitch bench --engine compiled`, after its output was checked against
NumPy (relative L2). GFLOP/s counts 2*M*N*K per GEMM; the fraction of peak uses bench/peak.
Writes bench/results/<timestamp>-gemm.md and .json.

    bench/.venv/bin/python bench/gemm/run_gemm.py [--quick] [--threads 1,2] [--shapes a,b]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GEMM = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(GEMM)
sys.path.insert(0, BENCH)
import native  # noqa: E402
import stitch_cli  # noqa: E402
from shapes import QUICK, SHAPES, flops  # noqa: E402

LIBS = ["stitch", "openblas", "onednn"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}; fewer runs")
    ap.add_argument("--shapes", default="", help="comma-separated shape names (see shapes.py)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--runs", type=int, help="timed runs per shape (default 10, quick 3)")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="relative L2 of stitch vs NumPy")
    ap.add_argument("--stitch", default=os.path.join(os.path.dirname(BENCH), "build-bench", "tools", "stitch"))
    ap.add_argument("--out", default=os.path.join(BENCH, "results"))
    a = ap.parse_args()
    a.runs = a.runs or (3 if a.quick else 10)
    a.threads = [int(t) for t in a.threads.split(",") if t]
    a.shapes = [s for s in a.shapes.split(",") if s] or (QUICK if a.quick else list(SHAPES))
    unknown = [s for s in a.shapes if s not in SHAPES]
    if unknown:
        sys.exit(f"gemm: unknown shape(s) {unknown}; see bench/gemm/shapes.py")
    return a


def make_model(name, d):
    """One MatMul; a constant B is an initializer (as a layer's weight is), else a second input.
    Returns the model path, the inputs as stitch arguments, and the NumPy product."""
    b, m, n, k, b_const = SHAPES[name]
    rng = np.random.default_rng(0)
    lead = [b] if b > 1 else []
    a_val = rng.uniform(-1, 1, lead + [m, k]).astype(np.float32)
    b_val = rng.uniform(-1, 1, lead + [k, n]).astype(np.float32)
    inputs = [helper.make_tensor_value_info("A", TensorProto.FLOAT, a_val.shape)]
    inits = [numpy_helper.from_array(b_val, "B")] if b_const else []
    if not b_const:
        inputs.append(helper.make_tensor_value_info("B", TensorProto.FLOAT, b_val.shape))
    graph = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], name, inputs,
                              [helper.make_tensor_value_info("C", TensorProto.FLOAT, lead + [m, n])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = os.path.join(d, f"{name}.onnx")
    onnx.save(model, path)
    args = []
    for nm, val in [("A", a_val)] + ([] if b_const else [("B", b_val)]):
        f = os.path.join(d, f"{name}_{nm}.npy")
        np.save(f, val)
        args += ["--input", f"{nm}={f}"]
    return path, args, a_val.astype(np.float64) @ b_val.astype(np.float64)


def bench_stitch(a, name, threads, d):
    path, args, expected = make_model(name, d)
    out_dir = os.path.join(d, f"{name}_out")
    res = {"lib": "stitch", "shape": name, "threads": threads}
    try:
        stitch_cli.run_once(a.stitch, path, args, threads, out_dir, timeout=1800)
        got = np.load(os.path.join(out_dir, "output_0.npy")).astype(np.float64)
        res["rel_l2"] = float(np.linalg.norm(got - expected) / np.linalg.norm(expected))
        if res["rel_l2"] > a.tolerance:
            return dict(res, status="wrong")
        r = stitch_cli.bench(a.stitch, path, args, threads, 1, a.runs, timeout=3600)
    except stitch_cli.StitchError as e:
        return dict(res, status="error", message=str(e))
    return dict(res, status="ok", median_ms=r["median_ms"], gflops=flops(name) / r["median_ms"] / 1e6)


def bench_libraries(a, threads):
    """OpenBLAS and oneDNN on every shape, from one gemm_bench process."""
    specs = ["x".join(map(str, SHAPES[s][:4])) for s in a.shapes]
    spec_to_name = dict(zip(specs, a.shapes))
    out = subprocess.run([native.tool("gemm_bench"), "--threads", str(threads), "--runs", str(a.runs)]
                         + specs, capture_output=True, text=True)
    if out.returncode != 0:
        return {}, f"gemm_bench failed: {out.stderr.strip()[-300:]}"
    results = {}
    for line in out.stdout.splitlines():
        r = json.loads(line)
        err = r.get("rel_l2_vs_openblas", 0.0)
        results[(r["lib"], spec_to_name[r["shape"]])] = {
            "lib": r["lib"], "shape": spec_to_name[r["shape"]], "threads": threads, "median_ms": r["median_ms"],
            "gflops": r["gflops"], "rel_l2_vs_openblas": err, "status": "ok" if err <= a.tolerance else "wrong"}
    return results, None


def cell(r, peak):
    if r is None:
        return "–"
    if r["status"] != "ok":
        return f"{r['status']}" + (f" ({r['rel_l2']:.1e})" if "rel_l2" in r else "")
    return f"{r['median_ms']:.3f} ms, {r['gflops']:.1f} ({100 * r['gflops'] / peak:.1f}%)"


def markdown(meta, rows):
    peak = meta["fma_peak_gflops"]
    lines = [f"# GEMM benchmark, {meta['started']}", "",
             f"- machine: {meta['cpu']}; load average {meta['loadavg_start']} at the start",
             "- fp32 FMA peak: " + ", ".join(f"{g:.1f} GFLOP/s at {t} thread(s)" for t, g in peak.items()),
             f"- median of {meta['runs']} runs after a warm-up; cells: time, GFLOP/s (% of peak)",
             "- stitch: a one-MatMul ONNX model, `stitch bench --engine compiled`, output checked "
             f"against NumPy (relative L2 <= {meta['tolerance']:g}); OpenBLAS {meta['openblas']}, "
             f"oneDNN {meta['onednn']} (Debian packages), timed in C++", "",
             "| shape | b×M×N×K | threads | " + " | ".join(LIBS) + " | best library ms / stitch ms |",
             "| --- | --- | --- | " + " | ".join("---" for _ in LIBS) + " | --- |"]
    for (shape, threads), by_lib in rows.items():
        dims = "×".join(map(str, SHAPES[shape][:4]))
        libs_ms = [by_lib[l]["median_ms"] for l in LIBS[1:] if l in by_lib and by_lib[l]["status"] == "ok"]
        st = by_lib.get("stitch")
        ratio = (f"{min(libs_ms) / st['median_ms']:.3f}x" if st and st["status"] == "ok" and libs_ms else "–")
        lines.append(f"| {shape} | {dims} | {threads} | "
                     + " | ".join(cell(by_lib.get(l), peak[threads]) for l in LIBS) + f" | {ratio} |")
    return "\n".join(lines) + "\n"


def package_version(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def main():
    a = parse_args()
    if not os.access(a.stitch, os.X_OK):
        sys.exit(f"gemm: no stitch binary at {a.stitch} (build it, or pass --stitch PATH)")
    peak, _ = native.fma_peak(a.threads)
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    meta = {"started": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "cpu": cpu,
            "loadavg_start": round(os.getloadavg()[0], 2), "fma_peak_gflops": peak, "runs": a.runs,
            "tolerance": a.tolerance, "openblas": package_version("libopenblas0-pthread"),
            "onednn": package_version("libdnnl2"), "stitch": a.stitch}
    rows, errors = {}, []
    with tempfile.TemporaryDirectory(prefix="stitch-gemm-") as d:
        for threads in a.threads:
            libs, err = bench_libraries(a, threads)
            if err:
                errors.append(err)
            for shape in a.shapes:
                print(f"gemm: {shape}, {threads} thread(s)", flush=True)
                row = rows[(shape, threads)] = {l: libs[(l, shape)] for l in LIBS[1:] if (l, shape) in libs}
                row["stitch"] = bench_stitch(a, shape, threads, d)
    md = markdown(meta, rows) + "".join(f"\n- {e}\n" for e in errors)
    stem = datetime.datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if a.quick else "") + "-gemm"
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, stem + ".md"), "w") as fh:
        fh.write(md)
    with open(os.path.join(a.out, stem + ".json"), "w") as fh:
        json.dump({"meta": meta, "results": [r for row in rows.values() for r in row.values()],
                   "errors": errors}, fh, indent=1)
        fh.write("\n")
    print("\n" + md + f"\ngemm: wrote {os.path.join(a.out, stem)}.md and .json")


if __name__ == "__main__":
    main()
