#!/usr/bin/env python3
"""The stitch CLI contract, driven as a user would (tests/e2e/).

Usage: cli_test.py STITCH_BINARY MODELS_DIR
Needs only the standard library and NumPy. Every error case must exit with status 1 and print
one 'stitch: error:' line, never crash (negative status) or print a stack trace.
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

STITCH = sys.argv[1] if len(sys.argv) > 1 else "stitch"
MODELS = sys.argv[2] if len(sys.argv) > 2 else "tests/data/models"
MLP = os.path.join(MODELS, "tiny_mlp")


def run(*args):
    return subprocess.run([STITCH, *args], capture_output=True, text=True, timeout=300)


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def tensor_proto(array, name=""):
    """A serialized onnx.TensorProto (dims=1, data_type=2, name=8, raw_data=9), by hand."""
    codes = {np.float32: 1, np.int64: 7, np.float64: 11}
    msg = b"".join(b"\x08" + varint(d) for d in array.shape)
    msg += b"\x10" + varint(codes[array.dtype.type])
    if name:
        msg += b"\x42" + varint(len(name)) + name.encode()
    raw = array.tobytes()
    return msg + b"\x4a" + varint(len(raw)) + raw


def rel_l2(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b), 1e-30))


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def expect_error(self, result, fragment):
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("stitch: error:", result.stderr)
        self.assertIn(fragment, result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_run_positional_npy_matches_reference(self):
        r = run("run", f"{MLP}/model.onnx", "--input", f"{MLP}/input_0.npy", "--output-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("output_0", r.stdout)
        self.assertIn("ms", r.stdout)
        got = np.load(os.path.join(self.out, "output_0.npy"))
        want = np.load(f"{MLP}/output_0.npy")
        self.assertLessEqual(rel_l2(got, want), 1e-4)

    def test_run_named_pb_input(self):
        x = np.load(f"{MLP}/input_0.npy")
        pb = os.path.join(self.out, "x.pb")
        with open(pb, "wb") as f:
            f.write(tensor_proto(x))
        name = json.load(open(f"{MLP}/meta.json"))["inputs"][0]["name"]
        r = run("run", f"{MLP}/model.onnx", "--input", f"{name}={pb}", "--output-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = np.load(os.path.join(self.out, "output_0.npy"))
        self.assertLessEqual(rel_l2(got, np.load(f"{MLP}/output_0.npy")), 1e-4)

    def test_run_random_inputs_are_seeded(self):
        a, b = os.path.join(self.out, "a"), os.path.join(self.out, "b")
        for d in (a, b):
            r = run("run", f"{MLP}/model.onnx", "--random-inputs", "7", "--output-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
        np.testing.assert_array_equal(np.load(f"{a}/output_0.npy"), np.load(f"{b}/output_0.npy"))

    def test_run_multi_output_model(self):
        d = os.path.join(MODELS, "tiny_bert")
        r = run("run", f"{d}/model.onnx", "--input", f"{d}/input_0.npy", "--output-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for i in range(2):
            got = np.load(os.path.join(self.out, f"output_{i}.npy"))
            self.assertLessEqual(rel_l2(got, np.load(f"{d}/output_{i}.npy")), 1e-4)

    def test_bench_last_line_is_json(self):
        r = run("bench", f"{MLP}/model.onnx", "--runs", "5", "--warmup", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        last = json.loads(r.stdout.strip().splitlines()[-1])
        for key in ("median_ms", "min_ms", "p90_ms", "runs", "threads", "engine"):
            self.assertIn(key, last)
        self.assertEqual(last["runs"], 5)
        self.assertEqual(last["engine"], "compiled")  # the default engine
        self.assertLessEqual(last["min_ms"], last["median_ms"])
        self.assertLessEqual(last["median_ms"], last["p90_ms"])

    def test_info(self):
        r = run("info", f"{MODELS}/tiny_resnet/model.onnx")
        self.assertEqual(r.returncode, 0, r.stderr)
        for fragment in ("inputs:", "outputs:", "Conv:", "parameters:", "GFLOPs:"):
            self.assertIn(fragment, r.stdout)

    def test_info_runs_passes_and_partitioner(self):
        model = f"{MODELS}/tiny_resnet/model.onnx"
        r = run("info", model, "--fusion", "single", "--print-after", "partition", "--time-stages")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("// after partition", r.stdout)
        self.assertIn("partition (single):", r.stdout)
        self.assertIn("time partition", r.stdout)
        self.assertNotIn("BatchNormalization (", r.stdout.split("// after partition")[1])
        self.expect_error(run("info", model, "--print-after", "nope"), "unknown stage 'nope'")
        self.expect_error(run("info", model, "--fusion", "maximal"), "unknown fusion policy")

    def test_compiled_engine_matches_reference(self):
        cache = os.path.join(self.out, "cache")
        r = run("run", f"{MLP}/model.onnx", "--engine", "compiled", "--cache-dir", cache,
                "--input", f"{MLP}/input_0.npy", "--output-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("engine compiled", r.stdout)
        got = np.load(os.path.join(self.out, "output_0.npy"))
        self.assertLessEqual(rel_l2(got, np.load(f"{MLP}/output_0.npy")), 1e-4)
        r = run("check", f"{MODELS}/tiny_resnet/model.onnx", "--fusion", "single",
                "--cache-dir", cache)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("compiled matches reference", r.stdout)
        r = run("bench", f"{MLP}/model.onnx", "--engine", "compiled", "--cache-dir", cache,
                "--threads", "2", "--runs", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        last = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual((last["engine"], last["threads"]), ("compiled", 2))
        trace = os.path.join(self.out, "trace.json")
        r = run("run", f"{MODELS}/tiny_resnet/model.onnx", "--engine", "compiled", "--fusion",
                "single", "--cache-dir", cache, "--random-inputs", "0", "--output-dir", self.out,
                "--profile", trace)
        self.assertEqual(r.returncode, 0, r.stderr)
        events = json.load(open(trace))["traceEvents"]
        self.assertGreater(len(events), 1)
        self.assertTrue(all(e["ph"] == "X" and e["dur"] >= 0 for e in events))

    def test_control_flow_under_every_policy(self):
        # A TorchScript export: a Loop over time steps whose body holds an If. Its bodies are
        # compiled as graphs of their own under each policy.
        model = f"{MODELS}/tiny_loop_rnn/model.onnx"
        cache = os.path.join(self.out, "cache")
        for policy in ("none", "single", "arbitrary"):
            r = run("check", model, "--fusion", policy, "--cache-dir", cache)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("compiled matches reference", r.stdout)

    def test_compiler_missing(self):
        r = run("run", f"{MLP}/model.onnx", "--engine", "compiled", "--no-cache",
                "--cxx", "/nonexistent/g++", "--random-inputs", "0")
        self.expect_error(r, "/nonexistent/g++")

    def test_help(self):
        for cmd in ("run", "bench", "info", "check"):
            r = run(cmd, "--help")
            self.assertEqual(r.returncode, 0)
            self.assertIn("usage: stitch " + cmd, r.stdout)

    def test_missing_model_file(self):
        self.expect_error(run("run", "/nonexistent/model.onnx"), "does not exist")

    def test_directory_as_model(self):
        self.expect_error(run("info", self.out), "is not a file")

    def test_truncated_model(self):
        data = open(f"{MODELS}/tiny_resnet/model.onnx", "rb").read()
        bad = os.path.join(self.out, "truncated.onnx")
        open(bad, "wb").write(data[: len(data) // 3])
        self.expect_error(run("info", bad), "")

    def test_garbage_model(self):
        bad = os.path.join(self.out, "garbage.onnx")
        open(bad, "wb").write(os.urandom(4096))
        self.expect_error(run("run", bad, "--random-inputs", "0"), "")

    def test_wrong_input_shape(self):
        x = os.path.join(self.out, "x.npy")
        np.save(x, np.zeros((1, 33), np.float32))
        self.expect_error(run("run", f"{MLP}/model.onnx", "--input", x), "expects shape")

    def test_wrong_input_dtype(self):
        x = os.path.join(self.out, "x.npy")
        np.save(x, np.zeros((1, 32), np.float64))
        self.expect_error(run("run", f"{MLP}/model.onnx", "--input", x), "expects float32")

    def test_missing_input(self):
        self.expect_error(run("run", f"{MLP}/model.onnx"), "missing input")

    def test_unknown_input_name(self):
        self.expect_error(run("run", f"{MLP}/model.onnx", "--input", f"nope={MLP}/input_0.npy"),
                          "no input named 'nope'")

    def test_input_file_not_a_tensor(self):
        x = os.path.join(self.out, "x.npy")
        open(x, "w").write("hello")
        self.expect_error(run("run", f"{MLP}/model.onnx", "--input", x), "")

    def test_too_many_inputs(self):
        i = f"{MLP}/input_0.npy"
        self.expect_error(run("run", f"{MLP}/model.onnx", "--input", i, "--input", i), "too many")

    def test_unknown_flag_and_engine(self):
        self.expect_error(run("run", f"{MLP}/model.onnx", "--frobnicate"), "unknown flag")
        self.expect_error(run("bench", f"{MLP}/model.onnx", "--engine", "magic"), "unknown engine")

    def test_unknown_command(self):
        r = run("explode")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command", r.stderr)

    # --- stitch compile and artifacts (run/bench take an artifact directory) ---

    def compile_mlp(self, *flags):
        artifact = os.path.join(self.out, "mlp.stitch")
        r = run("compile", f"{MLP}/model.onnx", "-o", artifact,
                "--cache-dir", os.path.join(self.out, "cache"), *flags)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return artifact, r

    def test_compile_writes_an_artifact_that_run_and_bench_take(self):
        artifact, r = self.compile_mlp("--time-stages")
        for f in ("plan.bin", "constants.bin", "kernels.so"):
            self.assertTrue(os.path.isfile(os.path.join(artifact, f)), f)
        self.assertIn("time lower", r.stdout)
        self.assertIn("time write artifact", r.stdout)
        self.assertRegex(r.stdout, r"kernels: \d+.*; arena [\d.]+ MB for [\d.]+ MB of intermediates")
        self.assertIn(f"wrote {artifact}:", r.stdout)
        out = os.path.join(self.out, "out")
        r = run("run", artifact, "--input", f"{MLP}/input_0.npy", "--output-dir", out,
                "--threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("engine artifact, 2 thread(s)", r.stdout)
        self.assertIn("output_0 'probs' float32[1, 10]", r.stdout)
        got = np.load(os.path.join(out, "output_0.npy"))
        self.assertLessEqual(rel_l2(got, np.load(f"{MLP}/output_0.npy")), 1e-4)
        r = run("bench", artifact, "--threads", "2", "--runs", "3", "--warmup", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        last = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual((last["engine"], last["threads"], last["runs"]), ("artifact", 2, 3))
        trace = os.path.join(self.out, "trace.json")
        r = run("run", artifact, "--random-inputs", "0", "--output-dir", out, "--profile", trace)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(len(json.load(open(trace))["traceEvents"]), 0)

    def test_artifact_of_a_multi_output_model(self):
        d = os.path.join(MODELS, "tiny_bert")
        artifact = os.path.join(self.out, "bert.stitch")
        r = run("compile", f"{d}/model.onnx", "-o", artifact, "--input", f"{d}/input_0.npy",
                "--cache-dir", os.path.join(self.out, "cache"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run("run", artifact, "--input", f"{d}/input_0.npy", "--output-dir", self.out)
        self.assertEqual(r.returncode, 0, r.stderr)
        for i in range(2):
            got = np.load(os.path.join(self.out, f"output_{i}.npy"))
            self.assertLessEqual(rel_l2(got, np.load(f"{d}/output_{i}.npy")), 1e-4)

    def test_artifact_checks_inputs_like_a_model(self):
        artifact, _ = self.compile_mlp()
        x = os.path.join(self.out, "x.npy")
        np.save(x, np.zeros((1, 33), np.float32))
        self.expect_error(run("run", artifact, "--input", x), "expects shape")
        self.expect_error(run("run", artifact), "missing input")
        self.expect_error(run("run", artifact, "--engine", "reference", "--random-inputs", "0"),
                          "is a compiled artifact")

    def test_broken_artifacts_are_errors(self):
        artifact, _ = self.compile_mlp()
        plan = os.path.join(artifact, "plan.bin")
        data = open(plan, "rb").read()
        open(plan, "wb").write(data[: len(data) // 2])
        self.expect_error(run("run", artifact, "--random-inputs", "0"), "is truncated")
        open(plan, "wb").write(b"NOTAPLAN" + data[8:])
        self.expect_error(run("bench", artifact), "bad magic number")
        open(plan, "wb").write(data)
        os.remove(os.path.join(artifact, "kernels.so"))
        self.expect_error(run("run", artifact, "--random-inputs", "0"), "kernels.so")
        self.expect_error(run("run", self.out + "/empty_dir_that_is_missing"), "does not exist")
        os.makedirs(os.path.join(self.out, "empty"))
        self.expect_error(run("run", os.path.join(self.out, "empty"), "--random-inputs", "0"),
                          "plan.bin' does not exist")

    def test_compile_usage_errors(self):
        r = run("compile", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: stitch compile", r.stdout)
        self.expect_error(run("compile", f"{MLP}/model.onnx"), "needs -o ARTIFACT")
        self.expect_error(run("compile", self.out, "-o", os.path.join(self.out, "a")),
                          "is a directory")
        blocker = os.path.join(self.out, "file")
        open(blocker, "w").write("x")
        self.expect_error(run("compile", f"{MLP}/model.onnx", "-o", blocker,
                              "--cache-dir", os.path.join(self.out, "cache")),
                          "exists and is not a directory")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
