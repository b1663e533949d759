#!/usr/bin/env python3
"""stitch against ONNX Runtime, OpenVINO, TVM and PyTorch on the benchmark models.

Part of bench/; run with the venv's Python (bench/setup.sh makes it), usually through
bench/run.sh. For each model and thread count: every engine loads the model and runs it once;
its output is compared with ONNX Runtime's (1 thread) and an engine above the tolerance is
reported as wrong and not timed. The others are timed in interleaved rounds (each round runs
every engine in turn, in a rotating order, so that noise from a shared machine hits all alike);
an engine's latency is the median of its round medians. Writes bench/results/<timestamp>.md/.json.

    bench/.venv/bin/python bench/run.py [--quick] [--only resnet18,...] [--threads 1,2] ...
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

import numpy as np

import engines
import native
import report
import stitch_cli

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
ALL_ENGINES = ["stitch", "ort", "openvino", "tvm", "torch"]


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny models, few rounds (for development)")
    ap.add_argument("--models", default=os.path.join(BENCH, "build", "models"),
                    help="where bench/models/make_models.py wrote the models")
    ap.add_argument("--only", default="", help="comma-separated model names (default: all full-size, "
                                               "or all tiny with --quick)")
    ap.add_argument("--engines", default=",".join(ALL_ENGINES))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, help="interleaved rounds (default 5, quick 2)")
    ap.add_argument("--runs", type=int, help="most runs per engine and round (default 10, quick 5)")
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs before each round's runs")
    ap.add_argument("--round-seconds", type=float,
                    help="fewer runs for slow engines, to keep a round near this (default 2, quick 0.5)")
    ap.add_argument("--tolerance", type=float, default=1e-4, help="relative L2 against ONNX Runtime")
    ap.add_argument("--stitch", default=os.path.join(ROOT, "build-bench", "tools", "stitch"))
    ap.add_argument("--torch-python", default="/usr/bin/python3",
                    help="Debian's Python with python3-torch, for the PyTorch peer")
    ap.add_argument("--out", default=os.path.join(BENCH, "results"))
    a = ap.parse_args()
    defaults = (2, 5, 0.5) if a.quick else (5, 10, 2.0)
    for attr, d in zip(("rounds", "runs", "round_seconds"), defaults):
        if getattr(a, attr) is None:
            setattr(a, attr, d)
    a.engines = [e for e in a.engines.split(",") if e]
    a.threads = [int(t) for t in a.threads.split(",") if t]
    unknown = set(a.engines) - set(ALL_ENGINES)
    if unknown:
        sys.exit(f"bench: unknown engine(s) {sorted(unknown)}; known: {ALL_ENGINES}")
    return a


def select_models(a):
    if not os.path.isdir(a.models):
        sys.exit(f"bench: no models in {a.models}; run bench/models/make_models.py (bench/run.sh does)")
    found = {}
    for name in sorted(os.listdir(a.models)):
        try:
            with open(os.path.join(a.models, name, "meta.json")) as fh:
                found[name] = json.load(fh)
        except OSError:
            continue
    names = [n for n in a.only.split(",") if n] or [n for n, m in found.items() if m["tiny"] == a.quick]
    missing = [n for n in names if n not in found]
    if missing or not names:
        sys.exit(f"bench: model(s) {missing or '(none selected)'} not in {a.models}")
    return [(n, os.path.join(a.models, n), found[n]) for n in names]


def reference(model_dir, meta):
    """ONNX Runtime's outputs with one thread: the oracle every engine is compared with."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    feeds = {i["name"]: np.load(os.path.join(model_dir, i["file"])) for i in meta["inputs"]}
    return sess.run(None, feeds)


def worst_rel_l2(out_dir, ref):
    worst = 0.0
    for i, r in enumerate(ref):
        path = os.path.join(out_dir, f"output_{i}.npy")
        if not os.path.exists(path):
            raise engines.EngineError(f"no output_{i}.npy")
        out = np.load(path)
        if out.shape != r.shape:
            raise engines.EngineError(f"output {i} has shape {list(out.shape)}, ONNX Runtime's {list(r.shape)}")
        r64 = r.astype(np.float64)
        err = np.linalg.norm(out.astype(np.float64) - r64) / max(np.linalg.norm(r64), 1e-30)
        worst = max(worst, float(err))
    return worst


def start_engines(a, model_dir, meta, threads, ref, tmp):
    """Starts every engine and checks its output; returns (results, [(engine, first-run ms)])."""
    results, live = {}, []
    for name in a.engines:
        eng = engines.make(name, a, model_dir, meta, threads)
        res = results[name] = {"status": "error"}
        out_dir = os.path.join(tmp, f"{os.path.basename(model_dir)}-{name}-{threads}")
        try:
            first_ms = eng.start(out_dir)
            res["version"] = eng.version
            res["rel_l2"] = worst_rel_l2(out_dir, ref)
        except engines.EngineError as e:
            res["message"] = str(e)
            eng.stop()
            continue
        if res["rel_l2"] > a.tolerance or not np.isfinite(res["rel_l2"]):
            res.update(status="wrong", message=f"relative L2 {res['rel_l2']:.3e} > {a.tolerance:g}")
            eng.stop()
            continue
        res["status"] = "ok"
        live.append((eng, first_ms))
    return results, live


