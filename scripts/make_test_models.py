#!/usr/bin/python3
"""Generate the small ONNX models that stitch's end-to-end tests run, with ONNX Runtime references.

Test-data tooling, not part of the build: its outputs are committed under tests/data/models/, and
nothing at build or test time runs this script.

How to run (from anywhere; paths are relative to the repository root):

    scripts/make_test_models.sh                 # both steps below, then a summary

or step by step:

    /usr/bin/python3 scripts/make_test_models.py export [--only tiny_mlp,...]
    /usr/bin/python3 scripts/make_test_models.py venv      # creates .venv-models/ (onnxruntime)
    .venv-models/bin/python scripts/make_test_models.py refs [--only ...]

Requirements: Debian 12's packages python3-torch python3-torchvision python3-onnx python3-numpy
python3-venv (torch 1.13, onnx 1.12, NumPy 1.24), and PyPI for the venv's onnxruntime.  The two
Pythons are kept apart on purpose: Debian's torch needs Debian's NumPy 1.24 while pip's onnxruntime
brings NumPy 2, so the export step runs under /usr/bin/python3 and the reference step under
.venv-models/bin/python; they exchange .npy files.  .venv-models/ is git-ignored (.venv*/).

Each tests/data/models/<name>/ receives:
    model.onnx            opset 17, batch 1, static shapes, fp32 weights (seeded random init)
    input_<i>.npy         seeded random input (token ids within the vocabulary)
    output_<i>.npy        ONNX Runtime's output (1 thread): the reference a compiler must match
    torch_output_<i>.npy  PyTorch eager output (sanity check of the export only)
    meta.json             names, shapes, dtypes, files, op histogram, ORT version, ORT-vs-torch error

Determinism: each model is built after seeding torch from a hash of its name, with one torch thread,
and BatchNorm statistics come from seeded calibration batches; re-running gives byte-identical
model.onnx and inputs with the same torch build, and identical references with the pinned ORT.
"""
import argparse
import hashlib
import json
import math
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "tests", "data", "models")
VENV = os.path.join(ROOT, ".venv-models")
ORT_VERSION = "1.30.0"  # pinned so that regenerated references are identical
OPSET = 17


def seed_of(name):
    return int(hashlib.sha256(("stitch/" + name).encode()).hexdigest()[:8], 16)


