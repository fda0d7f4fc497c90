"""reshape, transpose, swapaxes, flatten, squeeze, unsqueeze, broadcast_to, sum_to, concatenate,
stack, pad: float64 finite differences (first and second order), values, and errors."""

import numpy as np
import pytest

import mathdl as md
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


def leaf(rng, shape):
    return md.tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)


SHAPE_OPS = {
    "reshape": lambda x: x.reshape(4, 3),
    "reshape -1": lambda x: x.reshape((-1, 2)),
    "view": lambda x: x.view(12),
    "transpose": lambda x: x.transpose(1, 2, 0),
    "transpose reverse": lambda x: x.transpose(),
    "permute": lambda x: x.permute(2, 0, 1),
    "swapaxes": lambda x: x.swapaxes(0, -1),
    "flatten": lambda x: x.flatten(),
    "flatten 1": lambda x: md.flatten(x, 1),
    "flatten 0..1": lambda x: x.flatten(0, 1),
    "squeeze": lambda x: x.reshape(2, 1, 3, 2, 1).squeeze(),
    "squeeze axis": lambda x: x.reshape(2, 1, 6).squeeze(1),
    "unsqueeze": lambda x: x.unsqueeze(1),
    "unsqueeze -1": lambda x: md.unsqueeze(x, -1),
    "broadcast_to": lambda x: md.broadcast_to(x, (2, 2, 3, 2)),
    "expand": lambda x: x.reshape(2, 1, 3, 2).expand(2, 4, 3, 2),
    "sum_to": lambda x: md.sum_to(x, (3, 1)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_op_gradients(rng, name):
    x = leaf(rng, (2, 3, 2))
    fn = SHAPE_OPS[name]
    assert gradcheck(fn, [x])
    assert gradgradcheck(lambda t: fn(t) ** 2, [x])


JOIN_OPS = {
    "concatenate": lambda x: md.concatenate([x, x * 2.0], axis=1),
    "stack": lambda x: md.stack([x, x], axis=0),
    "pad": lambda x: md.pad(x, 1, value=0.5),
    "getitem": lambda x: x[[0, 0], 1:],
}


@pytest.mark.parametrize("name", sorted({**SHAPE_OPS, **JOIN_OPS}))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, dtype):
    x = md.tensor(np.ones((2, 3, 2), dtype=dtype), requires_grad=True)
    y = {**SHAPE_OPS, **JOIN_OPS}[name](x)
    assert y.dtype == dtype
    y.sum().backward()
    assert x.grad.dtype == dtype


def test_shape_values():
    x = md.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(x.T.array, np.arange(6.0).reshape(2, 3).T)
    assert x.reshape(3, -1).shape == (3, 2)
    assert x.flatten().shape == (6,)
    assert md.tensor(5.0).flatten().shape == (1,)
    assert x.unsqueeze(0).shape == (1, 2, 3) and x.unsqueeze(-1).shape == (2, 3, 1)
    assert x.reshape(1, 2, 1, 3).squeeze().shape == (2, 3)
    assert x.reshape(1, 2, 1, 3).squeeze(2).shape == (1, 2, 3)
    assert x.squeeze(0).shape == (2, 3)  # not size 1: left alone, as torch
    assert md.expand_dims(x, 1).shape == (2, 1, 3)
    assert md.swapaxes(md.zeros(2, 3, 4), 0, 2).shape == (4, 3, 2)
    np.testing.assert_array_equal(md.sum_to(md.ones(2, 3, 4), (3, 1)).array, np.full((3, 1), 8.0))


def test_broadcast_to_gradient_sums():
    x = md.tensor([[1.0], [2.0]], requires_grad=True)
    md.broadcast_to(x, (3, 2, 4)).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[12.0], [12.0]])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_gradients(rng, axis):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 2), (2, 3)], -1: [(2, 2), (2, 0), (2, 1)]}[axis]
    xs = [leaf(rng, s) for s in shapes]
    assert gradcheck(lambda *ts: md.concatenate(ts, axis=axis), xs)
    assert gradgradcheck(lambda *ts: md.concatenate([t * t for t in ts], axis), xs)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -3])
