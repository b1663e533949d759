"""Apache TVM peer: the ONNX model through Relax's importer, built at opt_level 3 for the host CPU
with TVM's default CPU pipeline and no tuning (no schedules are searched or applied). The harness
sets TVM_NUM_THREADS in this process's environment. Part of bench/peers.

The built library is cached next to the model (it does not depend on the thread count), so that
each model is compiled once per TVM version rather than once per thread count and run."""
import os

import numpy as np
import onnx
import tvm
from tvm import relax
from tvm.relax.frontend.onnx import from_onnx
from tvm.target import codegen


def build(model_path, meta, target, lib_path):
    shapes = {i["name"]: i["shape"] for i in meta["inputs"]}
    dtypes = {i["name"]: i["dtype"] for i in meta["inputs"]}
    mod = from_onnx(onnx.load(model_path), shape_dict=shapes, dtype_dict=dtypes,
                    keep_params_in_input=False)
    with tvm.transform.PassContext(opt_level=3):
        executable = tvm.compile(mod, target=target)
    tmp = f"{lib_path}.{os.getpid()}.so"
    executable.export_library(tmp)
    os.replace(tmp, lib_path)


def load(model_dir, meta, threads):
    model_path = os.path.join(model_dir, "model.onnx")
    # `llvm -mcpu=native`, spelled out: TVM 0.2x takes only dict targets, and its LLVM rejects
    # mcpu=native for the wheel's default triple, falling back to generic x86-64 without a word.
    cpu = codegen.llvm_get_system_cpu()
    target = tvm.target.Target({"kind": "llvm", "mcpu": cpu})
    lib_path = os.path.join(model_dir, f"tvm-{tvm.__version__}-{cpu}.so")
    if not os.path.exists(lib_path) or os.path.getmtime(lib_path) < os.path.getmtime(model_path):
        build(model_path, meta, target, lib_path)
    device = tvm.cpu()
    vm = relax.VirtualMachine(tvm.runtime.load_module(lib_path), device)
    names = [i["name"] for i in meta["inputs"]]

    def run(feeds):
        out = vm["main"](*[tvm.runtime.tensor(feeds[n], device) for n in names])
        outs = [out] if hasattr(out, "numpy") else list(out)
        return [np.asarray(o.numpy()) for o in outs]

    return run, f"tvm {tvm.__version__} ({cpu})"
