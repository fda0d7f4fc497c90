"""Inference time of int8 layers (``mathdl.quantization``) against the float32 layers they replace,
timed interleaved in the same run: a Linear 784→512 on a batch of 256, a Conv2d 16→32 3×3 on a
batch of 64 of 28×28 images, and the SmallCNN-sized stack of both, plus the weights' bytes.

    OPENBLAS_NUM_THREADS=1 python benchmarks/quantized_inference.py [--repeats 20]

Prints the median time per forward pass and the ratio int8 / float32 (lower is faster). The
integer product is NumPy's int32 matmul, which has no BLAS kernel; the ratio measures that.
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md
from mathdl import nn
from mathdl.quantization import model_size_bytes, quantize_model


def timed(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(name, model, x, repeats):
    model.eval()
    quantized = quantize_model(model, [x[: len(x) // 2]])
    inputs = md.tensor(x)
    with md.no_grad():
        float_time = timed(lambda: model(inputs), repeats)
        int8_time = timed(lambda: quantized(inputs), repeats)
        error = (
            np.abs(quantized(inputs).array - model(inputs).array).max() / np.abs(model(inputs).array).max()
        )
    print(
        f"{name:<28} float32 {float_time * 1e3:8.2f} ms   int8 {int8_time * 1e3:8.2f} ms   "
        f"ratio {int8_time / float_time:6.2f}   bytes {model_size_bytes(model):>9,} → "
        f"{model_size_bytes(quantized):>9,}   max rel. error {error:.4f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    md.manual_seed(0)
    rng = np.random.default_rng(0)
    images = rng.random((64, 1, 28, 28)).astype(np.float32)
    compare(
        "Linear 784→512, batch 256",
        nn.Sequential(nn.Linear(784, 512)),
        rng.random((256, 784)).astype(np.float32),
        args.repeats,
    )
    compare(
        "Conv2d 16→32 3×3, batch 64",
        nn.Sequential(nn.Conv2d(16, 32, 3, padding=1)),
        rng.random((64, 16, 28, 28)).astype(np.float32),
        args.repeats,
    )
    cnn = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip
    compare("small CNN, batch 64", cnn, images, args.repeats)


if __name__ == "__main__":
    main()
