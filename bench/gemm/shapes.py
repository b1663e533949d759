"""The GEMM shapes of the benchmark models, as C[b] (M x N) = A[b] (M x K) * B[b] (K x N).
Part of bench/gemm.

A convolution is the GEMM of its im2col form with pixels as rows: M = output pixels,
N = output channels, K = input channels x kernel area (resnet50 v1.5 at 224x224, batch 1, as
torchvision builds it: stride 2 on the 3x3 of the first block of a stage). B is the weight, a
constant, except in attention, where both operands are activations (batched over 12 heads)."""

# name: (batch, M, N, K, B is a constant weight)
SHAPES = {
    "square_1024": (1, 1024, 1024, 1024, True),
    "r50_conv1_7x7s2": (1, 12544, 64, 147, True),
    "r50_l1_1x1_64-64": (1, 3136, 64, 64, True),
    "r50_l1_3x3_64": (1, 3136, 64, 576, True),
    "r50_l1_1x1_64-256": (1, 3136, 256, 64, True),
    "r50_l1_1x1_256-64": (1, 3136, 64, 256, True),
    "r50_l2_1x1_256-128": (1, 3136, 128, 256, True),
    "r50_l2_3x3_128": (1, 784, 128, 1152, True),
    "r50_l2_1x1_128-512": (1, 784, 512, 128, True),
    "r50_l2_down_256-512": (1, 784, 512, 256, True),
    "r50_l2_1x1_512-128": (1, 784, 128, 512, True),
    "r50_l3_1x1_512-256": (1, 784, 256, 512, True),
    "r50_l3_3x3_256": (1, 196, 256, 2304, True),
    "r50_l3_1x1_256-1024": (1, 196, 1024, 256, True),
    "r50_l3_down_512-1024": (1, 196, 1024, 512, True),
    "r50_l3_1x1_1024-256": (1, 196, 256, 1024, True),
    "r50_l4_1x1_1024-512": (1, 196, 512, 1024, True),
    "r50_l4_3x3_512": (1, 49, 512, 4608, True),
    "r50_l4_1x1_512-2048": (1, 49, 2048, 512, True),
    "r50_l4_down_1024-2048": (1, 49, 2048, 1024, True),
    "r50_l4_1x1_2048-512": (1, 49, 512, 2048, True),
    "r50_fc": (1, 1, 1000, 2048, True),
    "bert_qkvo_proj": (1, 128, 768, 768, True),
    "bert_ffn_up": (1, 128, 3072, 768, True),
    "bert_ffn_down": (1, 128, 768, 3072, True),
    "bert_attn_scores": (12, 128, 128, 64, False),
    "bert_attn_context": (12, 128, 64, 128, False),
}

QUICK = ["square_1024", "r50_l1_3x3_64", "r50_l3_3x3_256", "bert_ffn_up", "bert_attn_scores"]


def flops(name):
    b, m, n, k, _ = SHAPES[name]
    return 2.0 * b * m * n * k