def sha256_of(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def read_meta(d):
    with open(os.path.join(d, "meta.json")) as fh:
        return json.load(fh)


def write_meta(d, meta):
    with open(os.path.join(d, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1, sort_keys=False)
        fh.write("\n")


# ---------------------------------------------------------------------------------------------
# Step 1: export (Debian's Python: torch + onnx)
# ---------------------------------------------------------------------------------------------
def define_models():
    """Model classes live in a function so that the refs step (no torch there) can import this file."""
    import torch
    import torch.nn as nn

    def conv_bn(cin, cout, k, stride=1, groups=1):
        return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]

    class BasicBlock(nn.Module):
        """ResNet basic block; a 1x1 projection shortcut when the shape changes."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(), *conv_bn(cout, cout, 3))
            self.short = nn.Identity()
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(*conv_bn(cin, cout, 1, stride))
            self.relu = nn.ReLU()

        def forward(self, x):
            return self.relu(self.body(x) + self.short(x))

    class TinyResNet(nn.Module):
        def __init__(self, widths=(16, 32, 64), classes=10):
            super().__init__()
            w0, w1, w2 = widths
            self.stem = nn.Sequential(*conv_bn(3, w0, 3), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
            self.blocks = nn.Sequential(BasicBlock(w0, w0, 1), BasicBlock(w0, w1, 2), BasicBlock(w1, w2, 2))
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(w2, classes)

        def forward(self, x):
            x = self.pool(self.blocks(self.stem(x)))
            return self.fc(torch.flatten(x, 1))

    class InvertedResidual(nn.Module):
        """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 linear projection, residual if shapes match."""

        def __init__(self, cin, cout, stride, expand):
            super().__init__()
            hidden = cin * expand
            layers = []
            if expand != 1:
                layers += [*conv_bn(cin, hidden, 1), nn.ReLU6()]
            layers += [*conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6()]
            layers += conv_bn(hidden, cout, 1)
            self.body = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            y = self.body(x)
            return x + y if self.residual else y

    class TinyMobileNetV2(nn.Module):
        # (expand, out channels, stride) per block
        SETTING = [(1, 16, 1), (6, 24, 2), (6, 24, 1), (6, 32, 2), (6, 32, 1)]

        def __init__(self, last=256, classes=10):
            super().__init__()
            layers = [*conv_bn(3, 16, 3, 2), nn.ReLU6()]
            cin = 16
            for t, c, s in self.SETTING:
                layers.append(InvertedResidual(cin, c, s, t))
                cin = c
            layers += [*conv_bn(cin, last, 1), nn.ReLU6()]
            self.features = nn.Sequential(*layers)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.classifier = nn.Linear(last, classes)

        def forward(self, x):
            x = self.pool(self.features(x))
            return self.classifier(torch.flatten(x, 1))

    class EncoderLayer(nn.Module):
        """Post-LN BERT layer: self-attention, residual, LN, GELU(erf) MLP, residual, LN."""

        def __init__(self, hidden, heads, inter):
            super().__init__()
            self.heads, self.dh = heads, hidden // heads
            self.q, self.k, self.v, self.o = (nn.Linear(hidden, hidden) for _ in range(4))
            self.ln1 = nn.LayerNorm(hidden, eps=1e-12)
            self.mlp = nn.Sequential(nn.Linear(hidden, inter), nn.GELU(), nn.Linear(inter, hidden))
            self.ln2 = nn.LayerNorm(hidden, eps=1e-12)

        def heads_first(self, x):  # [B,S,H] -> [B,heads,S,dh]
            b, s, _ = x.shape
            return x.reshape(b, s, self.heads, self.dh).transpose(1, 2)

        def forward(self, x):
            b, s, h = x.shape
            q, k, v = self.heads_first(self.q(x)), self.heads_first(self.k(x)), self.heads_first(self.v(x))
            probs = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh), dim=-1)
            ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, h)
            x = self.ln1(x + self.o(ctx))
            return self.ln2(x + self.mlp(x))

    class TinyBert(nn.Module):
        def __init__(self, vocab=100, max_pos=32, hidden=64, heads=4, inter=256, layers=2):
            super().__init__()
            self.word = nn.Embedding(vocab, hidden)
            self.pos = nn.Embedding(max_pos, hidden)
            self.ln = nn.LayerNorm(hidden, eps=1e-12)
            self.layers = nn.ModuleList(EncoderLayer(hidden, heads, inter) for _ in range(layers))
            self.pooler = nn.Linear(hidden, hidden)

        def forward(self, input_ids):
            pos_ids = torch.arange(input_ids.shape[1], dtype=torch.long).unsqueeze(0)
            x = self.ln(self.word(input_ids) + self.pos(pos_ids))
            for layer in self.layers:
                x = layer(x)
            return x, torch.tanh(self.pooler(x[:, 0]))

    class TinyMlp(nn.Module):
        """Explicit MatMul + Add (not Gemm), so the quick-start graph shows the plain ops."""

        def __init__(self, n_in=32, n_hidden=128, n_out=10):
            super().__init__()
            self.w1 = nn.Parameter(torch.randn(n_in, n_hidden) / math.sqrt(n_in))
            self.b1 = nn.Parameter(torch.randn(n_hidden) * 0.1)
            self.w2 = nn.Parameter(torch.randn(n_hidden, n_out) / math.sqrt(n_hidden))
            self.b2 = nn.Parameter(torch.randn(n_out) * 0.1)

        def forward(self, x):
            h = torch.relu(torch.matmul(x, self.w1) + self.b1)
            return torch.softmax(torch.matmul(h, self.w2) + self.b2, dim=-1)

    class TinyLoopRnn(nn.Module):
        """A recurrent cell unrolled by TorchScript into an ONNX Loop over the time steps, with a
        data-dependent If in the body (control flow as exporters write it)."""

        def __init__(self, n_in: int = 16, hidden: int = 32, n_out: int = 4):
            super().__init__()
            self.inp = nn.Linear(n_in, hidden)
            self.rec = nn.Linear(hidden, hidden)
            self.out = nn.Linear(hidden, n_out)

        def forward(self, x):
            h = torch.zeros(x.size(0), self.rec.out_features)
            total = torch.zeros(x.size(0), self.rec.out_features)
            for t in range(x.size(1)):
                h = torch.tanh(self.inp(x[:, t]) + self.rec(h))
                if bool(h.sum() > 0):
                    total = total + h
                else:
                    total = total - 0.5 * h
            return self.out(total)

    def scripted_loop_rnn():
        return torch.jit.script(TinyLoopRnn())

    image = [("input", "image", [1, 3, 32, 32])]
    return {
        # name: (builder, input spec [(name, kind, shape)], output names, description)
        "tiny_mlp": (TinyMlp, [("input", "normal", [1, 32])], ["probs"],
                     "MatMul+Add+Relu+MatMul+Add+Softmax on a 1x32 vector (quick-start example)"),
        "tiny_resnet": (TinyResNet, image, ["logits"],
                        "conv-BN-ReLU stem, maxpool, 3 basic blocks (one stride 2 with 1x1 projection "
                        "shortcut twice), global average pool, Gemm; BatchNormalization kept unfolded"),
        "tiny_mobilenet_v2": (TinyMobileNetV2, image, ["logits"],
                              "MobileNetV2 inverted residuals (1x1 expand, 3x3 depthwise, 1x1 project, "
                              "ReLU6 as Clip, residual adds), global average pool, Gemm; BN unfolded"),
        "tiny_bert": (TinyBert, [("input_ids", "ids:100", [1, 16])], ["sequence_output", "pooled_output"],
                      "2-layer post-LN BERT encoder, hidden 64, 4 heads, seq 16, vocab 100, "
                      "erf GELU, LayerNormalization, tanh pooler on token 0"),
        "tiny_loop_rnn": (scripted_loop_rnn, [("input", "normal", [1, 8, 16])], ["logits"],
                          "TorchScript RNN: a Loop over 8 time steps (Gemm, Tanh) with an If on "
                          "the sign of the hidden state's sum, then Gemm"),
    }


def randomize_params(model, g):
    """Give every parameter a non-trivial value: BN affine and LN affine away from 1/0, attention
    query/key weights large enough that softmax is not flat (so errors in it would show)."""
    import torch.nn as nn

    for name, m in model.named_modules():
        if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
            m.weight.data.uniform_(0.6, 1.4, generator=g)
            m.bias.data.normal_(0.0, 0.1, generator=g)
        elif isinstance(m, nn.Embedding):
            m.weight.data.normal_(0.0, 1.0, generator=g)
        elif isinstance(m, nn.Linear) and name.split(".")[-1] in ("q", "k"):
            m.weight.data.normal_(0.0, 0.15, generator=g)


def calibrate_bn(model, spec, g):
    """Eval-mode BN with statistics of real activations: non-trivial running mean/var (so that BN
    folding is tested) that still keep activations in a sane range through the random network."""
    import torch
    import torch.nn as nn

    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
        m.train()
    shape = [8] + spec[0][2][1:]
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*shape, generator=g) * 1.5 + 0.2)
    for m in bns:
        m.momentum = 0.1  # only the exported attribute; inference ignores it
    model.eval()


def make_inputs(spec, g):
    import torch

    out = []
    for name, kind, shape in spec:
        if kind.startswith("ids:"):
            out.append((name, torch.randint(0, int(kind[4:]), shape, generator=g, dtype=torch.long)))
        else:
            out.append((name, torch.randn(*shape, generator=g)))
    return out


def op_histogram(model_proto):
    hist = {}
    for node in model_proto.graph.node:
        hist[node.op_type] = hist.get(node.op_type, 0) + 1
    return dict(sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])))


def clear_model_dir(d):
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".npy") or f in ("model.onnx", "meta.json"):
            os.remove(os.path.join(d, f))


def export_one(name, entry, out_root):
    import numpy as np
    import onnx
    import torch

    builder, spec, out_names, description = entry
    seed = seed_of(name)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = builder().eval()
    with torch.no_grad():
        randomize_params(model, g)
    calibrate_bn(model, spec, g)
    inputs = make_inputs(spec, g)
    args = tuple(t for _, t in inputs)
    with torch.no_grad():
        outs = model(*args)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]

    d = os.path.join(out_root, name)
    clear_model_dir(d)
    path = os.path.join(d, "model.onnx")
    # PRESERVE on an eval-mode model keeps BatchNormalization (training_mode=0) in the graph;
    # TrainingMode.EVAL would fold it into the convolutions, and stitch must do that itself.
    torch.onnx.export(model, args, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=[n for n, _, _ in spec], output_names=out_names,
                      training=torch.onnx.TrainingMode.PRESERVE)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)

    meta = {"name": name, "description": description, "opset": OPSET, "batch": 1, "seed": seed,
            "exporter": f"torch {torch.__version__}, onnx {onnx.__version__}",
            "params": int(sum(p.numel() for p in model.parameters())),
            "model_file": "model.onnx", "model_bytes": os.path.getsize(path),
            "model_sha256": sha256_of(path), "ops": op_histogram(proto), "inputs": [], "outputs": []}
    for i, (n, t) in enumerate(inputs):
        np.save(os.path.join(d, f"input_{i}.npy"), t.numpy())
        meta["inputs"].append({"name": n, "dtype": str(t.numpy().dtype), "shape": list(t.shape),
                               "file": f"input_{i}.npy"})
    for i, (n, t) in enumerate(zip(out_names, outs)):
        np.save(os.path.join(d, f"torch_output_{i}.npy"), t.numpy())
        meta["outputs"].append({"name": n, "dtype": str(t.numpy().dtype), "shape": list(t.shape),
                                "file": f"output_{i}.npy", "torch_file": f"torch_output_{i}.npy"})
    write_meta(d, meta)
    print(f"exported {name:18s} {meta['model_bytes'] / 1024:7.1f} KiB  {meta['params']:7d} params  "
          f"{sum(meta['ops'].values()):3d} nodes  ops {meta['ops']}", flush=True)


def cmd_export(a):
    import warnings

    import torch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)  # calibration and reference sums must not depend on the core count
    models = define_models()
    for name in selected(a, models):
        export_one(name, models[name], a.out)


# ---------------------------------------------------------------------------------------------
# Step 2: the virtual environment with onnxruntime
# ---------------------------------------------------------------------------------------------
def venv_python():
    return os.path.join(VENV, "bin", "python")


def ort_in_venv():
    if not os.path.exists(venv_python()):
        return None
    r = subprocess.run([venv_python(), "-c", "import onnxruntime as o; print(o.__version__)"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def cmd_venv(_a):
    if ort_in_venv() == ORT_VERSION:
        print(f"{VENV}: onnxruntime {ORT_VERSION} present")
        return
    if not os.path.exists(venv_python()):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    subprocess.run([venv_python(), "-m", "pip", "install", "-q", f"onnxruntime=={ORT_VERSION}", "numpy"],
                   check=True)
    print(f"{VENV}: installed onnxruntime {ort_in_venv()}")


# ---------------------------------------------------------------------------------------------
# Step 3: references (the venv's Python: onnxruntime + NumPy 2)
# ---------------------------------------------------------------------------------------------
def ref_one(name, d):
    import numpy as np
    import onnxruntime as ort

    meta = read_meta(d)
    path = os.path.join(d, meta["model_file"])
    if sha256_of(path) != meta["model_sha256"]:
        sys.exit(f"{name}: model.onnx does not match meta.json; re-run the export step")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    feeds = {i["name"]: np.load(os.path.join(d, i["file"])) for i in meta["inputs"]}
    results = sess.run([o["name"] for o in meta["outputs"]], feeds)
    worst = 0.0
    for o, r in zip(meta["outputs"], results):
        if list(r.shape) != o["shape"] or str(r.dtype) != o["dtype"]:
            sys.exit(f"{name}: ORT output {o['name']} is {r.dtype}{list(r.shape)}, torch gave "
                     f"{o['dtype']}{o['shape']}")
        np.save(os.path.join(d, o["file"]), r)
        t = np.load(os.path.join(d, o["torch_file"])).astype(np.float64)
        diff = r.astype(np.float64) - t
        o["max_abs_diff_vs_torch"] = float(np.abs(diff).max())
        o["rel_l2_diff_vs_torch"] = float(np.linalg.norm(diff) / max(np.linalg.norm(t), 1e-30))
        o["abs_max"] = float(np.abs(r).max())
        worst = max(worst, o["rel_l2_diff_vs_torch"])
        print(f"reference {name:18s} {o['name']:16s} {str(o['shape']):14s} max|ORT-torch| "
              f"{o['max_abs_diff_vs_torch']:.3e}  rel L2 {o['rel_l2_diff_vs_torch']:.3e}", flush=True)
    meta["reference"] = {"runtime": f"onnxruntime {ort.__version__}", "provider": "CPUExecutionProvider",
                         "intra_op_num_threads": 1, "graph_optimization_level": "default (ORT_ENABLE_ALL)"}
    write_meta(d, meta)
    if worst > 1e-4:
        sys.exit(f"{name}: ONNX Runtime and torch disagree (rel L2 {worst:.3e}); the export is suspect")


def cmd_refs(a):
    for name in selected(a, None):
        ref_one(name, os.path.join(a.out, name))


# ---------------------------------------------------------------------------------------------
def selected(a, models):
    if a.only:
        return [n for n in a.only.split(",") if n]
    if models is not None:
        return list(models)
    return sorted(n for n in os.listdir(a.out) if os.path.exists(os.path.join(a.out, n, "meta.json")))


def cmd_all(a):
    """Runs every step from Debian's Python, handing the reference step to the venv."""
    cmd_export(a)
    cmd_venv(a)
    argv = [venv_python(), os.path.abspath(__file__), "refs", "--out", a.out]
    subprocess.run(argv + (["--only", a.only] if a.only else []), check=True)
    total = 0
    for name in selected(a, None):
        d = os.path.join(a.out, name)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        total += size
        print(f"made {os.path.relpath(d, ROOT):38s} {size / 1024:8.1f} KiB  {sorted(os.listdir(d))}")
    print(f"total {total / 2**20:.2f} MiB in {os.path.relpath(a.out, ROOT)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", nargs="?", default="all", choices=["all", "export", "venv", "refs"])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output root (default tests/data/models)")
    ap.add_argument("--only", default="", help="comma-separated model names")
    a = ap.parse_args()
    a.out = os.path.abspath(a.out)
    {"all": cmd_all, "export": cmd_export, "venv": cmd_venv, "refs": cmd_refs}[a.step](a)


if __name__ == "__main__":
    main()
