#!/usr/bin/env python3
"""The deployment story end to end (examples/): the example links only the runtime, and an
artifact from `stitch compile` gives ONNX Runtime's numbers through it.

Usage: test_run_artifact.py STITCH_BINARY RUN_ARTIFACT_BINARY MODELS_DIR
Needs the standard library, NumPy, and binutils' nm plus ldd (both on every Debian toolchain).
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

import numpy as np

STITCH, EXAMPLE, MODELS = sys.argv[1:4]
MLP = os.path.join(MODELS, "tiny_mlp")

# Namespaces of the compiler's libraries, and the libraries a deployment must not need.
COMPILER_SYMBOL = re.compile(
    r"stitch::(graph|frontend|passes|partition|lower|kir|codegen|toolchain|reference|driver)::"
    r"|google::protobuf|\bonnx::")
FORBIDDEN_LIBRARY = re.compile(r"protobuf|onnx|stitch_(driver|frontend|graph|lower|toolchain)")


def rel_l2(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b), 1e-30))


class RunArtifactTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.artifact = os.path.join(cls.tmp.name, "tiny_mlp.stitch")
        r = subprocess.run([STITCH, "compile", f"{MLP}/model.onnx", "-o", cls.artifact,
                            "--cache-dir", os.path.join(cls.tmp.name, "cache")],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_links_only_the_runtime(self):
        symbols = subprocess.run(["nm", "-C", "--defined-only", EXAMPLE], capture_output=True,
                                 text=True, check=True).stdout
        # The check below must be able to fail: the binary has to carry symbols to inspect.
        self.assertIn("stitch::runtime::LoadedArtifact::load", symbols)
        self.assertIn("stitch_model_load", symbols)
        offending = [line for line in symbols.splitlines() if COMPILER_SYMBOL.search(line)]
        self.assertEqual(offending[:10], [], "the example links compiler code")
        libraries = subprocess.run(["ldd", EXAMPLE], capture_output=True, text=True,
                                   check=True).stdout
        self.assertIn("libc.so", libraries)
        self.assertIsNone(FORBIDDEN_LIBRARY.search(libraries), libraries)

    def test_matches_onnx_runtime(self):
        out = os.path.join(self.tmp.name, "out")
        os.makedirs(out, exist_ok=True)
        r = subprocess.run([EXAMPLE, self.artifact, "--threads", "2", "--output-dir", out,
                            f"{MLP}/input_0.npy"], capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("output_0 'probs' float32(1, 10)", r.stdout)
        got = np.load(os.path.join(out, "output_0.npy"))
        want = np.load(f"{MLP}/output_0.npy")
        self.assertEqual(got.shape, want.shape)
        self.assertLessEqual(rel_l2(got, want), 1e-4)

    def test_pattern_inputs_and_errors(self):
        out = os.path.join(self.tmp.name, "pattern")
        os.makedirs(out, exist_ok=True)
        r = subprocess.run([EXAMPLE, self.artifact, "--output-dir", out], capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertAlmostEqual(float(np.load(os.path.join(out, "output_0.npy")).sum()), 1.0,
                               places=5)  # a softmax
        wrong = os.path.join(self.tmp.name, "wrong.npy")
        np.save(wrong, np.zeros((1, 33), np.float32))
        r = subprocess.run([EXAMPLE, self.artifact, wrong], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a C-order float32(1, 32) array", r.stderr)
        r = subprocess.run([EXAMPLE, os.path.join(self.tmp.name, "nope")], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not an artifact directory", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
