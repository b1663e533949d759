"""ONNX Runtime peer (CPU provider): intra-op threads = N, sequential execution. Part of bench/peers."""
import os

import onnxruntime as ort


def load(model_dir, meta, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), opts,
                                providers=["CPUExecutionProvider"])
    return (lambda feeds: sess.run(None, feeds)), f"onnxruntime {ort.__version__}"
