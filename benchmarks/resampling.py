"""Resampling ops and SSIM, forward + backward: mathdl against PyTorch (CPU, one thread), float32,
timed interleaved in the same run.

    OPENBLAS_NUM_THREADS=1 python benchmarks/resampling.py [--passes 3] [--repeats 5]

Cases: bicubic ×2 of an ESPCN-sized batch and of a 512² photograph, bilinear ×3 with a non-integer
factor, pixel_shuffle ×3, grid_sample of an affine grid, and SSIM (no PyTorch SSIM exists, so its
reference is the same mathdl SSIM's forward alone: the ratio is backward's extra cost). Prints the
median time per call of each and the ratio mathdl / reference.
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl.vision.metrics import ssim_loss


def _cases(torch):
    tf = torch.nn.functional
    theta = np.tile(np.array([[0.9, 0.1, 0.05], [-0.1, 0.9, 0.0]], np.float32), (16, 1, 1))
    return [
        (
            "bicubic x2 (16, 1, 64, 64)",
            (16, 1, 64, 64),
            lambda x: F.interpolate(x, scale_factor=2, mode="bicubic"),
            lambda x: tf.interpolate(x, scale_factor=2, mode="bicubic"),
        ),
        (
            "bicubic x2 (1, 1, 512, 512)",
            (1, 1, 512, 512),
            lambda x: F.interpolate(x, scale_factor=2, mode="bicubic"),
            lambda x: tf.interpolate(x, scale_factor=2, mode="bicubic"),
        ),
        (
            "bilinear x2.5 (8, 3, 96, 96)",
            (8, 3, 96, 96),
            lambda x: F.interpolate(x, scale_factor=2.5, mode="bilinear"),
            lambda x: tf.interpolate(x, scale_factor=2.5, mode="bilinear"),
        ),
        (
            "pixel_shuffle x3 (16, 9, 64, 64)",
            (16, 9, 64, 64),
            lambda x: F.pixel_shuffle(x, 3),
            lambda x: tf.pixel_shuffle(x, 3),
        ),
        (
            "grid_sample affine (16, 3, 64, 64)",
            (16, 3, 64, 64),
            lambda x: F.grid_sample(
                x, F.affine_grid(theta, x.shape, align_corners=False), align_corners=False
            ),
            lambda x: tf.grid_sample(
                x, tf.affine_grid(torch.tensor(theta), x.shape, align_corners=False), align_corners=False
            ),
        ),
    ]


def _time(run, repeats):
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    return (time.perf_counter() - start) / repeats


def _step_mathdl(fn, x):
    def run():
        t = md.tensor(x, requires_grad=True)
        fn(t).sum().backward()

    return run


def _step_torch(torch, fn, x):
    def run():
        t = torch.tensor(x, requires_grad=True)
        fn(t).sum().backward()

    return run


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"{'case':<38}{'mathdl ms':>11}{'reference ms':>14}{'ratio':>8}")
    rows = [
        (
            name,
            shape,
            _step_mathdl(ours, x := rng.random(shape, dtype=np.float32)),
            _step_torch(torch, theirs, x),
        )
        for name, shape, ours, theirs in _cases(torch)
    ]
    clean, noisy = (
        rng.random((8, 1, 128, 128), dtype=np.float32),
        rng.random((8, 1, 128, 128), dtype=np.float32),
    )

    def ssim_forward():
        ssim_loss(clean, noisy)

    rows.append(
        (
            "ssim_loss (8, 1, 128, 128) vs forward",
            None,
            _step_mathdl(lambda t: ssim_loss(clean, t), noisy),
            ssim_forward,
        )
    )
    for name, _, ours, reference in rows:
        times = {"ours": [], "reference": []}
        for index in range(args.passes):  # alternate which runs first
            order = [("ours", ours), ("reference", reference)][:: 1 if index % 2 == 0 else -1]
            for key, run in order:
                run()  # warm-up
                times[key].append(_time(run, args.repeats))
        mine, theirs = statistics.median(times["ours"]), statistics.median(times["reference"])
        print(f"{name:<38}{1e3 * mine:>11.2f}{1e3 * theirs:>14.2f}{mine / theirs:>8.2f}")


if __name__ == "__main__":
    main()
