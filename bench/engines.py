"""The engines bench/run.py times, behind one interface: start (load, compile, run once, save
outputs), time a round, stop. stitch goes through its CLI; each peer is a bench/peers/worker.py
process. Part of bench/."""
import json
import os
import statistics
import subprocess
import sys

import stitch_cli

BENCH = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(BENCH, "peers", "worker.py")
PEER_LABELS = {"ort": "ONNX Runtime", "openvino": "OpenVINO", "tvm": "TVM", "torch": "PyTorch"}
LOGS = os.path.join(BENCH, "build", "logs")
STITCH_TIMEOUT_S = 1800  # a compile plus runs of a whole BERT with naive kernels, on a shared machine


class EngineError(RuntimeError):
    pass


def thread_env(threads):
    """Every runtime's thread knob, so that no library's default pool uses more cores."""
    env = dict(os.environ)
    for var in ("TVM_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


class StitchEngine:
    name = "stitch"

    def __init__(self, stitch, model_dir, meta, threads):
        self.stitch, self.threads = stitch, threads
        self.model = os.path.join(model_dir, "model.onnx")
        self.inputs = stitch_cli.input_args(model_dir, meta)
        self.version = stitch

    def start(self, out_dir):
        """Compiles and runs once (the outputs to check), then returns the time of one run
        without warm-up, as the peers' workers report their first run. The wall time of
        `stitch run` would include starting the process, compiling and loading the constants
        (a second for resnet50), and make the first round a single run."""
        try:
            stitch_cli.run_once(self.stitch, self.model, self.inputs, self.threads, out_dir,
                                STITCH_TIMEOUT_S)
            first = stitch_cli.bench(self.stitch, self.model, self.inputs, self.threads, 0, 1,
                                     STITCH_TIMEOUT_S)
        except stitch_cli.StitchError as e:
            raise EngineError(str(e))
        return first["median_ms"]

    def time_round(self, warmup, runs):
        try:
            r = stitch_cli.bench(self.stitch, self.model, self.inputs, self.threads, warmup, runs,
                                 STITCH_TIMEOUT_S)
        except stitch_cli.StitchError as e:
            raise EngineError(str(e))
        return r["median_ms"]

    def stop(self):
        pass


class PeerEngine:
    """A worker process; idle, it blocks on stdin, so it takes no CPU from the engine being timed."""

    def __init__(self, name, python, model_dir, threads):
        self.name, self.python, self.model_dir, self.threads = name, python, model_dir, threads
        self.proc, self.version, self.log = None, None, None

    def start(self, out_dir):
        """Returns the time of the worker's first run. The worker's stderr goes to bench/build/logs/."""
        argv = [self.python, WORKER, self.name, self.model_dir, str(self.threads), out_dir]
        os.makedirs(LOGS, exist_ok=True)
        self.log = os.path.join(LOGS, f"{os.path.basename(self.model_dir)}-{self.name}-{self.threads}.log")
        try:
            with open(self.log, "w") as log:
                self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=log, text=True, env=thread_env(self.threads))
        except OSError as e:
            raise EngineError(f"cannot start {self.python}: {e}")
        reply = self._reply()
        self.version = reply["version"]
        return reply["first_ms"]

    def time_round(self, warmup, runs):
        self.proc.stdin.write(f"time {warmup} {runs}\n")
        self.proc.stdin.flush()
        return statistics.median(self._reply()["times_ms"])

    def _reply(self):
        line = self.proc.stdout.readline()
        if not line:
            raise EngineError(f"{self.name} worker exited with status {self.proc.wait()} (see {self._log_name()})")
        reply = json.loads(line)
        if "error" in reply:
            self.stop()
            raise EngineError(f"{reply['error'].splitlines()[0]} (see {self._log_name()})")
        return reply

    def _log_name(self):
        return os.path.relpath(self.log, os.path.dirname(BENCH))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def make(name, args, model_dir, meta, threads):
    if name == "stitch":
        return StitchEngine(args.stitch, model_dir, meta, threads)
    python = args.torch_python if name == "torch" else sys.executable
    return PeerEngine(name, python, model_dir, threads)
