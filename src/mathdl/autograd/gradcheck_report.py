"""The table printed by ``mathdl gradcheck``: every op, its formula, and how well its gradient agrees
with central finite differences (float64) and, when PyTorch is installed, with PyTorch's autograd.

Each row evaluates L(x) = ⟨v, f(x)⟩ for a random cotangent v, compares ∇L from our backward with
(a) central differences and (b) ``torch.autograd`` on the same inputs; pass means both errors are
below 1e-6 (relative to the gradient's scale).
"""

import argparse
import sys

import numpy as np

import mathdl as md
from mathdl.autograd.gradcheck import compare_gradients

TOLERANCE = 1e-6


def _positive(shape):
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def _normal(shape):
    return lambda rng: rng.standard_normal(shape)


def _distinct(shape):
    # well-separated values, so max/min/relu/abs/clip are differentiable at every point we test
    return lambda rng: rng.permutation(np.prod(shape)).reshape(shape) * 0.37 - 1.3


# (name, formula, inputs, mathdl function, torch function)
CASES = [
    (
        "add",
        "z = a + b (broadcast)",
        [_normal((3, 4)), _normal((4,))],
        lambda a, b: a + b,
        lambda a, b: a + b,
    ),
    ("sub", "z = a - b", [_normal((3, 4)), _normal((3, 1))], lambda a, b: a - b, lambda a, b: a - b),
    ("mul", "z = a * b", [_normal((2, 3)), _normal((2, 3))], lambda a, b: a * b, lambda a, b: a * b),
    ("div", "z = a / b", [_normal((2, 3)), _positive((2, 3))], lambda a, b: a / b, lambda a, b: a / b),
    ("neg", "z = -x", [_normal((4,))], lambda x: -x, lambda x: -x),
    ("pow", "z = x^3", [_normal((5,))], lambda x: x**3, lambda x: x**3),
    ("pow (tensor)", "z = a^b", [_positive((4,)), _normal((4,))], lambda a, b: a**b, lambda a, b: a**b),
    ("matmul", "Z = A B", [_normal((3, 4)), _normal((4, 2))], lambda a, b: a @ b, lambda a, b: a @ b),
    (
        "matmul (batched)",
        "Z[i] = A[i] B",
        [_normal((2, 3, 4)), _normal((4, 5))],
        lambda a, b: a @ b,
        lambda a, b: a @ b,
    ),
    ("matmul (vector)", "z = A v", [_normal((3, 4)), _normal((4,))], lambda a, b: a @ b, lambda a, b: a @ b),
    ("exp", "y = e^x", [_normal((6,))], md.exp, lambda x: x.exp()),
    ("log", "y = ln x", [_positive((6,))], md.log, lambda x: x.log()),
    ("sqrt", "y = sqrt(x)", [_positive((6,))], md.sqrt, lambda x: x.sqrt()),
    ("abs", "y = |x|", [_distinct((6,))], md.abs, lambda x: x.abs()),
    ("tanh", "y = tanh x", [_normal((6,))], md.tanh, lambda x: x.tanh()),
    ("sigmoid", "y = 1 / (1 + e^-x)", [_normal((6,))], md.sigmoid, lambda x: x.sigmoid()),
    ("relu", "y = max(x, 0)", [_distinct((6,))], md.relu, lambda x: x.relu()),
    (
        "clip",
        "y = min(max(x, lo), hi)",
        [_distinct((6,))],
        lambda x: md.clip(x, -0.5, 0.5),
        lambda x: x.clamp(-0.5, 0.5),
    ),
    ("maximum", "z = max(a, b)", [_distinct((5,)), _normal((5,))], md.maximum, lambda a, b: a.maximum(b)),
    ("minimum", "z = min(a, b)", [_distinct((5,)), _normal((5,))], md.minimum, lambda a, b: a.minimum(b)),
    (
        "where",
        "z = c ? a : b",
        [_normal((2, 3)), _normal((2, 3))],
        lambda a, b: md.where(np.array([[True, False, True], [False, True, False]]), a, b),
        lambda a, b: _torch().where(_torch().tensor([[True, False, True], [False, True, False]]), a, b),
    ),
    ("sum", "y = sum_i x_i (axis 1)", [_normal((3, 4))], lambda x: x.sum(axis=1), lambda x: x.sum(dim=1)),
    ("mean", "y = (1/n) sum_i x_i", [_normal((3, 4))], lambda x: x.mean(axis=0), lambda x: x.mean(dim=0)),
    (
        "var",
        "y = sum (x - mean)^2 / (n - 1)",
        [_normal((3, 4))],
        lambda x: x.var(axis=1),
        lambda x: x.var(dim=1),
    ),
    (
        "max",
        "y = max_i x_i",
        [_distinct((3, 4))],
        lambda x: x.max(dim=1).values,
        lambda x: x.max(dim=1).values,
    ),
    ("min", "y = min_i x_i", [_distinct((3, 4))], lambda x: x.min(), lambda x: x.min()),
    (
        "logsumexp",
        "y = m + log sum exp(x - m)",
        [_normal((3, 4))],
        lambda x: md.logsumexp(x, axis=1),
        lambda x: x.logsumexp(dim=1),
    ),
    (
        "softmax",
        "y_i = e^x_i / sum_j e^x_j",
        [_normal((3, 4))],
        lambda x: md.softmax(x, axis=1),
        lambda x: x.softmax(dim=1),
    ),
    (
        "log_softmax",
        "y_i = x_i - logsumexp(x)",
        [_normal((3, 4))],
        lambda x: md.log_softmax(x, axis=1),
        lambda x: x.log_softmax(dim=1),
    ),
    (
        "reshape",
        "y = x viewed as (2, 6)",
        [_normal((3, 4))],
        lambda x: x.reshape(2, 6),
        lambda x: x.reshape(2, 6),
    ),
    (
        "transpose",
        "y = x^T (axes 2,0,1)",
        [_normal((2, 3, 4))],
        lambda x: x.transpose(2, 0, 1),
        lambda x: x.permute(2, 0, 1),
    ),
    (
        "flatten",
        "y = x flattened from dim 1",
        [_normal((2, 3, 4))],
        lambda x: x.flatten(1),
        lambda x: x.flatten(1),
    ),
    ("index (slices)", "y = x[1:, ::2]", [_normal((3, 4))], lambda x: x[1:, ::2], lambda x: x[1:, ::2]),
    (
        "index (int array)",
        "y = x[[0, 2, 0]] (scatter-add)",
        [_normal((3, 4))],
        lambda x: x[[0, 2, 0]],
        lambda x: x[[0, 2, 0]],
    ),
    (
        "index (bool mask)",
        "y = x[mask]",
        [_normal((3, 4))],
        lambda x: x[np.arange(12).reshape(3, 4) % 3 == 0],
        lambda x: x[_torch().tensor(np.arange(12).reshape(3, 4) % 3 == 0)],
    ),
    (
        "concatenate",
        "y = [a; b]",
        [_normal((2, 3)), _normal((4, 3))],
        lambda a, b: md.concatenate([a, b]),
        lambda a, b: _torch().cat([a, b]),
    ),
    (
        "stack",
        "y[i] = x_i",
        [_normal((2, 3)), _normal((2, 3))],
        lambda a, b: md.stack([a, b], axis=1),
        lambda a, b: _torch().stack([a, b], dim=1),
    ),
    (
        "pad",
        "y = x padded with 0",
        [_normal((2, 3))],
        lambda x: md.pad(x, ((1, 0), (2, 1))),
        lambda x: _torch().nn.functional.pad(x, (2, 1, 1, 0)),
    ),
    (
        "einsum",
        "C_ik = sum_j A_ij B_jk",
        [_normal((3, 4)), _normal((4, 2))],
        lambda a, b: md.einsum("ij,jk->ik", a, b),
        lambda a, b: _torch().einsum("ij,jk->ik", a, b),
    ),
    (
        "einsum (trace)",
        "y = sum_i A_ii",
        [_normal((4, 4))],
        lambda a: md.einsum("ii", a),
        lambda a: _torch().einsum("ii", a),
    ),
]