def time_rounds(a, live, results):
    """Round-robin: each round times every live engine once, starting one further along."""
    estimate = {eng.name: first_ms for eng, first_ms in live}
    for r in range(a.rounds if live else 0):
        for eng, _ in live[r % len(live):] + live[:r % len(live)]:
            res = results[eng.name]
            if res["status"] != "ok":
                continue
            runs = max(1, min(a.runs, int(a.round_seconds * 1e3 / max(estimate[eng.name], 1e-3))))
            try:
                ms = eng.time_round(min(a.warmup, runs), runs)
            except engines.EngineError as e:
                res.update(status="error", message=f"while timing: {e}")
                continue
            res.setdefault("round_ms", []).append(ms)
            res.setdefault("runs_per_round", []).append(runs)
            estimate[eng.name] = ms


def bench_one(a, name, model_dir, meta, threads, gflop, ref, peak, tmp):
    print(f"bench: {name}, {threads} thread(s): starting {', '.join(a.engines)}", flush=True)
    results, live = start_engines(a, model_dir, meta, threads, ref, tmp)
    try:
        time_rounds(a, live, results)
    finally:
        for eng, _ in live:
            eng.stop()
    for n, res in results.items():
        if res["status"] == "ok" and res.get("round_ms"):
            res["median_ms"] = statistics.median(res["round_ms"])
            res["gflops"] = gflop / res["median_ms"] * 1e3 if gflop else None
            res["fraction_of_peak"] = res["gflops"] / peak[threads] if res["gflops"] else None
        summary = f"{res['median_ms']:.3f} ms" if "median_ms" in res else f"{res['status']}: {res.get('message', '')}"
        print(f"bench:   {n:9s} rel L2 {res.get('rel_l2', float('nan')):.1e}  {summary}", flush=True)
    return {"model": name, "threads": threads, "gflop": gflop, "engines": results}


def machine_meta(a, peak, isa):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    # "-dirty": the binary may hold uncommitted changes, so the commit alone does not name it.
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip() or "unknown"
    now = datetime.datetime.now()
    return {"started": now.strftime("%Y-%m-%d %H:%M:%S"), "stamp": now.strftime("%Y%m%d-%H%M%S"), "cpu": cpu,
            "cpus": os.cpu_count(), "loadavg_start": round(os.getloadavg()[0], 2),
            "fma_peak_gflops": peak, "fma_isa": isa, "stitch_commit": commit, "stitch": a.stitch,
            "engines": a.engines, "threads": a.threads, "rounds": a.rounds, "runs": a.runs,
            "warmup": a.warmup, "round_seconds": a.round_seconds, "tolerance": a.tolerance,
            "quick": a.quick}


def write_results(a, results):
    os.makedirs(a.out, exist_ok=True)
    stem = results["meta"]["stamp"] + ("-quick" if a.quick else "")
    md = report.markdown(results)
    with open(os.path.join(a.out, stem + ".md"), "w") as fh:
        fh.write(md)
    with open(os.path.join(a.out, stem + ".json"), "w") as fh:
        json.dump(results, fh, indent=1)
        fh.write("\n")
    print("\n" + md)
    print(f"bench: wrote {os.path.relpath(os.path.join(a.out, stem), ROOT)}.md and .json")


def main():
    a = parse_args()
    models = select_models(a)
    if "stitch" in a.engines and not os.access(a.stitch, os.X_OK):
        sys.exit(f"bench: no stitch binary at {a.stitch} (build it, or pass --stitch PATH)")
    peak, isa = native.fma_peak(a.threads)
    results = {"meta": machine_meta(a, peak, isa), "rows": []}
    with tempfile.TemporaryDirectory(prefix="stitch-bench-") as tmp:
        for name, model_dir, meta in models:
            gflop = stitch_cli.gflops(a.stitch, os.path.join(model_dir, "model.onnx"))
            ref = reference(model_dir, meta)
            for threads in a.threads:
                results["rows"].append(bench_one(a, name, model_dir, meta, threads, gflop, ref, peak, tmp))
    versions = {}  # stitch's is its commit, in the header already
    for row in results["rows"]:
        for n, res in row["engines"].items():
            if n == "stitch":
                continue
            versions.setdefault(n, res.get("version", "did not load"))
            if "version" in res:
                versions[n] = res["version"]
    results["meta"].update(versions=versions, loadavg_end=round(os.getloadavg()[0], 2))
    write_results(a, results)


if __name__ == "__main__":
    main()
