"""einsum: values against np.einsum, float64 finite differences (first and second order) for
every subscript form, dtype, and the errors of a malformed call."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck

CASES = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->ij", [(3, 3, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i", [(4,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
    ("...ij,jk", [(2, 2, 3), (3, 2)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i,ij,j->", [(3,), (3, 4), (4,)]),
    ("ij,j->i", [(3, 4), (1,)]),
    ("ab,ab,ab->a", [(2, 3), (2, 3), (2, 3)]),
]


@pytest.mark.parametrize("subscripts,shapes", CASES, ids=[c[0] for c in CASES])
def test_einsum_values_and_gradients(rng, subscripts, shapes):
    xs = [md.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    y = md.einsum(subscripts, *xs)
    np.testing.assert_allclose(y.array, np.einsum(subscripts, *[x.array for x in xs]), rtol=1e-12, atol=1e-14)
    assert gradcheck(lambda *ts: md.einsum(subscripts, *ts), xs)
    assert gradgradcheck(lambda *ts: md.einsum(subscripts, *ts) ** 2, xs)


def test_einsum_known_results():
    a = md.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert md.einsum("ii", a).item() == 5.0
    np.testing.assert_array_equal(md.einsum("ii->i", a).array, [1.0, 4.0])
    md.einsum("ii", a).backward()  # ∂ trace / ∂A = I
    np.testing.assert_array_equal(a.grad.array, np.eye(2))
    a.grad = None
    (md.einsum("ii->i", a) * md.tensor([2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.array, [[2.0, 0.0], [0.0, 3.0]])
    np.testing.assert_array_equal(md.einsum("ij,jk", a, a).array, (a @ a).array)
    np.testing.assert_array_equal(md.einsum("ij->ji", a).array, a.array.T)
    np.testing.assert_array_equal(md.einsum("i,j->ij", [a[0], a[1]]).array, np.outer([1, 2], [3, 4]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_einsum_keeps_dtype(dtype):
    a = md.tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    b = md.tensor(np.ones((3, 2), dtype=dtype), requires_grad=True)
    y = md.einsum("ij,jk->ik", a, b)
    assert y.dtype == dtype
    y.sum().backward()
    assert a.grad.dtype == dtype and b.grad.dtype == dtype


def test_einsum_errors_name_the_problem():
    a, b = md.ones(2, 3), md.ones(4, 5)
    with pytest.raises(ValueError, match=r"einsum: subscript 'j' has size 4 in operand 1 but 3 elsewhere"):
        md.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match=r"einsum: output subscript 'k' appears in no operand"):
        md.einsum("ij->k", a)
    with pytest.raises(ValueError, match=r"einsum: subscripts 'ij,jk' name 2 operands, got 1"):
        md.einsum("ij,jk", a)
    with pytest.raises(
        ValueError,
        match=r"einsum: operand 0 has shape \(2, 3\) \(2 dimensions\) but "
        r"subscripts 'ijk' name 3",
    ):
        md.einsum("ijk", a)
    with pytest.raises(ValueError, match="einsum: invalid subscript"):
        md.einsum("i1", a)
    with pytest.raises(ValueError, match="einsum: needs at least one operand"):
        md.einsum("ij")
