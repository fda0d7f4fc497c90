"""``mathdl.nn.utils``: helpers for training networks."""

from mathdl.nn.utils import prune
from mathdl.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from mathdl.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "prune", "vector_to_parameters"]
