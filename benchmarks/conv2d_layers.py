"""conv2d forward + backward alone across a few layer shapes: mathdl against PyTorch (CPU), float32,
timed interleaved in the same run.

    python benchmarks/conv2d_layers.py [--passes 3] [--repeats 10] [--threads 2]

For every shape, each pass times ``repeats`` forward+backward calls of each framework (alternating
which goes first) and the medians per call and the ratio mathdl / PyTorch are printed. The input
gradient is skipped for the first layer of a network (its input is the image), as both frameworks
do when the input does not require a gradient.

mathdl's ops keep activations in a batch-innermost (C, H, W, N) memory layout behind NCHW-shaped
views; inside a network every conv receives its input and its output gradient in that layout from
the neighbouring ops. By default the benchmark hands mathdl arrays in that layout (PyTorch gets its
native contiguous NCHW); ``--nchw`` gives mathdl contiguous NCHW arrays instead, which adds the
layout conversion (what the first layer of a network pays). ``--cpu-time`` measures process CPU
time instead of wall time: on a shared, oversubscribed machine with single-threaded runs
(``--threads 1`` and ``OPENBLAS_NUM_THREADS=1``) it is the steadier measure.
"""

import argparse
import statistics
import sys
import time

import numpy as np

# (name, batch, in_channels, size, out_channels, kernel, stride, padding, groups, input needs grad)
SHAPES = [
    ("lenet conv1 1->6 5x5 p2 @28", 128, 1, 28, 6, 5, 1, 2, 1, False),
    ("lenet conv2 6->16 5x5 @14", 128, 6, 14, 16, 5, 1, 0, 1, True),
    ("cnn 32->32 3x3 p1 @28", 64, 32, 28, 32, 3, 1, 1, 1, True),
    ("cnn 64->64 3x3 p1 @7", 128, 64, 7, 64, 3, 1, 1, 1, True),
    ("strided 32->64 3x3 s2 p1 @28", 64, 32, 28, 64, 3, 2, 1, 1, True),
    ("depthwise 64 3x3 p1 @14 g64", 64, 64, 14, 64, 3, 1, 1, 64, True),
    ("dncnn 64->64 3x3 p1 @40", 16, 64, 40, 64, 3, 1, 1, 1, True),
]


def time_calls(run, repeats, clock):
    start = clock()
    for _ in range(repeats):
        run()
    return (clock() - start) / repeats


def batch_innermost(array, enabled):
    """The same values as an NCHW-shaped view of (C, H, W, N) memory (what mathdl ops produce)."""
    if not enabled:
        return array
    return np.ascontiguousarray(array.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--nchw", action="store_true", help="give mathdl contiguous NCHW arrays")
    parser.add_argument("--cpu-time", action="store_true", help="process CPU time instead of wall time")
    args = parser.parse_args(argv)
    clock = time.process_time if args.cpu_time else time.perf_counter
    try:
        import torch
    except ImportError:
        sys.exit("conv2d_layers: PyTorch is the baseline of this benchmark; install torch to run it")
    torch.set_num_threads(args.threads)
    import mathdl as md
    from mathdl.ops.convolution import conv2d

    rng = np.random.default_rng(0)
    print(
        f"mathdl inputs: {'contiguous NCHW' if args.nchw else 'batch-innermost views'}; "
        f"{'CPU' if args.cpu_time else 'wall'} time; torch threads {torch.get_num_threads()}"
    )
    print(f"{'layer':34s} {'mathdl ms':>10s} {'torch ms':>10s} {'ratio':>6s}")
    ratios = []
    for name, n, c, size, o, k, s, p, g, input_grad in SHAPES:
        x = rng.standard_normal((n, c, size, size)).astype(np.float32)
        w = (rng.standard_normal((o, c // g, k, k)) * 0.1).astype(np.float32)
        b = np.zeros(o, np.float32)
        ours = [
            md.Tensor(batch_innermost(x, not args.nchw), requires_grad=input_grad),
            md.tensor(w, requires_grad=True),
            md.tensor(b, requires_grad=True),
        ]
        theirs = [
            torch.tensor(x, requires_grad=input_grad),
            torch.tensor(w, requires_grad=True),
            torch.tensor(b, requires_grad=True),
        ]
        gy = rng.standard_normal(conv2d(x, w, b, s, p, 1, g).shape).astype(np.float32)
        gy_ours, gy_theirs = md.Tensor(batch_innermost(gy, not args.nchw)), torch.tensor(gy)

        def run_ours():
            for t in ours:
                t.grad = None
            conv2d(ours[0], ours[1], ours[2], s, p, 1, g).backward(gy_ours)

        def run_theirs():
            for t in theirs:
                t.grad = None
            torch.nn.functional.conv2d(theirs[0], theirs[1], theirs[2], s, p, 1, g).backward(gy_theirs)

        run_ours(), run_theirs()  # warm up
        times = {"ours": [], "theirs": []}
        for index in range(args.passes):
            order = [("ours", run_ours), ("theirs", run_theirs)]
            for key, run in order if index % 2 == 0 else order[::-1]:
                times[key].append(time_calls(run, args.repeats, clock))
        mine, ref = statistics.median(times["ours"]), statistics.median(times["theirs"])
        ratios.append(mine / ref)
        print(f"{name:34s} {mine * 1e3:10.2f} {ref * 1e3:10.2f} {mine / ref:6.2f}")
    print(f"geometric mean ratio mathdl/PyTorch: {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
