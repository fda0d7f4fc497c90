"""The table printed by ``mathdl gradcheck``: one row per differentiable op (every ``Function``
subclass in mathdl), its formula, and how well its gradient agrees with central finite
differences (float64) and with PyTorch's autograd.

Each row evaluates L(x) = ⟨v, f(x)⟩ for a random cotangent v and compares ∇L from our backward,
element by element, with (a) central differences and (b) ``torch.autograd`` on the same inputs.
As ``torch.autograd.gradcheck``, an element passes when

    |analytic − numerical| ≤ ATOL + RTOL · |numerical|         (ATOL = 1e-6, RTOL = 1e-4)

(the tolerance is per element, never scaled by the largest gradient), and the PyTorch column
passes when values and gradients agree within 1e-10 + 1e-8 · |torch|.

ADDING A ROW (one line in ``CASES`` of ``mathdl/autograd/gradcheck_cases.py``;
``tests/autograd/test_gradcheck_coverage.py`` fails naming every Function subclass that no row
declares):

    row(Exp, "exp", "y = e^x", [normal((6,))], md.exp, lambda x: x.exp()),

``row(covers, name, formula, inputs, function, torch_function=None)``: ``covers`` is the
Function class (or a tuple of them) the row exercises (the test checks it really appears in the
row's graph); ``inputs`` are samplers (``normal``, ``positive``, ``distinct``, ``spd``, or any
``rng -> array``); ``function`` maps float64 Tensors to a Tensor or tuple of Tensors;
``torch_function`` does the same with torch tensors (``None``: no PyTorch column for this row).
Backward-only Functions (those that exist to make a gradient differentiable) are covered by a
row whose function is a gradient built with ``create_graph``: ``gradient_of(f)``.
"""

import argparse
import contextlib
import sys
from collections import namedtuple

import numpy as np

import mathdl as md
from mathdl.autograd.gradcheck import compare_gradients

ATOL = 1e-6
RTOL = 1e-4
TORCH_ATOL = 1e-10
TORCH_RTOL = 1e-8

Case = namedtuple("Case", "covers name formula inputs function torch_function context")


def row(covers, name, formula, inputs, function, torch_function=None, context=contextlib.nullcontext):
    """One table row (see the module docstring). ``context`` is a context-manager factory the
    row is evaluated inside (e.g. a one-process group for a collective), so no state leaks out."""
    covers = covers if isinstance(covers, tuple) else (covers,)
    return Case(covers, name, formula, inputs, function, torch_function, context)


def normal(shape, scale=1.0):
    return lambda rng: scale * rng.standard_normal(shape)


def positive(shape, low=0.5, high=2.0):
    return lambda rng: rng.uniform(low, high, shape)


def uniform(shape, low, high):
    return lambda rng: rng.uniform(low, high, shape)


def distinct(shape):
    """Well-separated values, so max/min/relu/abs/clip/pooling are differentiable at every point."""
    return lambda rng: rng.permutation(int(np.prod(shape))).reshape(shape) * 0.37 - 1.3


def spd(n):
    """A well-conditioned symmetric positive-definite matrix (with distinct eigenvalues)."""

    def sample(rng):
        q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        return (q * np.linspace(1.0, 3.0, n)) @ q.T

    return sample


def torch_module():
    import torch

    return torch


def gradient_of(function, wrt=0, seed=1):
    """x ↦ ∂⟨v, f(x)⟩/∂x_wrt for a fixed random v, built with ``create_graph`` (so the backward
    Functions of f are in its graph and are checked by differentiating it)."""

    def ours(*xs):
        with md.enable_grad():
            y = function(*xs)
            v = np.random.default_rng(seed).standard_normal(y.shape)
            return md.grad(y, [xs[wrt]], md.tensor(v, dtype=y.dtype), create_graph=True)[0]

    return ours


def torch_gradient_of(function, wrt=0, seed=1):
    """``gradient_of`` for a torch function."""

    def theirs(*xs):
        torch = torch_module()
        y = function(*xs)
        v = torch.tensor(np.random.default_rng(seed).standard_normal(tuple(y.shape)), dtype=y.dtype)
        return torch.autograd.grad(y, [xs[wrt]], v, create_graph=True)[0]

    return theirs


def with_seed(function, seed=0):
    """Run ``function`` with the global generator reseeded, so a random op (dropout) draws the same
    mask on every evaluation of the finite differences."""

    def seeded(*xs):
        md.manual_seed(seed)
        return function(*xs)

    return seeded


CASES = None  # None: the rows of gradcheck_cases.py (a test may put its own list here)


def _cases():
    if CASES is not None:
        return CASES
    from mathdl.autograd import gradcheck_cases

    return gradcheck_cases.CASES


def functions_in_graph(outputs):
    """The Function classes recorded in the graph behind ``outputs`` (a Tensor or a sequence)."""
    outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    seen, stack, found = set(), [y.creator for y in outputs if y.creator is not None], set()
    while stack:
        function = stack.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        found.add(type(function))
        stack.extend(x.creator for x in function.inputs if x.creator is not None)
    return found


