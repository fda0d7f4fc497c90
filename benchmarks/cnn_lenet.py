"""One training epoch of a LeNet-5-style CNN on full Fashion-MNIST, mathdl against PyTorch (CPU),
timed interleaved in the same run.

    conv 6@5x5 pad 2 → ReLU → maxpool 2 → conv 16@5x5 → ReLU → maxpool 2 → dense 120 → ReLU
    → dense 84 → ReLU → dense 10;  batch 128, Adam(lr=1e-3), softmax cross-entropy

    python benchmarks/cnn_lenet.py [--passes 3] [--batches 0 (= the whole epoch)] [--threads 2]
        [--blas-threads N]

Each pass trains one epoch in each framework (same data order, same initial weights), alternating
which goes first; prints per-pass times, the medians, the ratio mathdl / PyTorch (goal ≤ 1.25) and
the test accuracy each reached after its last epoch.

``--threads`` sets PyTorch's intra-op threads; ``--blas-threads`` sets OpenBLAS's threads for
mathdl (``OPENBLAS_NUM_THREADS``, which must be set before NumPy loads, hence this option). On a
2-core machine LeNet's GEMMs are small and one BLAS thread is faster than two.
"""

import argparse
import os
import statistics
import sys
import time

if __name__ == "__main__" and "--blas-threads" in sys.argv:
    os.environ["OPENBLAS_NUM_THREADS"] = sys.argv[sys.argv.index("--blas-threads") + 1]

import numpy as np  # noqa: E402  (after the BLAS thread setting)


def build_mathdl():
    from mathdl import nn
    from mathdl.nn.layers.conv import Conv2d
    from mathdl.nn.layers.pooling import MaxPool2d

    return nn.Sequential(
        Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        MaxPool2d(2),
        Conv2d(6, 16, 5),
        nn.ReLU(),
        MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def build_torch(torch, reference):
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5),
        tnn.ReLU(),
        tnn.MaxPool2d(2),
        tnn.Flatten(),
        tnn.Linear(400, 120),
        tnn.ReLU(),
        tnn.Linear(120, 84),
        tnn.ReLU(),
        tnn.Linear(84, 10),
    )
    state = {k: torch.tensor(np.asarray(v.array)) for k, v in reference.state_dict().items()}
    model.load_state_dict(state)
    return model


def epoch_mathdl(model, optimizer, x, y, order, batch):
    import mathdl as md
    import mathdl.nn.functional as F

    model.train()
    for start in range(0, len(order), batch):
        index = order[start : start + batch]
        loss = F.cross_entropy(model(md.Tensor(x[index])), md.Tensor(y[index]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss.item())


def epoch_torch(torch, model, optimizer, x, y, order, batch):
    model.train()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for start in range(0, len(order), batch):
        index = torch.from_numpy(order[start : start + batch])
        loss = torch.nn.functional.cross_entropy(model(xt[index]), yt[index])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss.item())


def accuracy_mathdl(model, x, y):
    import mathdl as md

    model.eval()
    with md.no_grad():
        predictions = np.concatenate(
            [model(md.Tensor(x[i : i + 1000])).array.argmax(1) for i in range(0, len(x), 1000)]
        )
    return float((predictions == y).mean())


def accuracy_torch(torch, model, x, y):
    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(x)).argmax(1).numpy()
    return float((predictions == y).mean())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--batches", type=int, default=0, help="batches per epoch (0 = all 469)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch intra-op threads")
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="OpenBLAS threads for mathdl (default: OPENBLAS_NUM_THREADS or all cores)",
    )
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        sys.exit("cnn_lenet: PyTorch is the baseline of this benchmark; install torch to run it")
    torch.set_num_threads(args.threads)
    import mathdl as md
    from mathdl import optim
    from mathdl.data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(download=False)
    x_train = (x_train.astype(np.float32) / 255.0)[:, None]
    x_test = (x_test.astype(np.float32) / 255.0)[:, None]
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    samples = len(x_train) if args.batches <= 0 else min(len(x_train), args.batches * args.batch_size)

    md.manual_seed(0)
    torch.manual_seed(0)
    ours = build_mathdl()
    theirs = build_torch(torch, ours)
    our_optimizer = optim.Adam(ours.parameters(), lr=1e-3)
    their_optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    times = {"mathdl": [], "torch": []}
    print(
        f"LeNet-5-style epoch on Fashion-MNIST: {samples} images, batch {args.batch_size}, "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, mathdl BLAS threads "
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}"
    )
    for index in range(args.passes):
        order = rng.permutation(len(x_train))[:samples]
        runs = [
            ("mathdl", lambda: epoch_mathdl(ours, our_optimizer, x_train, y_train, order, args.batch_size)),
            (
                "torch",
                lambda: epoch_torch(torch, theirs, their_optimizer, x_train, y_train, order, args.batch_size),
            ),
        ]
        if index % 2:
            runs.reverse()
        for name, run in runs:
            start = time.perf_counter()
            loss = run()
            times[name].append(time.perf_counter() - start)
            print(f"  pass {index + 1} {name:6s} {times[name][-1]:6.2f} s   last batch loss {loss:.4f}")
    ours_median, theirs_median = statistics.median(times["mathdl"]), statistics.median(times["torch"])
    print(
        f"median epoch: mathdl {ours_median:.2f} s, PyTorch {theirs_median:.2f} s, "
        f"ratio mathdl/PyTorch {ours_median / theirs_median:.2f} (goal <= 1.25)"
    )
    print(
        f"test accuracy after {args.passes} epochs: mathdl {accuracy_mathdl(ours, x_test, y_test):.4f}, "
        f"PyTorch {accuracy_torch(torch, theirs, x_test, y_test):.4f}"
    )


if __name__ == "__main__":
    main()
