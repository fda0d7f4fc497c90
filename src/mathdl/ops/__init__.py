"""Differentiable primitives, grouped by math family. Each op is a Function subclass with its
formula in the docstring; the lowercase functions are the public entries."""

from mathdl.ops.arithmetic import add, div, matmul, mul, neg, pow, sub
from mathdl.ops.einsum import einsum
from mathdl.ops.elementwise import abs, clip, exp, log, maximum, minimum, relu, sigmoid, sqrt, tanh, where
from mathdl.ops.grid_sampling import affine_grid, grid_sample
from mathdl.ops.reduction import log_softmax, logsumexp, max, mean, min, softmax, sum, var
from mathdl.ops.resampling import interpolate, pixel_shuffle, pixel_unshuffle
from mathdl.ops.shape import (
    broadcast_to,
    cat,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    pad,
    reshape,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
    unsqueeze,
)

__all__ = [
    "abs",
    "add",
    "broadcast_to",
    "cat",
    "clip",
    "concatenate",
    "div",
    "einsum",
    "exp",
    "expand_dims",
    "flatten",
    "getitem",
    "log",
    "log_softmax",
    "logsumexp",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mul",
    "neg",
    "pad",
    "pixel_shuffle",
    "pixel_unshuffle",
    "pow",
    "relu",
    "reshape",
    "sigmoid",
    "softmax",
    "sqrt",
    "squeeze",
    "stack",
    "sub",
    "sum",
    "sum_to",
    "swapaxes",
    "tanh",
    "transpose",
    "unsqueeze",
    "var",
    "where",
]