def _torch():
    import torch

    return torch


def _torch_error(case_inputs, function, torch_function, seed):
    """Max |our gradient − torch's gradient| for the same inputs and cotangent."""
    try:
        torch = _torch()
    except ImportError:
        return None
    rng = np.random.default_rng(seed)
    ours = [md.tensor(x, requires_grad=True) for x in case_inputs]
    y = function(*ours)
    cotangent = rng.standard_normal(y.shape)
    grads = md.grad(y, ours, md.tensor(cotangent), allow_unused=True)
    theirs = [torch.tensor(x, requires_grad=True) for x in case_inputs]
    z = torch_function(*theirs)
    forward_error = float(np.max(np.abs(z.detach().numpy() - y.array))) if y.array.size else 0.0
    torch_grads = torch.autograd.grad(z, theirs, torch.tensor(cotangent), allow_unused=True)
    errors = [forward_error]
    for g, t in zip(grads, torch_grads):
        a = np.zeros(0) if g is None else g.array
        b = np.zeros_like(a) if t is None else t.numpy()
        errors.append(float(np.max(np.abs(a - b))) if a.size else 0.0)
    return max(errors)


def run(seed=0, names=None, stream=None):
    """Print the table; return True when every row passes."""
    stream = stream or sys.stdout
    rows = []
    all_pass = True
    for name, formula, makers, function, torch_function in CASES:
        if names and name.split(" ")[0] not in names and name not in names:
            continue
        rng = np.random.default_rng(seed)
        arrays = [make(rng) for make in makers]
        tensors = [md.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
        pairs = compare_gradients(function, tensors, eps=1e-6, seed=seed)
        fd_error = max((float(np.max(np.abs(a - n))) if a.size else 0.0) for a, n in pairs)
        scale = max((float(np.max(np.abs(n))) if n.size else 0.0) for _, n in pairs)
        torch_error = _torch_error(arrays, function, torch_function, seed)
        ok = fd_error <= TOLERANCE * max(1.0, scale) and (torch_error is None or torch_error <= 1e-10)
        all_pass &= ok
        rows.append(
            (
                name,
                formula,
                f"{fd_error:.1e}",
                "n/a" if torch_error is None else f"{torch_error:.1e}",
                "pass" if ok else "FAIL",
            )
        )
    header = ("op", "formula", "vs finite diff", "vs PyTorch", "result")
    widths = [max(len(str(row[i])) for row in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line, file=stream)
    print("-" * len(line), file=stream)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)), file=stream)
    torch_note = "" if _torch_available() else " (PyTorch not installed: its column is n/a)"
    print(
        f"\n{sum(r[-1] == 'pass' for r in rows)} passed, {sum(r[-1] != 'pass' for r in rows)} failed"
        f"{torch_note}",
        file=stream,
    )
    return all_pass


def _torch_available():
    try:
        _torch()
        return True
    except ImportError:
        return False


def main(argv=None):
    """``mathdl gradcheck [--seed N] [--op NAME ...]``: print the table; exit code 1 on any failure."""
    parser = argparse.ArgumentParser(prog="mathdl gradcheck", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs and cotangents")
    parser.add_argument(
        "--op",
        action="append",
        dest="ops",
        metavar="NAME",
        help="check only this op (repeatable); default: all",
    )
    args = parser.parse_args(argv)
    known = {case[0].split(" ")[0] for case in CASES} | {case[0] for case in CASES}
    for name in args.ops or ():
        if name not in known:
            parser.error(f"unknown op {name!r}; choose from: {', '.join(sorted(known))}")
    return 0 if run(seed=args.seed, names=args.ops) else 1
