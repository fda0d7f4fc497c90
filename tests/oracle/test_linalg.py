"""Differentiable linear algebra against torch.linalg: forward values and the gradients of a
random linear functional of the outputs (sign-invariant functionals for eigen/singular vectors)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import linalg


def _pair(torch, array):
    ours = md.tensor(array, requires_grad=True)
    theirs = torch.tensor(array, dtype=torch.float64, requires_grad=True)
    return ours, theirs


def _compare(torch, ours_fn, torch_fn, arrays, rng, atol=1e-10):
    ours, theirs = zip(*[_pair(torch, a) for a in arrays])
    out, ref = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(np.asarray(out), ref.detach().numpy(), atol=atol, rtol=1e-9)
    weights = rng.standard_normal(ref.shape)
    (out * md.tensor(weights)).sum().backward()
    (ref * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), atol=atol, rtol=1e-8)


def test_solve_inv_det_slogdet(torch, rng):
    a = rng.standard_normal((2, 4, 4)) + 2 * np.eye(4)
    b = rng.standard_normal((2, 4, 3))
    _compare(torch, linalg.solve, torch.linalg.solve, [a, b], rng)
    _compare(torch, linalg.inv, torch.linalg.inv, [a], rng)
    _compare(torch, linalg.det, torch.linalg.det, [a], rng)
    _compare(torch, lambda x: linalg.slogdet(x)[1], lambda x: torch.linalg.slogdet(x)[1], [a], rng)
    lower = np.tril(a[0]) + 3 * np.eye(4)
    _compare(
        torch,
        lambda l, y: linalg.solve_triangular(l, y),
        lambda l, y: torch.linalg.solve_triangular(l, y, upper=False),
        [lower, b[0]],
        rng,
    )


def test_cholesky(torch, rng):
    x = rng.standard_normal((4, 4))
    spd = x @ x.T + np.eye(4)
    # the gradient is taken for symmetric perturbations in both libraries (input symmetrised)
    _compare(
        torch,
        lambda a: linalg.cholesky((a + a.T) * 0.5),
        lambda a: torch.linalg.cholesky((a + a.T) * 0.5),
        [spd],
        rng,
    )


def test_eigh(torch, rng):
    x = rng.standard_normal((5, 5))
    a = x + x.T
    _compare(
        torch,
        lambda a: linalg.eigh((a + a.T) * 0.5)[0],
        lambda a: torch.linalg.eigh((a + a.T) * 0.5)[0],
        [a],
        rng,
    )
    # V V-dependent but sign-free: the projector onto the top eigenvector
    _compare(
        torch,
        lambda a: (lambda v: v[:, -1:] @ v[:, -1:].T)(linalg.eigh((a + a.T) * 0.5)[1]),
        lambda a: (lambda v: v[:, -1:] @ v[:, -1:].T)(torch.linalg.eigh((a + a.T) * 0.5)[1]),
        [a],
        rng,
    )


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_svd_pinv_norms(torch, rng, shape):
    a = rng.standard_normal(shape)
    _compare(
        torch, lambda a: linalg.svd(a, full_matrices=False)[1], lambda a: torch.linalg.svdvals(a), [a], rng
    )
    _compare(
        torch,
        lambda a: (lambda u, s, vt: (u * s) @ vt)(*linalg.svd(a, full_matrices=False)),
        lambda a: (lambda u, s, vt: (u * s) @ vt)(*torch.linalg.svd(a, full_matrices=False)),
        [a],
        rng,
    )
    _compare(
        torch,
        lambda a: (lambda u, s, vt: u[:, :1] @ vt[:1])(*linalg.svd(a, full_matrices=False)),
        lambda a: (lambda u, s, vt: u[:, :1] @ vt[:1])(*torch.linalg.svd(a, full_matrices=False)),
        [a],
        rng,
    )
    _compare(torch, linalg.pinv, torch.linalg.pinv, [a], rng)
    for ord in ("fro", "nuc", 2):
        _compare(torch, lambda a: linalg.norm(a, ord), lambda a: torch.linalg.matrix_norm(a, ord), [a], rng)


def test_batched_svd_and_eigh(torch, rng):
    a = rng.standard_normal((3, 5, 4))
    _compare(
        torch, lambda a: linalg.svd(a, full_matrices=False)[1], lambda a: torch.linalg.svdvals(a), [a], rng
    )
    b = rng.standard_normal((3, 4, 4))
    _compare(
        torch,
        lambda b: linalg.eigh(b + md.swapaxes(b, -1, -2))[0],
        lambda b: torch.linalg.eigh(b + b.transpose(-1, -2))[0],
        [b],
        rng,
    )
