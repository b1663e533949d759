"""PyTorch peer: the generator's TorchScript module (bench/models), frozen and optimized for
inference, torch.set_num_threads(N). Runs under Debian's /usr/bin/python3 (python3-torch).
Part of bench/peers."""
import os

import torch


def load(model_dir, meta, threads):
    torch.set_num_threads(threads)
    torch.set_grad_enabled(False)
    module = torch.jit.load(os.path.join(model_dir, "model.pt")).eval()
    module = torch.jit.optimize_for_inference(torch.jit.freeze(module))
    names = [i["name"] for i in meta["inputs"]]

    def run(feeds):
        out = module(*[torch.from_numpy(feeds[n]) for n in names])
        outs = out if isinstance(out, (list, tuple)) else [out]
        return [o.numpy() for o in outs]

    return run, f"torch {torch.__version__}"
