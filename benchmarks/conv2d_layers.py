"""conv2d forward + backward alone across layer shapes: mathdl against PyTorch (CPU), float32, timed
interleaved in the same run.

    python benchmarks/conv2d_layers.py [--threads 1] [--passes 5] [--quick] [--json out.json]

Every side gets the same contiguous NCHW input and output gradient (what a network's first layer
and any caller hands it). PyTorch also runs in ``channels_last`` (input, weight and output gradient
converted once, outside the timing: its best case), and each ratio is taken against the faster
PyTorch layout. The input gradient is skipped for a first layer (its input is the image), as both
frameworks do when the input does not require a gradient. Before timing, ⟨y, ȳ⟩ of the two sides
must agree (the same convolution). Targets: geometric mean of mathdl / PyTorch ≤ 1.0, depthwise ≤ 2.
"""

import harness
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


def layer_sides(torch, shape, rng):
    """{side: step} for one layer shape, and {side: ⟨y, ȳ⟩} to check they compute the same thing."""
    import mathdl as md
    from mathdl.ops.convolution import conv2d

    _, n, c, size, o, k, s, p, g, input_grad = shape
    x = rng.standard_normal((n, c, size, size)).astype(np.float32)
    w = (rng.standard_normal((o, c // g, k, k)) * 0.1).astype(np.float32)
    b = np.zeros(o, np.float32)
    gy = rng.standard_normal(conv2d(x, w, b, s, p, 1, g).shape).astype(np.float32)
    ours = [
        md.tensor(x, requires_grad=input_grad),
        md.tensor(w, requires_grad=True),
        md.tensor(b, requires_grad=True),
    ]
    gy_ours = md.tensor(gy)
    sides, checks = {}, {}

    def run_ours():
        for t in ours:
            t.grad = None
        y = conv2d(ours[0], ours[1], ours[2], s, p, 1, g)
        y.backward(gy_ours)
        return y

    sides["mathdl"] = run_ours
    checks["mathdl"] = float(np.vdot(run_ours().array.astype(np.float64), gy))
    for name, memory_format in (
        ("pytorch", torch.contiguous_format),
        ("pytorch channels_last", torch.channels_last),
    ):
        theirs = [
            torch.tensor(x).contiguous(memory_format=memory_format).requires_grad_(input_grad),
            torch.tensor(w).contiguous(memory_format=memory_format).requires_grad_(True),
            torch.tensor(b, requires_grad=True),
        ]
        gy_theirs = torch.tensor(gy).contiguous(memory_format=memory_format)

        def run_theirs(theirs=theirs, gy_theirs=gy_theirs):
            for t in theirs:
                t.grad = None
            y = torch.nn.functional.conv2d(theirs[0], theirs[1], theirs[2], s, p, 1, g)
            y.backward(gy_theirs)
            return y

        sides[name] = run_theirs
        checks[name] = float(np.vdot(run_theirs().detach().numpy().astype(np.float64), gy))
    return sides, checks


def main(argv=None):
    args = harness.parser(__doc__.splitlines()[0]).parse_args(argv)
    import torch

    harness.apply_threads(torch, args.threads)
    rng = np.random.default_rng(0)
    rows = []
    for shape in SHAPES:
        sides, checks = layer_sides(torch, shape, rng)
        check = harness.check_losses(checks, rtol=1e-4, atol=1e-2)
        cpu = {}
        times = harness.measure(sides, 2 if args.quick else 10, harness.passes_of(args), warmup=2, cpu=cpu)
        one = cpu if args.threads == 1 else None
        rows.append(harness.row("conv2d layer", shape[0], times, unit="s/call", cpu=one, loss_check=check))
    ratios = [r["ratios"][r["best_reference"]]["ratio"] for r in rows]
    geomean = harness.geometric_mean(ratios)
    print(f"geometric mean of mathdl / best PyTorch: {geomean:.2f}")
    return harness.finish(args, rows, conv2d_geometric_mean=geomean)


if __name__ == "__main__":
    main()
