"""One peer engine kept alive in its own process, timed on request by bench/run.py.

Part of bench/. Run as `python worker.py ENGINE MODEL_DIR THREADS OUT_DIR` with the interpreter
that has ENGINE's package: the venv's Python for ort/openvino/tvm, Debian's /usr/bin/python3 for
torch (Debian's torch needs Debian's NumPy 1.24, pip's packages bring NumPy 2). A process per
engine also keeps each runtime's thread pool and environment (TVM_NUM_THREADS, OMP_NUM_THREADS)
to itself.

Protocol, one JSON object per stdout line (tracebacks and the runtimes' chatter go to stderr): after loading, the worker runs the model once on the
model's inputs, saves OUT_DIR/output_<i>.npy and prints {"ready": true, "version": ...,
"first_ms": ...} (or
{"error": ...} and exits). Then for each stdin line "time WARMUP RUNS" it prints {"times_ms": [...]};
"quit" or end of input ends it.
"""
import importlib
import json
import os
import sys
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = {"ort": "ort_peer", "openvino": "openvino_peer", "tvm": "tvm_peer", "torch": "torch_peer"}


def protocol_stream():
    """The real stdout, for replies only; file descriptor 1 then points at stderr, so that whatever
    a runtime prints cannot be mistaken for a reply."""
    stream = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    return stream


def reply(stream, obj):
    stream.write(json.dumps(obj) + "\n")
    stream.flush()


def load_inputs(model_dir):
    with open(os.path.join(model_dir, "meta.json")) as fh:
        meta = json.load(fh)
    return meta, {i["name"]: np.load(os.path.join(model_dir, i["file"])) for i in meta["inputs"]}


def time_runs(run, feeds, warmup, runs):
    for _ in range(warmup):
        run(feeds)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(feeds)
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main():
    engine, model_dir, threads, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sys.path.insert(0, HERE)
    replies = protocol_stream()
    try:
        meta, feeds = load_inputs(model_dir)
        peer = importlib.import_module(PEERS[engine])
        run, version = peer.load(model_dir, meta, threads)
        t0 = time.perf_counter()
        outs = run(feeds)
        first_ms = (time.perf_counter() - t0) * 1e3
        os.makedirs(out_dir, exist_ok=True)
        for i, o in enumerate(outs):
            np.save(os.path.join(out_dir, f"output_{i}.npy"), np.asarray(o))
    except Exception as e:  # any failure of a peer is reported, never fatal to the harness
        traceback.print_exc()
        reply(replies, {"error": f"{type(e).__name__}: {e}".strip()[:2000]})
        return
    reply(replies, {"ready": True, "version": version, "first_ms": first_ms})
    for line in sys.stdin:
        cmd = line.split()
        if not cmd or cmd[0] == "quit":
            break
        try:
            reply(replies, {"times_ms": time_runs(run, feeds, int(cmd[1]), int(cmd[2]))})
        except Exception as e:
            traceback.print_exc()
            reply(replies, {"error": f"{type(e).__name__}: {e}"[:2000]})


if __name__ == "__main__":
    main()
