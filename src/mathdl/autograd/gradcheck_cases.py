"""The rows of ``mathdl gradcheck``: one per Function subclass (how to add one: the docstring of
``gradcheck_report``). Grouped by the file the Function lives in."""

import contextlib

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import audio
from mathdl.autograd.gradcheck_report import (
    distinct,
    gradient_of,
    normal,
    positive,
    row,
    spd,
    torch_gradient_of,
    uniform,
    with_seed,
)
from mathdl.autograd.gradcheck_report import torch_module as T
from mathdl.nn.functional.activation import DropoutFunction
from mathdl.nn.functional.attention import (
    PackedSelfAttention,
    ScaledDotProductAttention,
    SplitHeads,
    split_heads,
)
from mathdl.nn.functional.embedding_lstm import EmbeddingLSTMSequence
from mathdl.nn.functional.layer_norm_linear import LayerNormLinearFunction
from mathdl.nn.functional.linear import LinearFunction, LinearReLUFunction, LinearResidualFunction
from mathdl.nn.functional.loss import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    NLLLoss,
    SoftCrossEntropy,
)
from mathdl.nn.functional.normalization import BatchNormFunction, LayerNormFunction
from mathdl.nn.functional.recurrent import GRUSequence, LSTMProjectedSequence, LSTMSequence, RNNSequence
from mathdl.nn.functional.sequence_loss import SequenceCrossEntropy
from mathdl.nn.functional.sparse import EmbeddingLookup
from mathdl.ops import arithmetic as A
from mathdl.ops import convolution as C
from mathdl.ops import elementwise as W
from mathdl.ops import grid_sampling as GS
from mathdl.ops import indexing as IX
from mathdl.ops import inplace as IP
from mathdl.ops import movement as MV
from mathdl.ops import pooling as P
from mathdl.ops import reduction as R
from mathdl.ops import resampling as RS
from mathdl.ops import shape as S
from mathdl.ops import sorting as SO
from mathdl.ops import special as X
from mathdl.ops import spectral as SP
from mathdl.ops import trigonometric as G
from mathdl.ops.collective import AllReduceSum
from mathdl.ops.einsum import DiagonalEmbed, Einsum
from mathdl.ops.linalg_functions import (
    SVD,
    Cholesky,
    Determinant,
    Eigh,
    Inverse,
    LogAbsDeterminant,
    Solve,
    SolveTriangular,
)
from mathdl.ops.special import Ndtri

MASK = np.array([[True, False, True], [False, True, False]])
LABELS = np.array([2, 0, 1, 2])
EMBEDDED_IDS = np.array(
    [[0, 3], [1, 1], [3, 2]]
)  # (T, B) indices into a 4-row table (row 2 read once, 1 twice)


def _tnn():
    return T().nn.functional


