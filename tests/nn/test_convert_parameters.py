"""nn.utils.parameters_to_vector / vector_to_parameters."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.autograd.gradcheck import gradcheck
from mathdl.nn.utils import parameters_to_vector, vector_to_parameters


def test_round_trip_and_order():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (6 + 2 + 2 + 1,)
    np.testing.assert_array_equal(vec.array[:6], model[0].weight.array.ravel())
    vector_to_parameters(md.tensor(np.arange(11.0)), model.parameters())
    np.testing.assert_array_equal(model[0].weight.array, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.array, [10.0])
    with pytest.raises(ValueError, match="the vector has 5 entries, the parameters 11"):
        vector_to_parameters(np.zeros(5), model.parameters())


def test_vector_is_differentiable(rng):
    a = md.tensor(rng.standard_normal((2, 2)), requires_grad=True)
    b = md.tensor(rng.standard_normal(3), requires_grad=True)
    gradcheck(lambda a, b: parameters_to_vector([a, b]) ** 2, [a, b])