def test_stack_gradients(rng, axis):
    xs = [leaf(rng, (2, 3)) for _ in range(3)]
    assert gradcheck(lambda *ts: md.stack(ts, axis=axis), xs)
    y = md.stack(xs, axis)
    np.testing.assert_array_equal(y.array, np.stack([x.array for x in xs], axis))


@pytest.mark.parametrize("pad_width", [1, (1, 2), [(0, 1), (2, 0)], ((1, 1), (0, 0))])
def test_pad_gradients_and_values(rng, pad_width):
    x = leaf(rng, (2, 3))
    assert gradcheck(lambda t: md.pad(t, pad_width, value=0.5), [x])
    assert gradgradcheck(lambda t: md.pad(t * t, pad_width), [x])
    np.testing.assert_array_equal(
        md.pad(x, pad_width, 0.5).array, np.pad(x.array, pad_width, constant_values=0.5)
    )


def test_shape_errors_name_the_problem():
    x = md.ones(2, 3)
    with pytest.raises(
        ValueError,
        match=r"reshape: cannot reshape a tensor of shape \(2, 3\) \(6 elements\) "
        r"into shape \(4,\)",
    ):
        x.reshape(4)
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 0\) are not a permutation"):
        md.transpose(x, (0, 0))
    with pytest.raises(ValueError, match="swapaxes: axis 2 is out of range"):
        x.transpose(0, 2)  # two axes: the torch-style swap
    with pytest.raises(ValueError, match=r"transpose: axes \(1, 0, 2\) are not a permutation of the 2 axes"):
        x.transpose(1, 0, 2)
    with pytest.raises(ValueError, match="swapaxes: axis 2 is out of range for a tensor with 2 dimensions"):
        x.swapaxes(0, 2)
    with pytest.raises(ValueError, match="squeeze: axis 5 is out of range"):
        x.squeeze(5)
    with pytest.raises(ValueError, match="unsqueeze: axis 4 is out of range for a tensor with 3 dimensions"):
        x.unsqueeze(4)
    with pytest.raises(ValueError, match="flatten: start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(TypeError, match="axis must be an integer"):
        x.unsqueeze(1.0)
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to \(4, 3\)"):
        md.broadcast_to(x, (4, 3))


def test_join_errors_name_the_problem():
    with pytest.raises(
        ValueError,
        match=r"concatenate: tensors must match in all dimensions except axis 0: "
        r"tensor 0 has shape \(2, 3\), tensor 1 has shape \(2, 4\)",
    ):
        md.concatenate([md.ones(2, 3), md.ones(2, 4)])
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(2,\)"):
        md.concatenate([md.ones(2, 3), md.ones(2)], axis=1)
    with pytest.raises(ValueError, match="concatenate: axis 3 is out of range"):
        md.concatenate([md.ones(2)], axis=3)
    with pytest.raises(ValueError, match="concatenate: needs at least one tensor"):
        md.concatenate([])
    with pytest.raises(ValueError, match="concatenate: zero-dimensional tensors cannot be concatenated"):
        md.concatenate([md.tensor(1.0), md.tensor(2.0)])
    with pytest.raises(
        ValueError,
        match=r"stack: tensors must match in all dimensions: tensor 0 has shape "
        r"\(2, 3\), tensor 2 has shape \(3, 2\)",
    ):
        md.stack([md.ones(2, 3), md.ones(2, 3), md.ones(3, 2)])
    with pytest.raises(ValueError, match="stack: axis 4 is out of range"):
        md.stack([md.ones(2, 3)], axis=4)
    with pytest.raises(ValueError, match="stack: needs at least one tensor"):
        md.stack([])
    with pytest.raises(ValueError, match="pad: pad_width"):
        md.pad(md.ones(2, 3), [(1, 1), (1, 1), (1, 1)])
    with pytest.raises(ValueError, match="pad: pad widths must be non-negative"):
        md.pad(md.ones(2, 3), -1)
