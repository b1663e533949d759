#!/usr/bin/python3
"""Export the benchmark models: seeded random-weight ONNX files of real architectures.

Part of bench/ (the benchmark harness); nothing at build or test time runs it. Run with Debian's
Python, which has python3-torch 1.13 and python3-torchvision 0.14 (a venv's Python has neither):

    /usr/bin/python3 bench/models/make_models.py OUT_DIR [--only resnet18,bert_tiny] [--tiny]

Writes OUT_DIR/<name>/: model.onnx (opset 17, batch 1, static shapes), input_<i>.npy,
model.pt (TorchScript, for the PyTorch peer) and meta.json (inputs, outputs, ops, params).
A model whose files are already there for the same generator and torch version is skipped.

Weights are random but deterministic (seeded by name). CNNs: BatchNorm statistics are calibrated
on random batches so that activations keep a sane range through deep networks, and BN affine
parameters are randomized so that folding them is not a no-op. BERT: its own N(0, 0.02) init.
The seeding, calibration and the BERT encoder come from scripts/make_test_models.py, the
end-to-end test-model generator.
"""
import argparse
import json
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import make_test_models as tm  # noqa: E402

OPSET = 17
GENERATOR_VERSION = 2  # bump when a model's definition changes, so that old exports are redone


def image(size):
    return [("input", "image", [1, 3, size, size])]


def bert(vocab, seq):
    return [("input_ids", f"ids:{vocab}", [1, seq])]


def model_table():
    """name -> (builder, input spec, tiny?). Builders import torch lazily."""
    import torchvision.models as tv

    bert_cls = tm.define_models()["tiny_bert"][0]
    resnet = tv.resnet
    return {
        "resnet18": (lambda: tv.resnet18(weights=None), image(224), False),
        "resnet50": (lambda: tv.resnet50(weights=None), image(224), False),
        "mobilenet_v2": (lambda: tv.mobilenet_v2(weights=None), image(224), False),
        "squeezenet1_1": (lambda: tv.squeezenet1_1(weights=None), image(224), False),
        "bert_base": (lambda: bert_cls(vocab=30522, max_pos=512, hidden=768, heads=12, inter=3072,
                                       layers=12), bert(30522, 128), False),
        "resnet18_tiny": (lambda: resnet.ResNet(resnet.BasicBlock, [1, 1, 1, 1], num_classes=10),
                          image(64), True),
        "resnet50_tiny": (lambda: resnet.ResNet(resnet.Bottleneck, [1, 1, 1, 1], num_classes=10,
                                                width_per_group=16), image(64), True),
        "mobilenet_v2_tiny": (lambda: tv.mobilenet_v2(weights=None, width_mult=0.35, num_classes=10),
                              image(96), True),
        "squeezenet1_1_tiny": (lambda: tv.squeezenet1_1(weights=None, num_classes=10), image(64), True),
        "bert_tiny": (lambda: bert_cls(vocab=1000, max_pos=64, hidden=128, heads=2, inter=512, layers=2),
                      bert(1000, 32), True),
    }


def init_bert(model, g):
    """BERT's own initialization (normal, std 0.02) with LayerNorm affine near (1, 0). The test
    models' recipe (large query/key weights, unit embeddings) sharpens attention on purpose; at
    BERT-base's width it left the model so ill-conditioned that PyTorch, OpenVINO and stitch all
    differed from ONNX Runtime by 1e-3, ten times the harness's tolerance."""
    import torch.nn as nn

    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Embedding)):
            m.weight.data.normal_(0.0, 0.02, generator=g)
        if isinstance(m, nn.Linear):
            m.bias.data.normal_(0.0, 0.02, generator=g)
        if isinstance(m, nn.LayerNorm):
            m.weight.data.normal_(1.0, 0.05, generator=g)
            m.bias.data.normal_(0.0, 0.02, generator=g)


def build(name, builder, spec):
    """The model in eval mode with randomized parameters and calibrated BN, and its inputs."""
    import torch

    seed = tm.seed_of("bench/" + name)
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = builder().eval()
    with torch.no_grad():
        (init_bert if name.startswith("bert") else tm.randomize_params)(model, g)
    tm.calibrate_bn(model, spec, g)
    return model.eval(), tm.make_inputs(spec, g), seed


def stamp(torch_version):
    return f"bench/models v{GENERATOR_VERSION}, torch {torch_version}"


def up_to_date(d, torch_version):
    try:
        with open(os.path.join(d, "meta.json")) as fh:
            meta = json.load(fh)
    except (OSError, ValueError):
        return False
    files = ["model.onnx", "model.pt"] + [i["file"] for i in meta["inputs"]]
    return meta.get("generator") == stamp(torch_version) and all(
        os.path.exists(os.path.join(d, f)) for f in files)


def export(name, entry, out_root):
    import numpy as np
    import onnx
    import torch

    builder, spec, tiny = entry
    d = os.path.join(out_root, name)
    if up_to_date(d, torch.__version__):
        print(f"models: {name} up to date", flush=True)
        return
    os.makedirs(d, exist_ok=True)
    model, inputs, seed = build(name, builder, spec)
    args = tuple(t for _, t in inputs)
    with torch.no_grad():
        outs = model(*args)
    outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
    out_names = [f"output_{i}" for i in range(len(outs))]
    path = os.path.join(d, "model.onnx")
    # An eval-mode export folds BatchNorm into the convolutions, as users' exported models have it.
    torch.onnx.export(model, args, path, opset_version=OPSET, do_constant_folding=True,
                      input_names=[n for n, _, _ in spec], output_names=out_names)
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    with torch.no_grad():
        torch.jit.trace(model, args).save(os.path.join(d, "model.pt"))
    meta = {"name": name, "tiny": tiny, "opset": OPSET, "batch": 1, "seed": seed,
            "generator": stamp(torch.__version__),
            "params": int(sum(p.numel() for p in model.parameters())),
            "ops": tm.op_histogram(proto), "inputs": [], "outputs": []}
    for i, (n, t) in enumerate(inputs):
        np.save(os.path.join(d, f"input_{i}.npy"), t.numpy())
        meta["inputs"].append({"name": n, "dtype": str(t.numpy().dtype), "shape": list(t.shape),
                               "file": f"input_{i}.npy"})
    for n, t in zip(out_names, outs):
        meta["outputs"].append({"name": n, "dtype": str(t.numpy().dtype), "shape": list(t.shape)})
    with open(os.path.join(d, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    print(f"models: exported {name:18s} {os.path.getsize(path) / 2**20:7.1f} MiB  "
          f"{meta['params'] / 1e6:6.2f} M params  {sum(meta['ops'].values()):4d} nodes", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output root; each model goes to OUT/<name>/")
    ap.add_argument("--only", default="", help="comma-separated model names")
    ap.add_argument("--tiny", action="store_true", help="only the tiny variants")
    a = ap.parse_args()
    import torch

    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)  # calibration must not depend on the core count
    table = model_table()
    names = [n for n in a.only.split(",") if n] or [n for n, e in table.items() if e[2] or not a.tiny]
    unknown = [n for n in names if n not in table]
    if unknown:
        sys.exit(f"models: unknown model(s) {unknown}; known: {list(table)}")
    for n in names:
        export(n, table[n], os.path.abspath(a.out))


if __name__ == "__main__":
    main()
