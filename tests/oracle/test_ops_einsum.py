"""einsum against PyTorch: matrix products, batches, traces and diagonals (repeated subscripts),
outer products, ellipses, implicit output, sums, three operands, size-1 broadcasting."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mathdl as md

# the torch fixture only imports a module, so sharing it across examples is safe; the hypothesis
# profile (tests/conftest.py) makes runs deterministic locally and seeded-random in CI
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def compare_with_torch(torch, subscripts, shapes, seed=0, rtol=1e-10, atol=1e-12):
    """einsum values and ∂⟨g, einsum(…)⟩/∂operands of mathdl and PyTorch agree in float64."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    xs = [md.tensor(a, requires_grad=True) for a in arrays]
    y = md.einsum(subscripts, *xs)
    g = rng.standard_normal(y.shape)
    grads = md.grad(y, xs, md.tensor(g))
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ty = torch.einsum(subscripts, *ts)
    t_grads = torch.autograd.grad(ty, ts, torch.tensor(g))
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=rtol, atol=atol)
    for x, ours, theirs in zip(xs, grads, t_grads):
        assert ours.shape == x.shape
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=rtol, atol=atol)


CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),  # matrix product
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),  # batched
    ("ii", [(4, 4)]),  # trace (implicit)
    ("ii->", [(4, 4)]),  # trace (explicit)
    ("ii->i", [(4, 4)]),  # diagonal
    ("bii->bi", [(2, 3, 3)]),  # batched diagonal
    ("iij->j", [(3, 3, 2)]),  # sum of a diagonal plane
    ("i,j->ij", [(3,), (4,)]),  # outer product
    ("i,i->", [(5,), (5,)]),  # dot product
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),  # ellipsis
    ("...ij,jk", [(2, 2, 3, 4), (4, 5)]),  # ellipsis, implicit output
    ("ij,jk", [(3, 4), (4, 5)]),  # implicit: output letters sorted (ik)
    ("ba", [(3, 4)]),  # implicit transpose: output 'ab'
    ("ij->", [(3, 4)]),  # full sum
    ("ij->j", [(3, 4)]),  # column sums
    ("ij->ji", [(3, 4)]),  # transpose
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),  # three operands
    ("i,ij,j->", [(3,), (3, 4), (4,)]),  # bilinear form
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("ij,ij->ij", [(3, 4), (3, 4)]),  # elementwise product
    ("ij,kj->ikj", [(2, 3), (4, 3)]),
    ("ij,j->i", [(3, 4), (1,)]),  # size-1 broadcast of a subscript
    ("i...->...", [(3, 2, 4)]),  # ellipsis at the end
    ("ab,ab,ab->a", [(2, 3), (2, 3), (2, 3)]),  # the same letters in three operands
]


@pytest.mark.parametrize("subscripts,shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_like_torch(torch, subscripts, shapes):
    compare_with_torch(torch, subscripts, shapes)


@st.composite
def contraction(draw):
    """Two operands over random letters from 'abcd' with random sizes (sometimes 1), and an output
    of letters taken from them (implicit or explicit)."""
    sizes = dict(zip("abcd", draw(st.lists(st.integers(1, 3), min_size=4, max_size=4))))
    first = "".join(draw(st.permutations("abcd"))[: draw(st.integers(1, 3))])
    second = "".join(draw(st.permutations("abcd"))[: draw(st.integers(1, 3))])
    letters = sorted(set(first + second))
    if draw(st.booleans()):
        subscripts = f"{first},{second}"
    else:
        out = [c for c in letters if draw(st.booleans())]
        subscripts = f"{first},{second}->{''.join(draw(st.permutations(out)))}"

    # now and then an operand has size 1 for a letter: einsum broadcasts it, as NumPy does
    def shape(term):
        return tuple(1 if draw(st.integers(0, 4)) == 0 else sizes[c] for c in term)

    return subscripts, [shape(first), shape(second)]


@SETTINGS
@given(case=contraction(), seed=st.integers(0, 2**32 - 1))
def test_einsum_random_contractions_like_torch(torch, case, seed):
    subscripts, shapes = case
    compare_with_torch(torch, subscripts, shapes, seed)
