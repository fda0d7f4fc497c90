"""Layer norm followed by a linear layer (optionally a ReLU) as one op: the pre-norm transformer's
``linear(layer_norm(x))`` in front of each attention, feed-forward and output layer.

With x̂ = (x − μ)/√(σ² + ε) per row (``F.layer_norm``'s statistics over the last axis) and
u = γ ⊙ x̂ + β the layer norm's output,

    z = u Wᵀ + b = x̂ (W diag γ)ᵀ + (W β + b) = x̂ W'ᵀ + b',      y = z  or  max(z, 0)

so γ and β fold into a scaled copy W' of the (out, in) weight and a shifted bias b': no pass of
γ ⊙ x̂ + β over the (N, in) activations, and the x̂ the GEMM reads is the one backward needs (no
recomputation). x̂ is written next to a column of ones, so one GEMM [x̂ | 1] [W' | b']ᵀ adds the
bias too (no pass over the (N, out) output), and backward's z̄ᵀ [x̂ | 1] ends in the column Σₙ z̄ₙ. Backward, with z̄ = ȳ (⊙ [y > 0] after a ReLU) and P = z̄ᵀ x̂ (out, in):

    W̄ = P diag γ + (Σₙ z̄ₙ) βᵀ,    b̄ = Σₙ z̄ₙ,    γ̄ = Σ_out W ⊙ P,    β̄ = Wᵀ Σₙ z̄ₙ
    ĝ = z̄ W'  (= ū ⊙ γ),    x̄ = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε)

(the layer norm's backward of ``nn.functional.normalization`` with ū = z̄ W). With ``create_graph``
the composed ``linear(layer_norm(x))`` is differentiated instead.
"""

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.function import Function, _wrap
from mathdl.autograd.tensor import Tensor
from mathdl.nn.functional.linear import _empty, _matmul, linear, linear_relu, relu_
from mathdl.nn.functional.normalization import layer_norm
from mathdl.ops.blas_sums import sum_last

# After the ReLU, backward forms z̄ = ȳ ⊙ [y > 0] in blocks of rows of about this many bytes.
_BLOCK_BYTES = 2**20


def _normalized(x, eps):
    """[x̂ | 1] (N, n + 1) and 1/√(σ² + ε) (N,) of the rows of x (…, n): x̂ centred then scaled in
    a contiguous scratch array, then copied into the first n columns of a fresh array (from the
    workspace: every entry written here) whose last column is ones (the bias's column, below).
    (The row-broadcast passes run ~1.5× slower on the strided columns of [x̂ | 1] than on a
    contiguous array; the copy costs less than the difference.)"""
    n = x.shape[-1]
    rows = np.ascontiguousarray(x).reshape(-1, n)
    mean = (sum_last(rows) / n).astype(x.dtype, copy=False)
    x_hat = np.subtract(rows, mean[:, None], out=_empty(rows.shape, x.dtype))
    variance = np.einsum("ij,ij->i", x_hat, x_hat) / n
    rstd = (1.0 / np.sqrt(variance + eps)).astype(x.dtype, copy=False)
    x_hat *= rstd[:, None]
    augmented = _empty((rows.shape[0], n + 1), x.dtype)
    augmented[:, n] = 1.0
    augmented[:, :n] = x_hat
    return augmented, rstd


