"""Data parallelism over MPI on this machine: allreduce cost, and an epoch of the Keras-book MLP.

1. ``Allreduce`` of float32 buffers of 1 KB .. 64 MB between 2 ranks (``mathdl.distributed``):
   median latency, bandwidth, and the α-β fit  T(n) = 2(p−1)·α + 2(p−1)/p · n·β  (p = 2 here:
   T = 2α + nβ) by least squares on relative error.
2. One epoch of the book network (784-512-10, ReLU, cross-entropy, RMSprop lr 1e-3 rho 0.9
   eps 1e-7, global batch 128, Fashion-MNIST 60000) written as a plain PyTorch-style loop with
   ``DistributedDataParallel`` + ``DistributedSampler``, launched three ways:
   1 rank × 2 BLAS threads, 1 rank × 1 thread, 2 ranks × 1 thread (64 samples per rank per step,
   so all three run the same 469 steps of batch 128). Parallel efficiency of 2 ranks:
   E = T(1 × 1) / (2 · T(2 × 1)); also the time spent inside the gradient ``Allreduce`` calls.
3. The α-β model's projection of epoch time and efficiency for 2..256 nodes of this machine's
   speed on 10 Gb/s and 100 Gb/s networks (a model, not a measurement; see docs/distributed.md).

The machine is shared: ``uptime`` is printed before and after, and configurations are
interleaved over ``--passes`` (medians reported). The report goes to stdout and to
benchmarks/results/distributed.md (and the numbers to distributed.json), the figure to
docs/figures/distributed_cost_model.png, all written atomically (``--replot`` redraws the figure).

    OPENBLAS_NUM_THREADS=1 nice -n 10 python benchmarks/distributed.py [--passes 3] [--limit N]
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SIZES = [1024 * 4**k for k in range(9)]  # 1 KB, 4 KB, ..., 64 MB
BATCH, LR, RHO, EPS = 128, 1e-3, 0.9, 1e-7
CONFIGS = [(1, 2), (1, 1), (2, 1)]  # (ranks, BLAS threads per rank)
RESULTS = Path(__file__).parent / "results"
FIGURE = Path(__file__).parent.parent / "docs" / "figures" / "distributed_cost_model.png"
NETWORKS = {"10 Gb/s Ethernet (α = 25 µs)": (10e9, 25e-6), "100 Gb/s InfiniBand (α = 2 µs)": (100e9, 2e-6)}
NODES = [1, 2, 4, 8, 16, 32, 64, 128, 256]


# ----- workers (run under mpiexec) ---------------------------------------------------------------
def worker_allreduce(out):
    import mathdl.distributed as dist

    dist.init_process_group(backend="mpi")
    rows = []
    for nbytes in SIZES:
        buffer = np.zeros(nbytes // 4, dtype=np.float32)
        repeats = int(min(300, max(5, 3e8 // nbytes)))
        dist.all_reduce(buffer)  # warm-up: first-touch of the pages, MPI's buffers
        times = np.empty(repeats)
        for index in range(repeats):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(buffer)
            times[index] = time.perf_counter() - start
        dist.all_reduce(times, op=dist.ReduceOp.MAX)  # a collective ends when its slowest rank does
        rows.append(
            {
                "bytes": nbytes,
                "seconds": float(np.median(times)),
                "best": float(times.min()),
                "repeats": repeats,
            }
        )
    if dist.get_rank() == 0:
        Path(out).write_text(json.dumps(rows))
    dist.destroy_process_group()


def load_fashion_mnist(limit):
    from mathdl.data import load_fashion_mnist

    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train = x_train.reshape(len(x_train), -1).astype(np.float32) / 255
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / 255
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def book_network():
    import mathdl as md
    from mathdl import nn

    md.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    for layer in (model[0], model[2]):  # Keras' Dense: Glorot-uniform weights, zero biases
        nn.init.xavier_uniform_(layer.weight)
        nn.init.zeros_(layer.bias)
    return model


def run_epoch(model, optimizer, loader):
    """The plain PyTorch loop: (loss summed over samples, correct predictions, samples)."""
    import mathdl.nn.functional as F

    loss_sum = correct = seen = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        loss_sum += float(loss.item()) * len(y)
        correct += int(np.count_nonzero(logits.array.argmax(axis=1) == y.array))
        seen += len(y)
    return loss_sum, correct, seen


def worker_epoch(out, limit):
    import mathdl as md
    import mathdl.distributed as dist
    from mathdl.data import DataLoader, DistributedSampler, TensorDataset
    from mathdl.nn.parallel import DistributedDataParallel

    dist.init_process_group(backend="mpi")
    world = dist.get_world_size()
    (x, y), (x_test, y_test) = load_fashion_mnist(limit)
    model = DistributedDataParallel(book_network())
    optimizer = md.optim.RMSprop(model.parameters(), lr=LR, alpha=RHO, eps=EPS)
    dataset = TensorDataset(x, y)
    sampler = DistributedSampler(dataset, seed=0)
    loader = DataLoader(dataset, batch_size=BATCH // world, sampler=sampler)
    communication = _time_allreduce_calls(dist)
    dist.barrier()
    start, cpu_start = time.perf_counter(), time.process_time()
    loss_sum, correct, seen = run_epoch(model, optimizer, loader)
    timings = np.array([time.perf_counter() - start, communication[0], time.process_time() - cpu_start])
    dist.all_reduce(timings, op=dist.ReduceOp.MAX)
    metrics = dist.all_reduce_metrics({"loss": loss_sum / seen, "accuracy": correct / seen}, count=seen)
    with md.no_grad():
        test_accuracy = float(np.mean(model.module(md.tensor(x_test)).array.argmax(axis=1) == y_test))
    if dist.get_rank() == 0:
        record = dict(seconds=timings[0], allreduce_seconds=timings[1], cpu_seconds=timings[2])
        record.update(
            metrics, test_accuracy=test_accuracy, steps=len(loader), threads=md.backend.get_num_threads()
        )
        record["gradient_bytes"] = sum(p.array.nbytes for p in model.parameters())
        Path(out).write_text(json.dumps({k: float(v) for k, v in record.items()}))
    dist.destroy_process_group()


def _time_allreduce_calls(dist):
    """Wrap mathdl.distributed.all_reduce (which DDP's buckets call) to add up the seconds spent
    inside it, waiting for the slower rank included."""
    total, original = [0.0], dist.all_reduce

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            total[0] += time.perf_counter() - start

    dist.all_reduce = timed
    return total


# ----- driver ------------------------------------------------------------------------------------
def launch(nprocs, threads, worker_args, timeout):
    from mathdl.distributed.launch import mpiexec_command

    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "result.json"
        command = mpiexec_command(nprocs, [sys.executable, __file__, "--worker", *worker_args, "--out", out])
        subprocess.run(command, env=env, timeout=timeout, check=True, capture_output=True, text=True)
        return json.loads(out.read_text())


def fit_alpha_beta(rows, key="best", ranks=2):
    """α, β of T(n) = 2(p−1)α + 2(p−1)/p·nβ by least squares on relative error, fitted to the
    fastest (``best``) or the median (``seconds``) time of each size."""
    n = np.array([row["bytes"] for row in rows], dtype=float)
    t = np.array([row[key] for row in rows])
    design = np.stack([np.full_like(n, 2 * (ranks - 1)), 2 * (ranks - 1) / ranks * n], axis=1) / t[:, None]
    (alpha, beta), *_ = np.linalg.lstsq(design, np.ones_like(t), rcond=None)
    return float(alpha), float(beta)


def ring_allreduce_seconds(nodes, nbytes, alpha, seconds_per_byte):
    """The ring allreduce: 2(P−1) steps, each of latency α moving n/P bytes."""
    if nodes == 1:
        return 0.0
    return 2 * (nodes - 1) * alpha + 2 * (nodes - 1) / nodes * nbytes * seconds_per_byte


def projection(node_epoch_seconds, steps, gradient_bytes, local_alpha, local_beta):
    """Weak scaling: each node keeps batch 128 per step, so an epoch has ⌈steps/P⌉ steps of
    (compute + ring allreduce). Per message: the link's latency plus this machine's measured α
    (MPI's software path); per byte: the wire time 8/bandwidth plus this machine's measured β
    (copying and summing). Returns {network: [(P, epoch seconds, efficiency)]}."""
    step_compute = node_epoch_seconds / steps
    table = {}
    for network, (bits_per_second, alpha) in NETWORKS.items():
        per_byte = 8 / bits_per_second + local_beta
        alpha = alpha + local_alpha
        rows = []
        for nodes in NODES:
            communicate = ring_allreduce_seconds(nodes, gradient_bytes, alpha, per_byte)
            epoch = math.ceil(steps / nodes) * (step_compute + communicate)
            rows.append((nodes, epoch, node_epoch_seconds / (nodes * epoch)))
        table[network] = rows
    return table


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "load average: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def measure(args):
    before = uptime()
    print(f"uptime before: {before}", flush=True)
    sweep = launch(2, 1, ["allreduce"], timeout=1800)
    epochs = {config: [] for config in CONFIGS}
    for index in range(args.passes):
        for ranks, threads in CONFIGS:  # interleaved: the machine's load hits all alike
            worker = ["epoch"] + (["--limit", str(args.limit)] if args.limit else [])
            record = launch(ranks, threads, worker, timeout=3600)
            epochs[(ranks, threads)].append(record)
            print(
                f"pass {index + 1}: {ranks} rank(s) x {threads} thread(s): {record['seconds']:6.2f}s "
                f"(allreduce {record['allreduce_seconds']:5.2f}s) loss {record['loss']:.4f} "
                f"accuracy {record['accuracy']:.4f} test {record['test_accuracy']:.4f}",
                flush=True,
            )
    return sweep, epochs, before, uptime()


def median_record(records):
    return {key: statistics.median(r[key] for r in records) for key in records[0]}


def allreduce_section(sweep):
    alpha, beta = fit_alpha_beta(sweep, "best")
    median_alpha, median_beta = fit_alpha_beta(sweep, "seconds")
    lines = [
        "## Allreduce, 2 ranks on this machine (shared memory), float32",
        "",
        "| size | fastest | median | bandwidth (fastest) | bandwidth (median) | model 2α + nβ |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in sweep:
        n, best, median = row["bytes"], row["best"], row["seconds"]
        size = f"{n // 2**20} MB" if n >= 2**20 else f"{n // 1024} KB"
        lines.append(
            f"| {size} | {best * 1e6:,.1f} µs | {median * 1e6:,.1f} µs | {n / best / 1e9:.2f} GB/s "
            f"| {n / median / 1e9:.2f} GB/s | {(2 * alpha + n * beta) * 1e6:,.1f} µs |"
        )
    lines += [
        "",
        f"Fit of T(n) = 2(p−1)α + 2(p−1)/p·nβ (p = 2) to the fastest repetition of each size (what the "
        f"hardware does when both ranks are running): **α = {alpha * 1e6:.2f} µs**, **β = {beta * 1e9:.3f} "
        f"ns/byte** ({1 / beta / 1e9:.2f} GB/s). To the medians (what this shared machine gave): "
        f"α = {median_alpha * 1e6:.2f} µs, β = {median_beta * 1e9:.3f} ns/byte.",
    ]
    return lines, alpha, beta


def epoch_section(epochs):
    medians = {config: median_record(records) for config, records in epochs.items()}
    base = medians[(1, 1)]["seconds"]
    lines = [
        "## One epoch of the Keras-book MLP (DDP + DistributedSampler, global batch 128)",
        "",
        "| ranks × threads | epoch (median) | CPU s (max rank) | in allreduce | speed-up vs 1 × 1 "
        "| efficiency | train loss | train acc. | test acc. |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (ranks, threads), m in medians.items():
        workers = ranks * threads
        speedup = base / m["seconds"]
        lines.append(
            f"| {ranks} × {threads} | {m['seconds']:.2f} s | {m['cpu_seconds']:.2f} | {m['allreduce_seconds']:.2f} s "
            f"| {speedup:.2f} | {speedup / workers:.2f} | {m['loss']:.4f} | {m['accuracy']:.4f} "
            f"| {m['test_accuracy']:.4f} |"
        )
    lines += [
        "",
        f"Parallel efficiency of 2 ranks: E = T(1 × 1) / (2 · T(2 × 1)) = "
        f"**{base / (2 * medians[(2, 1)]['seconds']):.2f}**; threads instead: "
        f"T(1 × 1) / (2 · T(1 × 2)) = {base / (2 * medians[(1, 2)]['seconds']):.2f}.",
    ]
    return lines, medians


def projection_section(medians, alpha, beta):
    best = min(medians.values(), key=lambda m: m["seconds"])
    steps, nbytes = best["steps"], best["gradient_bytes"]
    table = projection(best["seconds"], steps, nbytes, alpha, beta)
    lines = [
        "## Projection (the α-β model, not a measurement)",
        "",
        f"Node = this machine at its best measured epoch ({best['seconds']:.2f} s for {steps:.0f} steps of "
        f"128); gradient {nbytes / 2**20:.2f} MB; each node keeps batch 128 (global batch 128·P); "
        f"ring allreduce between nodes: α = the link's latency + this machine's α, per byte the "
        f"wire time 8/bandwidth + this machine's β.",
        "",
        "| nodes | " + " | ".join(f"{name}: epoch, efficiency" for name in table) + " |",
        "|---:|" + "---:|" * len(table),
    ]
    for position, nodes in enumerate(NODES):
        cells = [f"{rows[position][1]:.3f} s, {rows[position][2]:.2f}" for rows in table.values()]
        lines.append(f"| {nodes} | " + " | ".join(cells) + " |")
    return lines, table


def report(sweep, epochs, before, after):
    from mathdl.io import atomic_write

    allreduce_lines, alpha, beta = allreduce_section(sweep)
    epoch_lines, medians = epoch_section(epochs)
    projection_lines, table = projection_section(medians, alpha, beta)
    header = [
        "# benchmarks/distributed.py",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs; "
        f"passes per configuration: {len(next(iter(epochs.values())))}.",
        f"uptime before: `{before}`",
        f"uptime after: `{after}`",
        "",
    ]
    text = "\n".join(header + allreduce_lines + [""] + epoch_lines + [""] + projection_lines)
    print("\n" + text)
    RESULTS.mkdir(exist_ok=True)
    numbers = dict(alpha=alpha, beta=beta, allreduce=sweep, projection=table)
    numbers["epochs"] = {f"{r}x{t}": records for (r, t), records in epochs.items()}
    for name, content in (
        ("distributed.md", text + "\n"),
        ("distributed.json", json.dumps(numbers, indent=1)),
    ):
        with atomic_write(RESULTS / name) as stream:
            stream.write(content.encode("utf-8"))
        print(f"wrote {RESULTS / name}")
    print(f"wrote {plot(numbers, FIGURE)}")


def plot(numbers, path):
    """Two panels: the measured allreduce times with the fitted α-β line, and the projected
    efficiency against the number of nodes. Written atomically; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mathdl.io import atomic_write

    sizes = np.array([row["bytes"] for row in numbers["allreduce"]], dtype=float)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.loglog(sizes, [row["best"] for row in numbers["allreduce"]], "o", label="measured, fastest")
    left.loglog(sizes, [row["seconds"] for row in numbers["allreduce"]], "x", label="measured, median")
    left.loglog(sizes, 2 * numbers["alpha"] + sizes * numbers["beta"], "-", label="fit 2α + nβ")
    left.set(xlabel="bytes", ylabel="seconds", title="Allreduce, 2 ranks on this machine")
    left.legend()
    for network, rows in numbers["projection"].items():
        nodes, _, efficiency = zip(*rows)
        right.semilogx(nodes, efficiency, "o-", base=2, label=network)
    right.set(
        xlabel="nodes", ylabel="parallel efficiency", ylim=(0, 1.05), title="Projected (α-β model), book MLP"
    )
    right.legend()
    figure.tight_layout()
    with atomic_write(path) as stream:
        figure.savefig(stream, format="png", dpi=110)
    plt.close(figure)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=3, help="epochs per configuration (median reported)")
    parser.add_argument(
        "--limit", type=int, default=0, help="train on the first N images only (a quick check)"
    )
    parser.add_argument(
        "--replot",
        action="store_true",
        help="redraw the figure from results/distributed.json, measure nothing",
    )
    parser.add_argument("--worker", choices=["allreduce", "epoch"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "allreduce":
        return worker_allreduce(args.out)
    if args.worker == "epoch":
        return worker_epoch(args.out, args.limit)
    if args.replot:
        print(f"wrote {plot(json.loads((RESULTS / 'distributed.json').read_text()), FIGURE)}")
        return None
    if args.passes < 1:
        parser.error("--passes must be at least 1")
    report(*measure(args))


if __name__ == "__main__":
    main()
