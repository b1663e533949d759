"""OpenVINO peer (CPU plugin): INFERENCE_NUM_THREADS = N, latency hint, fp32 inference precision
(so that no bf16/fp16 shortcut is taken on CPUs that have one). Part of bench/peers."""
import os

import openvino as ov


def load(model_dir, meta, threads):
    core = ov.Core()
    model = core.read_model(os.path.join(model_dir, "model.onnx"))
    config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
              "INFERENCE_PRECISION_HINT": "f32"}
    compiled = core.compile_model(model, "CPU", config)
    request = compiled.create_infer_request()
    names = [o["name"] for o in meta["outputs"]]

    def run(feeds):
        results = request.infer(feeds)
        return [results[compiled.output(n)] for n in names]

    return run, f"openvino {ov.get_version()}"
