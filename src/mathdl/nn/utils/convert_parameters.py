"""Flatten parameters into one vector and back (for methods that see a model as a point in ℝⁿ:
line searches, second-order methods, weight averaging)."""

import numpy as np

from mathdl.autograd.function import as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.shape import concatenate, reshape


def parameters_to_vector(parameters):
    """θ = concat(vec(p₁), vec(p₂), …): one 1-D tensor of all parameter entries, in order.
    Differentiable (gradients flow back to each parameter), like PyTorch's."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return concatenate([reshape(p, (-1,)) for p in params], axis=0)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (no gradient);
    ``vec`` must have exactly as many entries as the parameters together."""
    data = vec.array if isinstance(vec, Tensor) else np.asarray(as_tensor(vec).array)
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    if data.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector, got shape {data.shape}")
    total = sum(p.array.size for p in params)
    if data.size != total:
        raise ValueError(f"vector_to_parameters: the vector has {data.size} entries, the parameters {total}")
    offset = 0
    for p in params:
        size = p.array.size
        p.array[...] = data[offset : offset + size].reshape(p.array.shape)
        offset += size
