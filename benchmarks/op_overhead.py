"""Per-op overhead and an MLP step, mathdl against baselines timed in the same run.

1. The per-call cost of a small op (forward + graph recording + backward): a chain of K elementwise
   multiplications on a 16-element tensor, then sum and backward, divided by K; against PyTorch CPU
   running the same chain. Target: ≤ 1.0× PyTorch's per-op overhead.
2. One forward+backward step of a 784-512-10 MLP (float32, batch 128, integer labels,
   cross-entropy) written with mathdl ops, against the same step written by hand in NumPy and in
   PyTorch (integer labels everywhere).

    python benchmarks/op_overhead.py [--threads 1] [--passes 5] [--quick] [--json out.json]
"""

import harness
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


def main(argv=None):
    args = harness.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    parser_chain = 50
    import torch

    harness.apply_threads(torch, args.threads)
    passes = harness.passes_of(args)
    rows = []
    k = parser_chain
    sides = {"mathdl": chain_mathdl(k), "pytorch": chain_torch(k)}
    check = harness.check_losses({name: float(step().item()) for name, step in sides.items()})
    cpu = {}
    times = harness.measure(sides, 20 if args.quick else 100, passes, warmup=10, cpu=cpu)
    per_op = {name: [t / k for t in values] for name, values in times.items()}
    per_op_cpu = (
        {name: [t / k for t in values] for name, values in cpu.items()} if args.threads == 1 else None
    )
    rows.append(
        harness.row(
            "per-op overhead",
            f"mul on 16 floats, forward + record + backward, chain of {k}",
            per_op,
            unit="s/op",
            cpu=per_op_cpu,
            loss_check=check,
        )
    )
    sides = {"mathdl": mlp_mathdl_fused(), "mathdl primitive ops": mlp_mathdl(), "numpy": mlp_numpy(),
             "pytorch": mlp_torch()}  # fmt: skip
    first = {
        name: float(step()[0].item() if name == "numpy" else step().item()) for name, step in sides.items()
    }
    check = harness.check_losses(first, rtol=1e-4)
    cpu = {}
    times = harness.measure(sides, 5 if args.quick else 20, passes, warmup=3, cpu=cpu)
    one = cpu if args.threads == 1 else None
    rows.append(
        harness.row("MLP step", "784-512-10, batch 128, forward + backward", times, cpu=one, loss_check=check)
    )
    return harness.finish(args, rows)


if __name__ == "__main__":
    main()
