"""Per-op overhead and an MLP step, mathdl against baselines timed in the same run.

1. The per-call cost of a small op (forward + graph recording + backward): a chain of K elementwise
   multiplications on a 16-element tensor, then sum and backward, divided by K; against PyTorch CPU.
   Target: ≤ 2× PyTorch's per-op overhead.
2. One forward+backward step of a 784-512-10 MLP (float32, batch 128, cross-entropy) written with
   mathdl ops (matmul, add, relu, log_softmax, indexing, mean), against the same step written by hand
   in NumPy. Target: ≤ 1.10×.

Blocks of runs are interleaved (ours, baseline, ours, ...) over several passes and the medians
compared, because this machine's timings drift when other work shares its two cores.

    python benchmarks/op_overhead.py [--passes 5]
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md


def training_step(loss_of, params):
    """A step function: build the loss, backpropagate, clear the gradients (mathdl and torch alike)."""

    def step():
        loss = loss_of()
        loss.backward()
        for p in params:
            p.grad = None
        return loss

    return step


def product_chain(a, b, k):
    """A step of k elementwise products y ← y ⊙ b starting from y = a, then sum and backward."""

    def loss_of():
        y = a
        for _ in range(k):
            y = y * b
        return y.sum()

    return training_step(loss_of, [a])


def chain_mathdl(k):
    return product_chain(
        md.tensor(np.linspace(0.5, 1.5, 16, dtype=np.float32), requires_grad=True),
        md.tensor(np.full(16, 1.0001, dtype=np.float32)),
        k,
    )


def chain_torch(k):
    import torch

    return product_chain(torch.linspace(0.5, 1.5, 16, requires_grad=True), torch.full((16,), 1.0001), k)


def mlp_data(batch=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((batch, 784), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    w1 = (rng.standard_normal((784, 512)) * 0.05).astype(np.float32)
    b1 = np.zeros(512, np.float32)
    w2 = (rng.standard_normal((512, 10)) * 0.05).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    return x, y, w1, b1, w2, b2


def mlp_mathdl():
    x, y, *params = mlp_data()
    x = md.tensor(x)
    w1, b1, w2, b2 = params = [md.tensor(p, requires_grad=True) for p in params]
    rows = np.arange(len(y))
    return training_step(
        lambda: -md.log_softmax(md.relu(x @ w1 + b1) @ w2 + b2, axis=1)[rows, y].mean(), params
    )


def mlp_mathdl_fused():
    """The same step with mathdl's fused ops: linear (y = x Wᵀ + b as one Function) and
    cross_entropy (log-softmax and NLL as one Function), as nn.Linear and F.cross_entropy use them."""
    import mathdl.nn.functional as F

    x, y, w1, b1, w2, b2 = mlp_data()
    x, y = md.tensor(x), md.tensor(y)
    # nn.Linear's layout: weights (out, in)
    w1t, b1, w2t, b2 = params = [
        md.tensor(np.ascontiguousarray(p), requires_grad=True) for p in (w1.T, b1, w2.T, b2)
    ]
    return training_step(lambda: F.cross_entropy(F.linear(F.relu(F.linear(x, w1t, b1)), w2t, b2), y), params)


def mlp_torch():
    """The same step in PyTorch CPU, for perspective (its autograd pays a per-op cost too)."""
    import torch

    x, y, *params = (torch.from_numpy(np.ascontiguousarray(a)) for a in mlp_data())
    w1, b1, w2, b2 = params = [p.clone().requires_grad_(True) for p in params]
    return training_step(
        lambda: torch.nn.functional.cross_entropy(torch.relu(x @ w1 + b1) @ w2 + b2, y), params
    )


def mlp_numpy():
    x, y, w1, b1, w2, b2 = mlp_data()
    n = len(y)
    rows = np.arange(n)

    def step():
        z = x @ w1 + b1
        hidden = np.maximum(z, 0)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -(shifted[rows, y] - np.log(total[:, 0])).mean()
        g_logits = exp / total
        g_logits[rows, y] -= 1
        g_logits /= n
        g_w2 = hidden.T @ g_logits
        g_b2 = g_logits.sum(axis=0)
        g_hidden = g_logits @ w2.T
        g_hidden *= z > 0
        g_w1 = x.T @ g_hidden
        g_b1 = g_hidden.sum(axis=0)
        return loss, g_w1, g_b1, g_w2, g_b2

    return step


def interleaved(contenders, repeats, passes):
    """Median seconds per call of each contender over ``passes`` passes; in each pass every
    contender runs a block of ``repeats`` calls, one contender after the other.

    Blocks, not single calls, alternate: a training loop runs step after step with its weights in
    cache, and alternating single calls would instead measure each step starting from the other's
    cache contents.
    """
    for step in contenders.values():
        step()  # warm up caches and lazy imports
    times = {name: [] for name in contenders}
    for _ in range(passes):
        for name, step in contenders.items():
            start = time.perf_counter()
            for _ in range(repeats):
                step()
            times[name].append((time.perf_counter() - start) / repeats)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=9)
    parser.add_argument("--chain", type=int, default=50, help="ops per chain in the overhead test")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=2,
        help="PyTorch intra-op threads (set OPENBLAS_NUM_THREADS for NumPy/mathdl alike)",
    )
    args = parser.parse_args()

    try:
        import torch

        torch.set_num_threads(args.torch_threads)
        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: the per-op comparison needs it (pip install torch==2.13.0).")

    if have_torch:
        k = args.chain
        medians = interleaved({"mathdl": chain_mathdl(k), "pytorch": chain_torch(k)}, 100, args.passes)
        ours, theirs = medians["mathdl"] / k * 1e6, medians["pytorch"] / k * 1e6
        print(f"per-op overhead (mul on 16 floats, forward + record + backward, chain of {k}):")
        print(f"  mathdl  {ours:7.2f} µs/op")
        print(f"  pytorch {theirs:7.2f} µs/op")
        print(f"  ratio mathdl/pytorch = {ours / theirs:.2f}  (target ≤ 2.00)")

    contenders = {"primitive": mlp_mathdl(), "fused": mlp_mathdl_fused(), "numpy": mlp_numpy()}
    if have_torch:
        contenders["pytorch"] = mlp_torch()
    medians = interleaved(contenders, 20, args.passes)
    primitive, fused, theirs = (medians[name] * 1e3 for name in ("primitive", "fused", "numpy"))
    print("MLP 784-512-10 forward+backward step (float32, batch 128):")
    print(f"  mathdl, fused ops (linear, relu, cross_entropy)           {fused:7.3f} ms/step")
    print(f"  mathdl, primitive ops (matmul, add, relu, log_softmax...) {primitive:7.3f} ms/step")
    print(f"  hand NumPy                                                {theirs:7.3f} ms/step")
    if have_torch:
        print(
            f"  PyTorch CPU                                               {medians['pytorch'] * 1e3:7.3f} ms/step"
        )
    print(f"  ratio fused/numpy = {fused / theirs:.3f}  (target ≤ 1.10)")
    print(f"  ratio primitive/numpy = {primitive / theirs:.3f}")
    if have_torch:
        print(
            f"  ratio pytorch/numpy = {medians['pytorch'] / medians['numpy']:.3f}  (the same measure for PyTorch)"
        )


if __name__ == "__main__":
    main()