def _torch_packed_attention(qkv):
    """PyTorch's scaled_dot_product_attention on the heads of a packed (B, L, 3·2·d) projection."""
    batch, length, width = qkv.shape
    heads = qkv.reshape(batch, length, 3, 2, width // 6).permute(2, 0, 3, 1, 4)
    out = _tnn().scaled_dot_product_attention(heads[0], heads[1], heads[2], is_causal=True)
    return out.permute(0, 2, 1, 3).reshape(batch, length, width // 3)


def _conv(x, w):
    return md.nn.functional.conv2d(x, w, stride=1, padding=1)


def _torch_conv(x, w):
    return _tnn().conv2d(x, w, stride=1, padding=1)


def _rnn_torch(xw, h, w_hh, step):
    outputs = []
    for t in range(xw.shape[0]):
        h = step(xw[t], h, w_hh)
        outputs.append(h)
    return T().stack(outputs), h


def _lstm_torch(xw, h, c, w):
    torch, hidden, outputs = T(), h.shape[-1], []
    for t in range(xw.shape[0]):
        a = xw[t] + h @ w.T
        i, f, g, o = (a[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outputs.append(h)
    return torch.stack(outputs), h, c


def _gru_torch(xw, h, w, b):
    torch, hidden, outputs = T(), h.shape[-1], []
    for t in range(xw.shape[0]):
        hw = h @ w.T + b
        r = torch.sigmoid(xw[t, :, :hidden] + hw[:, :hidden])
        z = torch.sigmoid(xw[t, :, hidden : 2 * hidden] + hw[:, hidden : 2 * hidden])
        n = torch.tanh(xw[t, :, 2 * hidden :] + r * hw[:, 2 * hidden :])
        h = (1 - z) * n + z * h
        outputs.append(h)
    return torch.stack(outputs), h


def _sequence_ce(z):
    mask = np.array([[1, 1, 0], [1, 0, 0]], dtype=bool)
    return F.sequence_cross_entropy(z, np.array([[1, 3, 0], [2, 2, 2]]), mask=mask)


def _torch_sequence_ce(z):
    targets = T().tensor([[1, 3, -100], [2, -100, -100]])
    return _tnn().cross_entropy(z.reshape(-1, 4), targets.reshape(-1))


# one row per line: the table reads as a table
@contextlib.contextmanager
def _one_rank_group():
    """A one-process MPI group for the row's evaluation, torn down after it (unless one existed)."""
    from mathdl import distributed

    made = not distributed.is_initialized()
    if made:
        distributed.init_process_group("mpi", world_size=1)
    try:
        yield
    finally:
        if made:
            distributed.destroy_process_group()


def _all_reduce_one_rank(x):
    from mathdl.distributed.nn.functional import all_reduce

    return all_reduce(x * x)


def _grid(rng):
    return rng.uniform(-0.9, 0.9, (1, 3, 3, 2))


def _stft(x):
    return audio.stft(x, 8, hop_length=2, window=audio.hann_window(8, dtype=np.float64))


def _torch_stft(x):
    return T().stft(x, 8, hop_length=2, window=T().hann_window(8, dtype=T().float64), return_complex=True)


def _istft(real, imag):
    spectrum = audio.ComplexTensor(real, imag)
    return audio.istft(spectrum, 8, hop_length=2, window=audio.hann_window(8, dtype=np.float64))


def _torch_istft(real, imag):
    window = T().hann_window(8, dtype=T().float64)
    return T().istft(T().complex(real, imag), 8, hop_length=2, window=window)


GATHER_INDEX = np.array([[0, 2], [1, 1], [3, 0]])
SCATTER_INDEX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # distinct rows per column: scatter is defined


def _gather(x):
    return md.gather(x, 1, GATHER_INDEX)


def _torch_gather(x):
    return T().gather(x, 1, T().tensor(GATHER_INDEX))


def _fill_then_use(x):
    return (x * 2).fill_(0.5) + x  # the same text runs on torch tensors


def _copy_then_use(x, s):
    return (x * 2).copy_(s) * x


def _index_put_then_use(x, v):
    y = x * 2
    y[0] = v
    return y * x


# fmt: off
CASES = [
    # ops/arithmetic.py
    row(A.Add, "add", "z = a + b (broadcast)", [normal((3, 4)), normal((4,))], lambda a, b: a + b, lambda a, b: a + b),
    row(A.Sub, "sub", "z = a - b", [normal((3, 4)), normal((3, 1))], lambda a, b: a - b, lambda a, b: a - b),
    row(A.Mul, "mul", "z = a * b", [normal((2, 3)), normal((2, 3))], lambda a, b: a * b, lambda a, b: a * b),
    row(A.Div, "div", "z = a / b", [normal((2, 3)), positive((2, 3))], lambda a, b: a / b, lambda a, b: a / b),
    row(A.Neg, "neg", "z = -x", [normal((4,))], lambda x: -x, lambda x: -x),
    row(A.PowConstant, "pow", "z = x^3", [normal((5,))], lambda x: x**3, lambda x: x**3),
    row(A.Pow, "pow (tensor)", "z = a^b", [positive((4,)), normal((4,))], lambda a, b: a**b, lambda a, b: a**b),
    row(A.MatMul, "matmul", "Z = A B", [normal((3, 4)), normal((4, 2))], lambda a, b: a @ b, lambda a, b: a @ b),
    row(A.MatMul, "matmul (batched)", "Z[i] = A[i] B", [normal((2, 3, 4)), normal((4, 5))], lambda a, b: a @ b, lambda a, b: a @ b),
    row(A.MatMul, "matmul (vector)", "z = A v", [normal((3, 4)), normal((4,))], lambda a, b: a @ b, lambda a, b: a @ b),
    row(A.Identity, "clone", "y = x", [normal((3,))], lambda x: x.clone(), lambda x: x.clone()),
    row(A.Cast, "cast", "y = x as float64", [normal((3,))], lambda x: A.Cast(np.float64)(x), lambda x: x.double()),
    # ops/elementwise.py
    row(W.Exp, "exp", "y = e^x", [normal((6,))], md.exp, lambda x: x.exp()),
    row(W.Log, "log", "y = ln x", [positive((6,))], md.log, lambda x: x.log()),
    row(W.Sqrt, "sqrt", "y = sqrt(x)", [positive((6,))], md.sqrt, lambda x: x.sqrt()),
    row(W.Abs, "abs", "y = |x|", [distinct((6,))], md.abs, lambda x: x.abs()),
    row(W.Tanh, "tanh", "y = tanh x", [normal((6,))], md.tanh, lambda x: x.tanh()),
    row(W.Sigmoid, "sigmoid", "y = 1 / (1 + e^-x)", [normal((6,))], md.sigmoid, lambda x: x.sigmoid()),
    row(W.ReLU, "relu", "y = max(x, 0)", [distinct((6,))], md.relu, lambda x: x.relu()),
    row(W.Clip, "clip", "y = min(max(x, lo), hi)", [distinct((6,))], lambda x: md.clip(x, -0.5, 0.5), lambda x: x.clamp(-0.5, 0.5)),
    row(W.Maximum, "maximum", "z = max(a, b)", [distinct((5,)), normal((5,))], md.maximum, lambda a, b: a.maximum(b)),
    row(W.Minimum, "minimum", "z = min(a, b)", [distinct((5,)), normal((5,))], md.minimum, lambda a, b: a.minimum(b)),
    row(W.Where, "where", "z = c ? a : b", [normal((2, 3)), normal((2, 3))], lambda a, b: md.where(MASK, a, b), lambda a, b: T().where(T().tensor(MASK), a, b)),
    row(W.Square, "square", "y = x^2", [normal((5,))], md.square, lambda x: x.square()),
    row(W.Reciprocal, "reciprocal", "y = 1/x", [positive((5,))], md.reciprocal, lambda x: x.reciprocal()),
    row(W.Rsqrt, "rsqrt", "y = 1/sqrt(x)", [positive((5,))], md.rsqrt, lambda x: x.rsqrt()),
    row(W.Log1p, "log1p", "y = ln(1 + x)", [uniform((5,), -0.5, 2.0)], md.log1p, lambda x: x.log1p()),
    row(W.Expm1, "expm1", "y = e^x - 1", [normal((5,))], md.expm1, lambda x: x.expm1()),
    row(W.Rounding, "floor", "y = floor x (zero gradient)", [uniform((5,), 0.1, 0.9)], md.floor, lambda x: x.floor()),
    row(W.Rounding, "round", "y = round x (zero gradient)", [uniform((5,), 0.1, 0.4)], md.round, lambda x: x.round()),
    row(W.Softplus, "softplus", "y = log(1 + e^(bx))/b", [normal((6,), 3.0)], lambda x: md.softplus(x, 2.0, 30.0), lambda x: _tnn().softplus(x, 2.0, 30.0)),
    # ops/trigonometric.py, ops/special.py
    row(G.Sin, "sin", "y = sin x", [normal((5,))], md.sin, lambda x: x.sin()),
    row(G.Cos, "cos", "y = cos x", [normal((5,))], md.cos, lambda x: x.cos()),
    row(G.Tan, "tan", "y = tan x", [uniform((5,), -1.2, 1.2)], md.tan, lambda x: x.tan()),
    row(G.Asin, "asin", "y = arcsin x", [uniform((5,), -0.9, 0.9)], md.asin, lambda x: x.asin()),
    row(G.Acos, "acos", "y = arccos x", [uniform((5,), -0.9, 0.9)], md.acos, lambda x: x.acos()),
    row(G.Atan, "atan", "y = arctan x", [normal((5,))], md.atan, lambda x: x.atan()),
    row(G.Atan2, "atan2", "z = atan2(a, b)", [normal((2, 3)), normal((3,))], md.atan2, lambda a, b: T().atan2(a, b)),
    row(G.Sinh, "sinh", "y = sinh x", [normal((5,))], md.sinh, lambda x: x.sinh()),
    row(G.Cosh, "cosh", "y = cosh x", [normal((5,))], md.cosh, lambda x: x.cosh()),
    row(X.Erf, "erf", "y = erf x", [normal((6,))], md.erf, lambda x: x.erf()),
    row(X.Erfc, "erfc", "y = 1 - erf x", [normal((6,))], md.erfc, lambda x: x.erfc()),
    row(Ndtri, "ndtri", "x = Phi^-1(p)", [uniform((5,), 0.05, 0.95)], md.stats.ndtri, lambda p: T().special.ndtri(p)),
    # ops/reduction.py
    row(R.Sum, "sum", "y = sum_i x_i (axis 1)", [normal((3, 4))], lambda x: x.sum(axis=1), lambda x: x.sum(dim=1)),
    row(R.Mean, "mean", "y = (1/n) sum_i x_i", [normal((3, 4))], lambda x: x.mean(axis=0), lambda x: x.mean(dim=0)),
    row(R.Var, "var", "y = sum (x - mean)^2 / (n - 1)", [normal((3, 4))], lambda x: x.var(axis=1), lambda x: x.var(dim=1)),
    row(R.MaxMin, "max", "y = max_i x_i", [distinct((3, 4))], lambda x: x.max(), lambda x: x.max()),
    row(R.MaxMin, "min", "y = min_i x_i", [distinct((3, 4))], lambda x: x.min(), lambda x: x.min()),
    row(R.LogSumExp, "logsumexp", "y = m + log sum exp(x - m)", [normal((3, 4))], lambda x: md.logsumexp(x, axis=1), lambda x: x.logsumexp(dim=1)),
    row(R.Softmax, "softmax", "y_i = e^x_i / sum_j e^x_j", [normal((3, 4))], lambda x: md.softmax(x, axis=1), lambda x: x.softmax(dim=1)),
    row(R.LogSoftmax, "log_softmax", "y_i = x_i - logsumexp(x)", [normal((3, 4))], lambda x: md.log_softmax(x, axis=1), lambda x: x.log_softmax(dim=1)),
    # ops/shape.py
    row(S.Reshape, "reshape", "y = x viewed as (2, 6)", [normal((3, 4))], lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6)),
    row(S.Transpose, "transpose", "y = x^T (axes 2,0,1)", [normal((2, 3, 4))], lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1)),
    row(S.Reshape, "flatten", "y = x flattened from dim 1", [normal((2, 3, 4))], lambda x: x.flatten(1), lambda x: x.flatten(1)),
    row(S.BroadcastTo, "broadcast_to", "y = x repeated to (3, 4)", [normal((1, 4))], lambda x: md.broadcast_to(x, (3, 4)), lambda x: x.expand(3, 4)),
    row(S.SumTo, "sum_to", "y = x summed to (1, 4)", [normal((3, 4))], lambda x: md.sum_to(x, (1, 4)), lambda x: x.sum_to_size(1, 4)),
    row(S.GetItem, "index (slices)", "y = x[1:, ::2]", [normal((3, 4))], lambda x: x[1:, ::2], lambda x: x[1:, ::2]),
    row(S.GetItem, "index (int array)", "y = x[[0, 2, 0]]", [normal((3, 4))], lambda x: x[[0, 2, 0]], lambda x: x[[0, 2, 0]]),
    row(S.GetItem, "index (bool mask)", "y = x[mask]", [normal((2, 3))], lambda x: x[MASK], lambda x: x[T().tensor(MASK)]),
    row(S.ScatterAdd, "scatter_add", "d/dx of x[[0, 2, 0]] (create_graph)", [normal((3, 4))], gradient_of(lambda x: x[[0, 2, 0]] ** 2), torch_gradient_of(lambda x: x[[0, 2, 0]] ** 2)),
    row(S.Concatenate, "concatenate", "y = [a; b]", [normal((2, 3)), normal((4, 3))], lambda a, b: md.concatenate([a, b]), lambda a, b: T().cat([a, b])),
    row(S.Stack, "stack", "y[i] = x_i", [normal((2, 3)), normal((2, 3))], lambda a, b: md.stack([a, b], axis=1), lambda a, b: T().stack([a, b], dim=1)),
    row(S.Pad, "pad", "y = x padded with 0", [normal((2, 3))], lambda x: md.pad(x, ((1, 0), (2, 1))), lambda x: _tnn().pad(x, (2, 1, 1, 0))),
    # ops/einsum.py
    row(Einsum, "einsum", "C_ik = sum_j A_ij B_jk", [normal((3, 4)), normal((4, 2))], lambda a, b: md.einsum("ij,jk->ik", a, b), lambda a, b: T().einsum("ij,jk->ik", a, b)),
    row(Einsum, "einsum (trace)", "y = sum_i A_ii", [normal((4, 4))], lambda a: md.einsum("ii", a), lambda a: T().einsum("ii", a)),
    row(DiagonalEmbed, "einsum (diagonal)", "d/dA of diag(A)^2 (create_graph)", [normal((3, 3))], gradient_of(lambda a: md.einsum("ii->i", a) ** 2), torch_gradient_of(lambda a: T().einsum("ii->i", a) ** 2)),
    # ops/convolution.py, ops/pooling.py
    row(C.Conv2d, "conv2d", "y = b + w * x (padding 1)", [normal((2, 2, 4, 4)), normal((3, 2, 3, 3))], _conv, _torch_conv),
    row(C.Conv2dGradInput, "conv2d grad input", "d/dx <v, w * x> (create_graph)", [normal((1, 2, 4, 4)), normal((3, 2, 3, 3))], gradient_of(lambda x, w: _conv(x * x, w)), torch_gradient_of(lambda x, w: _torch_conv(x * x, w))),
    row(C.Conv2dGradWeight, "conv2d grad weight", "d/dw <v, w * x> (create_graph)", [normal((1, 2, 4, 4)), normal((3, 2, 3, 3))], gradient_of(lambda x, w: _conv(x, w * w), 1), torch_gradient_of(lambda x, w: _torch_conv(x, w * w), 1)),
    row(P.MaxPool2d, "max_pool2d", "y = max over 2x2 windows", [distinct((1, 2, 4, 4))], lambda x: F.max_pool2d(x, 2), lambda x: _tnn().max_pool2d(x, 2)),
    row((P.MaxPool2dScatter, P.MaxPool2dGather), "max_pool2d grad", "d/dx <v, maxpool(x)^2> (create_graph)", [distinct((1, 1, 4, 4))], gradient_of(lambda x: F.max_pool2d(x, 2) ** 2), torch_gradient_of(lambda x: _tnn().max_pool2d(x, 2) ** 2)),
    row(P.AvgPool2d, "avg_pool2d", "y = mean over 2x2 windows", [normal((1, 2, 4, 4))], lambda x: F.avg_pool2d(x, 2), lambda x: _tnn().avg_pool2d(x, 2)),
    row(P.AvgPool2dScatter, "avg_pool2d grad", "d/dx <v, avgpool(x)^2> (create_graph)", [normal((1, 1, 4, 4))], gradient_of(lambda x: F.avg_pool2d(x, 2) ** 2), torch_gradient_of(lambda x: _tnn().avg_pool2d(x, 2) ** 2)),
    # linalg
    row(Cholesky, "cholesky", "A = L L^T", [spd(3)], lambda a: md.linalg.cholesky((a + a.T) * 0.5), lambda a: T().linalg.cholesky((a + a.T) * 0.5)),
    row(Eigh, "eigh", "A = V diag(w) V^T (w, V*V)", [spd(3)], lambda a: _eigh_invariants(md.linalg.eigh((a + a.T) * 0.5)), lambda a: _eigh_invariants(T().linalg.eigh((a + a.T) * 0.5))),
    row(SVD, "svd", "A = U diag(s) V^T (s, U V^T)", [normal((4, 3))], lambda a: _svd_invariants(md.linalg.svd(a, full_matrices=False)), lambda a: _svd_invariants(T().linalg.svd(a, full_matrices=False))),
    row(Solve, "solve", "x = A^-1 b", [spd(3), normal((3, 2))], md.linalg.solve, lambda a, b: T().linalg.solve(a, b)),
    row(SolveTriangular, "solve_triangular", "x = L^-1 b", [spd(3), normal((3, 2))], lambda a, b: md.linalg.solve_triangular(a * md.tensor(np.tril(np.ones((3, 3)))), b), lambda a, b: T().linalg.solve_triangular(T().tril(a), b, upper=False)),
    row(Inverse, "inv", "Y = A^-1", [spd(3)], md.linalg.inv, lambda a: T().linalg.inv(a)),
    row(Determinant, "det", "y = det A", [spd(3)], md.linalg.det, lambda a: T().linalg.det(a)),
    row(LogAbsDeterminant, "slogdet", "y = log |det A|", [spd(3)], lambda a: md.linalg.slogdet(a)[1], lambda a: T().linalg.slogdet(a)[1]),
    # nn/functional
    row(LinearFunction, "linear", "y = x W^T + b", [normal((4, 3)), normal((2, 3)), normal((2,))], F.linear, lambda x, w, b: _tnn().linear(x, w, b)),
    row(LinearReLUFunction, "linear_relu", "y = max(x W^T + b, 0)", [normal((2, 4, 3)), normal((5, 3)), normal((5,))], F.linear_relu, lambda x, w, b: _tnn().relu(_tnn().linear(x, w, b))),
    row(LinearResidualFunction, "linear_residual", "y = x W^T + b + r", [normal((2, 4, 3)), normal((5, 3)), normal((5,)), normal((2, 4, 5))], F.linear_residual, lambda x, w, b, r: _tnn().linear(x, w, b) + r),
    row(LinearResidualFunction, "linear_residual (no bias)", "y = x W^T + r", [normal((4, 3)), normal((5, 3)), normal((4, 5))], lambda x, w, r: F.linear_residual(x, w, None, r), lambda x, w, r: _tnn().linear(x, w) + r),
    row(LayerNormLinearFunction, "layer_norm_linear", "y = (g xhat + beta) W^T + b", [normal((2, 3, 4)), positive((4,)), normal((4,)), normal((5, 4)), normal((5,))], lambda x, g, be, w, b: F.layer_norm_linear(x, g, be, w, b), lambda x, g, be, w, b: _tnn().linear(_tnn().layer_norm(x, (4,), g, be), w, b)),
    row(LayerNormLinearFunction, "layer_norm_linear (relu)", "y = max((g xhat + beta) W^T + b, 0)", [normal((3, 4)), positive((4,)), normal((4,)), normal((5, 4)), normal((5,))], lambda x, g, be, w, b: F.layer_norm_linear(x, g, be, w, b, relu=True), lambda x, g, be, w, b: _tnn().relu(_tnn().linear(_tnn().layer_norm(x, (4,), g, be), w, b))),
    row(DropoutFunction, "dropout", "y = x * m / (1 - p) (fixed mask)", [normal((3, 4))], with_seed(lambda x: F.dropout(x, 0.5))),
    row(CrossEntropy, "cross_entropy", "l = logsumexp(z) - z_y", [normal((4, 3))], lambda z: F.cross_entropy(z, LABELS, label_smoothing=0.1), lambda z: _tnn().cross_entropy(z, T().tensor(LABELS), label_smoothing=0.1)),
    row(SoftCrossEntropy, "cross_entropy (probs)", "l = -sum_k p_k log softmax(z)_k", [normal((4, 3)), positive((4, 3))], lambda z, p: F.cross_entropy(z, p / p.sum(axis=1, keepdims=True)), lambda z, p: _tnn().cross_entropy(z, p / p.sum(dim=1, keepdim=True))),
    row(NLLLoss, "nll_loss", "l = -x_y", [normal((4, 3))], lambda x: F.nll_loss(x, LABELS), lambda x: _tnn().nll_loss(x, T().tensor(LABELS))),
    row(BinaryCrossEntropy, "binary_cross_entropy", "l = -(y log p + (1-y) log(1-p))", [uniform((5,), 0.1, 0.9), uniform((5,), 0.0, 1.0)], F.binary_cross_entropy, lambda p, y: _tnn().binary_cross_entropy(p, y)),
    row(BinaryCrossEntropyWithLogits, "binary_cross_entropy_with_logits", "l = max(x,0) - x y + log(1+e^-|x|)", [normal((5,)), uniform((5,), 0.0, 1.0)], F.binary_cross_entropy_with_logits, lambda x, y: _tnn().binary_cross_entropy_with_logits(x, y)),
    row(BatchNormFunction, "batch_norm", "y = g (x - mu)/sqrt(var + eps) + b", [normal((4, 3)), positive((3,)), normal((3,))], lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True), lambda x, g, b: _tnn().batch_norm(x, None, None, g, b, training=True)),
    row(LayerNormFunction, "layer_norm", "y = g (x - mu)/sqrt(var + eps) + b", [normal((2, 4)), positive((4,)), normal((4,))], lambda x, g, b: F.layer_norm(x, (4,), g, b), lambda x, g, b: _tnn().layer_norm(x, (4,), g, b)),
    row(EmbeddingLookup, "embedding", "y = W[idx]", [normal((5, 3))], lambda w: F.embedding(np.array([[0, 4], [4, 2]]), w), lambda w: _tnn().embedding(T().tensor([[0, 4], [4, 2]]), w)),
    row(SequenceCrossEntropy, "sequence_cross_entropy", "l = sum_t m_t CE(z_t, y_t) / sum m", [normal((2, 3, 4))], _sequence_ce, _torch_sequence_ce),
    row(RNNSequence, "rnn sequence", "h_t = tanh(xw_t + h W^T)", [normal((3, 2, 4)), normal((2, 4)), normal((4, 4), 0.5)], lambda xw, h, w: RNNSequence()(xw, h, w), lambda xw, h, w: _rnn_torch(xw, h, w, lambda a, h, w: T().tanh(a + h @ w.T))),
    row(LSTMSequence, "lstm sequence", "c_t = f c + i g, h_t = o tanh c_t", [normal((3, 2, 8)), normal((2, 2)), normal((2, 2)), normal((8, 2), 0.5)], lambda xw, h, c, w: LSTMSequence()(xw, h, c, w), _lstm_torch),
    row(LSTMProjectedSequence, "lstm sequence (projection inside)", "xw = x W_ih^T + b, then the LSTM", [normal((3, 2, 5)), normal((8, 5), 0.5), normal((2, 2)), normal((2, 2)), normal((8, 2), 0.5), normal((8,))], lambda x, wi, h, c, w, b: LSTMProjectedSequence()(x, wi, h, c, w, b), lambda x, wi, h, c, w, b: _lstm_torch(x @ wi.T + b, h, c, w)),
    row(EmbeddingLSTMSequence, "lstm sequence (embedding rows as input)", "xw = (E W_ih^T + b)[ids], then the LSTM", [normal((4, 5)), normal((8, 5), 0.5), normal((2, 2)), normal((2, 2)), normal((8, 2), 0.5), normal((8,))], lambda e, wi, h, c, w, b: EmbeddingLSTMSequence(EMBEDDED_IDS)(e, wi, h, c, w, b), lambda e, wi, h, c, w, b: _lstm_torch(_tnn().embedding(T().tensor(EMBEDDED_IDS), e) @ wi.T + b, h, c, w)),
    row(GRUSequence, "gru sequence", "h_t = (1 - z) n + z h", [normal((3, 2, 6)), normal((2, 2)), normal((6, 2), 0.5), normal((6,))], lambda xw, h, w, b: GRUSequence()(xw, h, w, b), _gru_torch),
    row(ScaledDotProductAttention, "scaled_dot_product_attention", "O = softmax(Q K^T s + M) V", [normal((2, 3, 4)), normal((2, 5, 4)), normal((2, 5, 3))], F.scaled_dot_product_attention, lambda q, k, v: _tnn().scaled_dot_product_attention(q, k, v)),
    row(ScaledDotProductAttention, "scaled_dot_product_attention (causal)", "M_ij = -inf for j > i", [normal((2, 4, 3)), normal((2, 4, 3)), normal((2, 4, 2))], lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), lambda q, k, v: _tnn().scaled_dot_product_attention(q, k, v, is_causal=True)),
    row(ScaledDotProductAttention, "scaled_dot_product_attention (causal, query blocks)", "keys j > i skipped", [normal((2, 8, 3)), normal((2, 8, 3)), normal((2, 8, 2))], lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), lambda q, k, v: _tnn().scaled_dot_product_attention(q, k, v, is_causal=True)),
    row(PackedSelfAttention, "packed_self_attention (causal)", "O_a = softmax(Q_a K_a^T s + M) V_a", [normal((2, 8, 12))], lambda x: F.packed_self_attention(x, 2, is_causal=True), _torch_packed_attention),
    row(SplitHeads, "split_heads", "out_j[b, a, l] = x[b, l, (j h + a) d : ...]", [normal((2, 3, 12))], lambda x: split_heads(x, 3, 2), lambda x: tuple(x.reshape(2, 3, 3, 2, 2)[:, :, j].permute(0, 2, 1, 3) for j in range(3))),
    # ops/resampling.py, ops/grid_sampling.py
    row(RS.Resample1d, "interpolate (bicubic)", "y_j = sum_i w_ji x_i (a = -0.75)", [normal((1, 1, 3, 4))], lambda x: F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False), lambda x: _tnn().interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)),
    row(RS.PixelShuffle, "pixel_shuffle", "y[c, rh+i, rw+j] = x[c r^2 + i r + j, h, w]", [normal((1, 4, 2, 3))], lambda x: F.pixel_shuffle(x, 2), lambda x: _tnn().pixel_shuffle(x, 2)),
    row(RS.PixelUnshuffle, "pixel_unshuffle", "inverse of pixel_shuffle", [normal((1, 1, 4, 6))], lambda x: F.pixel_unshuffle(x, 2), lambda x: _tnn().pixel_unshuffle(x, 2)),
    row(GS.AffineGrid, "affine_grid", "g = theta [x, y, 1]^T", [normal((1, 2, 3))], lambda t: F.affine_grid(t, (1, 1, 3, 4), align_corners=False), lambda t: _tnn().affine_grid(t, (1, 1, 3, 4), align_corners=False)),
    row((GS.BilinearSample, GS.GatherPixels), "grid_sample", "y = sum_corners w x[corner]", [normal((1, 2, 4, 5)), _grid], lambda x, g: F.grid_sample(x, g, align_corners=False), lambda x, g: _tnn().grid_sample(x, g, align_corners=False)),
    row(GS.ScatterPixels, "grid_sample grad", "d/dx <v, grid_sample(x)^2> (create_graph)", [normal((1, 2, 4, 5)), _grid], gradient_of(lambda x, g: F.grid_sample(x, g, align_corners=False) ** 2), torch_gradient_of(lambda x, g: _tnn().grid_sample(x, g, align_corners=False) ** 2)),
    # distributed/nn/functional.py
    row(AllReduceSum, "all_reduce (one rank)", "y = sum_ranks x", [normal((3,))], _all_reduce_one_rank, lambda x: x * x, _one_rank_group),
    # audio/ (framing, DFT, complex modulus and argument)
    row((SP.Frames, SP.RealDFT, SP.ComplexAbs), "stft magnitude", "|X[k, m]| = |sum_n w_n x[mH + n] e^(-2 pi i k n / N)|", [normal((20,))], lambda x: _stft(x).abs(), lambda x: _torch_stft(x).abs()),
    row(SP.ComplexAngle, "stft phase", "arg X[k, m] = atan2(Im X, Re X)", [normal((20,))], lambda x: _stft(x).angle()[1:4], lambda x: _torch_stft(x).angle()[1:4]),
    row((SP.RealDFTAdjoint, SP.OverlapAdd), "istft", "x = sum_m w (IDFT X_m) shifted by mH / sum_m w^2", [normal((5, 7)), normal((5, 7))], _istft, _torch_istft),
    # ops/indexing.py, ops/movement.py, ops/sorting.py, ops/inplace.py, the std reduction
    row(R.Std, "std", "y = sqrt(sum (x - mean)^2 / (n - 1))", [normal((3, 4))], lambda x: x.std(dim=1), lambda x: x.std(dim=1)),
    row(IX.Gather, "gather", "y[i, j] = x[i, index[i, j]]", [normal((3, 4))], _gather, _torch_gather),
    row(IX.ScatterAddInto, "gather grad", "d/dx <v, gather(x)^2> (create_graph)", [normal((3, 4))], gradient_of(lambda x: _gather(x) ** 2), torch_gradient_of(lambda x: _torch_gather(x) ** 2)),
    row(IX.Scatter, "scatter", "y = x with y[index[i, j], j] = src[i, j]", [normal((3, 4)), normal((2, 4))], lambda x, s: md.scatter(x, 0, SCATTER_INDEX, s), lambda x, s: T().scatter(x, 0, T().tensor(SCATTER_INDEX), s)),
    row(IX.ScatterAddAlong, "scatter_add", "y = x with y[index[i, j], j] += src[i, j]", [normal((3, 4)), normal((2, 4))], lambda x, s: md.scatter_add(x, 0, SCATTER_INDEX, s), lambda x, s: T().scatter_add(x, 0, T().tensor(SCATTER_INDEX), s)),
    row(MV.Repeat, "repeat", "y = x tiled (2, 1)", [normal((2, 3))], lambda x: x.repeat(2, 1), lambda x: x.repeat(2, 1)),
    row(MV.Flip, "flip", "y[i] = x[n - 1 - i]", [normal((3, 4))], lambda x: md.flip(x, (0,)), lambda x: T().flip(x, (0,))),
    row(MV.Roll, "roll", "y[i] = x[(i - s) mod n]", [normal((3, 4))], lambda x: md.roll(x, 1, 1), lambda x: T().roll(x, 1, 1)),
    row(MV.Triangle, "tril", "y = x below the diagonal, 0 above", [normal((3, 4))], md.tril, lambda x: T().tril(x)),
    row(SO.CumSum, "cumsum", "y_i = sum_{j <= i} x_j", [normal((3, 4))], lambda x: md.cumsum(x, 1), lambda x: T().cumsum(x, 1)),
    row(IP.Overwrite, "fill_ (non-leaf)", "y = c; dy/dx = 0", [normal((4,))], _fill_then_use, _fill_then_use),
    row(IP.CopyFrom, "copy_ (non-leaf)", "y = s broadcast; dy/ds = 1", [normal((2, 3)), normal((3,))], _copy_then_use, _copy_then_use),
    row(IP.IndexPut, "index assignment (non-leaf)", "y = x with y[0] = v", [normal((2, 3)), normal((3,))], _index_put_then_use, _index_put_then_use),
]
# fmt: on


def _eigh_invariants(result):
    w, v = result
    return w, v * v  # an eigenvector's sign is arbitrary; v ⊙ v is not


def _svd_invariants(result):
    u, s, vt = result
    return s, u @ vt  # the signs of a singular pair cancel in U Vᵀ