def _functions_exercised(function, tensors, seed):
    """Function classes in the graph of f(x) and in the graph of its vector-Jacobian product for a
    cotangent that itself requires grad (so every backward Function applied is recorded)."""
    outputs = function(*tensors)
    outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
    rng = np.random.default_rng(seed)
    cotangents = [md.tensor(rng.standard_normal(y.shape), dtype=y.dtype, requires_grad=True) for y in outputs]
    used = [y for y in outputs if y.requires_grad]
    found = functions_in_graph(outputs)
    if used:
        grads = md.grad(
            used,
            tensors,
            [v for y, v in zip(outputs, cotangents) if y.requires_grad],
            create_graph=True,
            allow_unused=True,
        )
        found |= functions_in_graph([g for g in grads if g is not None])
    return found


def _element_failures(pairs):
    """(largest |a − n|, whether any element exceeds ATOL + RTOL |n|)."""
    worst, failed = 0.0, False
    for analytic, numerical in pairs:
        if analytic.size == 0:
            continue
        error = np.abs(analytic - numerical)
        worst = max(worst, float(error.max()))
        failed |= bool(np.any(error > ATOL + RTOL * np.abs(numerical)))
    return worst, failed


def _torch_error(case, arrays, seed):
    """(max |ours − torch| over values and gradients, pass?) for the same inputs and cotangents."""
    if case.torch_function is None:
        return None, True
    try:
        torch = torch_module()
    except ImportError:
        return None, True
    ours = [md.tensor(x, requires_grad=True) for x in arrays]
    theirs = [torch.tensor(x, requires_grad=True) for x in arrays]
    ys, zs = case.function(*ours), case.torch_function(*theirs)
    ys = list(ys) if isinstance(ys, (tuple, list)) else [ys]
    zs = list(zs) if isinstance(zs, (tuple, list)) else [zs]
    rng = np.random.default_rng(seed)
    cotangents = [rng.standard_normal(y.shape) for y in ys]
    grads = md.grad(ys, ours, [md.tensor(v) for v in cotangents], allow_unused=True)
    torch_grads = torch.autograd.grad(zs, theirs, [torch.tensor(v) for v in cotangents], allow_unused=True)
    pairs = [(y.array, z.detach().numpy()) for y, z in zip(ys, zs)]
    for x, g, t in zip(arrays, grads, torch_grads):
        pairs.append(
            (np.zeros(x.shape) if g is None else g.array, np.zeros(x.shape) if t is None else t.numpy())
        )
    worst, ok = 0.0, True
    for a, b in pairs:
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
            ok &= bool(np.all(np.abs(a - b) <= TORCH_ATOL + TORCH_RTOL * np.abs(b)))
    return worst, ok


def check(case, seed=0):
    """(finite-difference error, torch error or None, pass?, Function classes seen) for one row."""
    rng = np.random.default_rng(seed)
    arrays = [make(rng) for make in case.inputs]
    tensors = [md.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    with case.context():
        seen = _functions_exercised(case.function, tensors, seed)
        pairs = compare_gradients(case.function, tensors, eps=1e-6, seed=seed)
        fd_error, fd_failed = _element_failures(pairs)
        torch_error, torch_ok = _torch_error(case, arrays, seed)
    return fd_error, torch_error, (not fd_failed) and torch_ok, seen


def _selected(case, names):
    if not names:
        return True
    keys = {case.name, case.name.split(" ")[0]} | {c.__name__ for c in case.covers}
    return bool(keys & set(names))


def run(seed=0, names=None, stream=None):
    """Print the table; return True when every row passes."""
    stream = stream or sys.stdout
    rows, all_pass = [], True
    for case in _cases():
        if not _selected(case, names):
            continue
        fd_error, torch_error, ok, _ = check(case, seed)
        all_pass &= ok
        rows.append(
            (
                "/".join(c.__name__ for c in case.covers),
                case.name,
                case.formula,
                f"{fd_error:.1e}",
                "n/a" if torch_error is None else f"{torch_error:.1e}",
                "pass" if ok else "FAIL",
            )
        )
    _print_table(rows, stream)
    return all_pass


def _print_table(rows, stream):
    header = ("Function", "op", "formula", "vs finite diff", "vs PyTorch", "result")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line, file=stream)
    print("-" * len(line), file=stream)
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)), file=stream)
    torch_note = "" if _torch_available() else " (PyTorch not installed: its column is n/a)"
    passed = sum(r[-1] == "pass" for r in rows)
    print(f"\n{passed} passed, {len(rows) - passed} failed{torch_note}", file=stream)
    print(
        f"(per element: |analytic - numerical| <= {ATOL:g} + {RTOL:g}·|numerical|; "
        f"PyTorch: <= {TORCH_ATOL:g} + {TORCH_RTOL:g}·|torch|)",
        file=stream,
    )


def _torch_available():
    try:
        torch_module()
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
        help="check only this op or Function class (repeatable); default: all",
    )
    args = parser.parse_args(argv)
    known = set()
    for case in _cases():
        known |= {case.name, case.name.split(" ")[0]} | {c.__name__ for c in case.covers}
    for name in args.ops or ():
        if name not in known:
            parser.error(f"unknown op {name!r}; choose from: {', '.join(sorted(known))}")
    return 0 if run(seed=args.seed, names=args.ops) else 1