class LayerNormLinearFunction(Function):
    """y = (γ ⊙ x̂ + β) Wᵀ + b, then max(y, 0) when ``relu`` (formulas in the module docstring).

    Inputs x (…, in), γ (in,), β (in,), W (out, in), b (out,) → (…, out). Keeps [x̂ | 1] and
    1/√(σ² + ε) (and reads the output for the ReLU's mask). The column of ones carries the bias
    b' through the forward GEMM and gives Σₙ z̄ₙ as the last column of backward's z̄ᵀ [x̂ | 1]:
    no separate pass for either.
    """

    saves_output = True

    def __init__(self, eps, relu):
        self.eps, self.relu = eps, relu

    def forward(self, x, gamma, beta, weight, bias):
        self.augmented, self.rstd = _normalized(x, self.eps)
        folded = np.empty((weight.shape[0], weight.shape[1] + 1), dtype=x.dtype)  # [W' | b']
        np.multiply(weight, gamma, out=folded[:, :-1])  # W' = W diag γ
        folded[:, -1] = weight @ beta + bias  # b' = W β + b
        y = _matmul(self.augmented, folded.T)  # [x̂ | 1] [W' | b']ᵀ: the bias rides in the GEMM
        if self.relu:
            relu_(y)
        return y.reshape(*x.shape[:-1], weight.shape[0])

    def backward(self, gy):
        x, gamma, beta, weight, bias = self.inputs
        if grad_mode.is_grad_enabled():
            from mathdl.autograd.engine import grad

            layer = linear_relu if self.relu else linear
            out = layer(layer_norm(x, (x.shape[-1],), gamma, beta, self.eps), weight, bias)
            wanted = [t for t in self.inputs if t.requires_grad]
            grads = iter(grad(out, wanted, gy, create_graph=True, allow_unused=True))
            return tuple(next(grads) if t.requires_grad else None for t in self.inputs)
        g = np.ascontiguousarray(gy.array).reshape(-1, weight.shape[0])
        w = weight.array
        folded = w * gamma.array  # W' = W diag γ
        centred = None
        if x.requires_grad:  # W' − mean(W') (each row's mean over the n inputs, a GEMV)
            centred = np.subtract(folded, (sum_last(folded) / w.shape[1])[:, None], out=folded)
        product, g_hat = self._products(g, centred)  # [P | Σₙ z̄ₙ] = z̄ᵀ [x̂ | 1],  z̄ (W' − mean(W'))
        product, g_sum = product[:, :-1], product[:, -1]
        g_weight = np.multiply(product, gamma.array)
        g_weight += np.multiply.outer(g_sum, beta.array)
        g_gamma = np.einsum("ij,ij->j", w, product)
        g_x = self._input_grad(g_hat) if x.requires_grad else None
        grads = (g_x, g_gamma, g_sum @ w, g_weight, np.ascontiguousarray(g_sum))
        return tuple(None if a is None else _wrap(a, False) for a in grads)

    def _products(self, g, centred):
        """z̄ᵀ [x̂ | 1] (out, n + 1) and z̄ (W' − mean(W')) (N, n) (None when ``centred`` is None),
        with z̄ = ȳ, or ȳ ⊙ [y > 0] after the ReLU: that z̄ is formed a block of rows at a time in
        one block-sized buffer (not as a whole (N, out) array next to ȳ), and each block's share
        of z̄ᵀ [x̂ | 1] is added up."""
        rows, width = g.shape
        g_hat = None if centred is None else _empty((rows, centred.shape[1]), g.dtype)
        block = max(1, _BLOCK_BYTES // (width * g.itemsize)) if self.relu else max(rows, 1)
        if self.relu:
            y = self.outputs[0]().array.reshape(g.shape)
            z_buffer = _empty((min(block, rows), width), g.dtype)
        product = part = None
        for start in range(0, rows, block):
            stop = min(start + block, rows)
            z = g[start:stop]
            if self.relu:  # z̄ = ȳ ⊙ [y > 0] for these rows
                mask = np.greater(y[start:stop], 0, out=z_buffer[: stop - start])
                z = np.multiply(z, mask, out=mask)
            if product is None:
                product = z.T @ self.augmented[start:stop]
            else:
                part = np.matmul(z.T, self.augmented[start:stop], out=part)
                product += part
            if g_hat is not None:
                np.matmul(z, centred, out=g_hat[start:stop])
        return product, g_hat

    def _input_grad(self, g_hat):
        """x̄ = (ĝ − mean(ĝ) − x̂ ⊙ mean(ĝ ⊙ x̂)) / √(σ² + ε) from ``g_hat`` = z̄ (W' − mean(W')).

        ĝ = z̄ W' (N, n); mean(ĝ) is linear in z̄: ĝ − mean(ĝ) = z̄ (W' − mean(W')), W' with each
        row's mean over the n inputs removed, so the centring rides in the GEMM (``_products``);
        and x̂'s rows have zero mean, so mean(ĝ ⊙ x̂) is the same for the centred ĝ. The rest runs
        in place on it."""
        x_hat = self.augmented[:, :-1]
        mean_gx = np.einsum("ij,ij->i", g_hat, x_hat) / g_hat.shape[-1]
        g_hat -= x_hat * mean_gx[:, None]
        g_hat *= self.rstd[:, None]
        return g_hat.reshape(self.inputs[0].shape)


def layer_norm_linear(
    input: Tensor,
    norm_weight: Tensor,
    norm_bias: Tensor,
    weight: Tensor,
    bias: Tensor,
    eps: float = 1e-5,
    relu: bool = False,
) -> Tensor:
    """``linear(layer_norm(input, (in,), norm_weight, norm_bias, eps), weight, bias)`` (then a ReLU
    when ``relu``) as one Function. input (…, in), norm_weight γ and norm_bias β (in,), weight
    (out, in), bias (out,) → (…, out).

    >>> import mathdl as md
    >>> import mathdl.nn.functional as F
    >>> F.layer_norm_linear(md.tensor([[1.0, 3.0]]), md.ones(2), md.zeros(2), md.eye(2), md.zeros(2), eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    where = "layer_norm_linear"
    tensors = {
        "input": input,
        "norm_weight": norm_weight,
        "norm_bias": norm_bias,
        "weight": weight,
        "bias": bias,
    }
    for name, t in tensors.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {name} must be a Tensor, got {type(t).__name__}")
    n = input.shape[-1] if input.ndim else 0
    if input.ndim < 1 or weight.ndim != 2 or weight.shape[1] != n:
        raise ValueError(f"{where}: input {input.shape} must end in in_features of weight {weight.shape}")
    for name, t, size in (
        ("norm_weight", norm_weight, n),
        ("norm_bias", norm_bias, n),
        ("bias", bias, weight.shape[0]),
    ):
        if t.shape != (size,):
            raise ValueError(f"{where}: {name} must have shape ({size},), got {t.shape}")
    if len({t.dtype for t in tensors.values()}) != 1:
        raise ValueError(
            f"{where}: all tensors must share one dtype, got {[str(t.dtype) for t in tensors.values()]}"
        )
    return LayerNormLinearFunction(float(eps), bool(relu))(input, norm_weight, norm_bias, weight, bias)
