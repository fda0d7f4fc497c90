"""The nn.functional additions of issue 10: float64 finite differences (first and second order),
PyTorch's inplace= behaviour, zero-vector norms, pad errors, and the docstring examples."""

import doctest

import numpy as np
import pytest

import mathdl as md
import mathdl.nn.functional as F
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck
from mathdl.nn.functional import activation, distance, normalization, padding


def _tensor(array):
    return md.tensor(array, dtype=np.float64, requires_grad=True)


SMOOTH = {
    "gelu": F.gelu,
    "gelu tanh": lambda x: F.gelu(x, approximate="tanh"),
    "mish": F.mish,
    "softsign": F.softsign,
    "logsigmoid": F.logsigmoid,
    "tanhshrink": F.tanhshrink,
    "softmin": lambda x: F.softmin(x, 0),
    "glu": lambda x: F.glu(x, 0),
    "normalize": lambda x: F.normalize(x, dim=0),
    "normalize p=3": lambda x: F.normalize(x, p=3.0, dim=1),
    "cosine_similarity": lambda x: F.cosine_similarity(x, x * x + 1.0, dim=0),
    "pairwise_distance": lambda x: F.pairwise_distance(x, x.T),
    "group_norm": lambda x: F.group_norm(x.reshape(1, 4, 1), 2),
    "pad reflect": lambda x: F.pad(x, (1, 1, 1, 0), mode="reflect"),
    "pad replicate": lambda x: F.pad(x.reshape(1, 4, 1), (1, 2), mode="replicate"),
    "pad circular": lambda x: F.pad(x, (0, 1, 1, 1), mode="circular"),
}
KINKED = {  # piecewise: inputs are kept away from the kinks
    "hardtanh": F.hardtanh,
    "relu6": lambda x: F.relu6(x * 4),
    "hardswish": lambda x: F.hardswish(x * 4),
    "selu": F.selu,
    "celu": lambda x: F.celu(x, 0.5),
    "threshold": lambda x: F.threshold(x, 0.5, -3.0),
}


@pytest.mark.parametrize("name", sorted(SMOOTH) + sorted(KINKED))
def test_gradients_match_finite_differences(rng, name):
    function = SMOOTH.get(name) or KINKED[name]
    values = rng.uniform(-1.7, 1.7, (2, 2))
    values[np.abs(values) < 0.1] += 0.2
    for kink in (0.5, 0.75, 1.0, -0.75, -1.0):  # threshold, hardswish at ±3 (x4), hardtanh at ±1
        values[np.abs(values - kink) < 0.05] += 0.1
    x = _tensor(values)
    assert gradcheck(function, [x])
    if name in SMOOTH:
        assert gradgradcheck(function, [x])


def test_inplace_writes_into_the_input_only_when_nothing_is_recorded():
    x = md.tensor([-1.0, 2.0])
    y = F.relu(x, inplace=True)
    assert y is x and x.tolist() == [0.0, 2.0]
    w = md.tensor([-1.0, 2.0], requires_grad=True)
    z = F.relu(w, inplace=True)
    assert z is not w and w.tolist() == [-1.0, 2.0] and z.tolist() == [0.0, 2.0]
    with md.no_grad():
        h = md.nn.Hardtanh(inplace=True)(w)
    assert h is w and w.tolist() == [-1.0, 1.0]


def test_zero_vectors_have_finite_gradients():
    x = _tensor(np.zeros((2, 3)))
    F.normalize(x, dim=1).sum().backward()
    assert np.all(np.isfinite(x.grad.array))
    np.testing.assert_array_equal(F.normalize(x, dim=1).array, 0.0)
    y = _tensor(np.zeros(3))
    F.cosine_similarity(y, y, dim=0).backward()
    assert np.all(np.isfinite(y.grad.array))


def test_pad_shapes_values_and_errors():
    x = md.arange(6, dtype=np.float64).reshape(2, 3)
    assert F.pad(x, (1, 1)).shape == (2, 5) and F.pad(x, (1, 1, 2, 0)).shape == (4, 5)
    np.testing.assert_array_equal(F.pad(x, (2, 0), mode="replicate").array[0], [0, 0, 0, 1, 2])
    np.testing.assert_array_equal(F.pad(x, (1, 1), mode="circular").array[0], [2, 0, 1, 2, 0])
    np.testing.assert_array_equal(F.pad(x, (-1, 0)).array, x.array[:, 1:])
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match="smaller than the size"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="even number of integers"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match="input has 2 dimensions"):
        F.pad(x, (1, 1, 1, 1, 1, 1))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        F.gelu(md.ones(2), approximate="erf")
    with pytest.raises(ValueError, match="min_val"):
        F.hardtanh(md.ones(2), 1.0, -1.0)
    with pytest.raises(ValueError, match="not even"):
        F.glu(md.ones(3))
    with pytest.raises(ValueError, match="positive divisor"):
        F.group_norm(md.ones(2, 6), 4)
    with pytest.raises(ValueError, match="p must be a positive number"):
        F.normalize(md.ones(2, 2), p=0)
    with pytest.raises(ValueError, match="dim 3 is out of range"):
        F.normalize(md.ones(2, 2), dim=3)


@pytest.mark.parametrize("module", [activation, distance, normalization, padding])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_softmax_without_dim_follows_torchs_implicit_choice():
    x = md.tensor(np.arange(24.0).reshape(2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.array.sum(axis=0), 1.0, rtol=1e-6)  # 3-d: dim 0, as torch
    with pytest.warns(UserWarning, match="dim=1"):
        z = md.nn.Softmax()(md.tensor(np.ones((2, 5))))
    np.testing.assert_allclose(z.array.sum(axis=1), 1.0, rtol=1e-6)
    assert repr(md.nn.Softmax()) == "Softmax(dim=None)"
