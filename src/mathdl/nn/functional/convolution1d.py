"""One-dimensional convolution and pooling (``F.conv1d``, ``F.max_pool1d``, ``F.avg_pool1d``) as
the 2-D ops on a height-1 image: x (N, C, L) is viewed as (N, C, 1, L) and the kernel (O, C/g, K)
as (O, C/g, 1, K), so

    y[n, o, t] = b[o] + Σ_c Σ_k w[o, c, k] · x[n, c, s·t + d·k − p]

and its gradients are exactly those of ``ops.convolution`` / ``ops.pooling`` (no new Function).
Unbatched inputs (C, L) are accepted, as PyTorch.
"""

import numbers

from mathdl.autograd.function import as_tensor
from mathdl.ops.convolution import conv2d
from mathdl.ops.pooling import avg_pool2d, max_pool2d
from mathdl.ops.shape import reshape


def _single(value, name, where):
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"{where}: {name} must be an int or a 1-tuple, got {value!r}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be an int, got {value!r}")
    return int(value)


def _as_image(input, where):
    input = as_tensor(input)
    if input.ndim not in (2, 3):
        raise ValueError(f"{where}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {input.shape}")
    batched = input if input.ndim == 3 else reshape(input, (1,) + input.shape)
    return reshape(batched, batched.shape[:2] + (1, batched.shape[2])), input.ndim == 2


def _as_sequence(image, unbatched):
    y = reshape(image, image.shape[:2] + (image.shape[3],))
    return reshape(y, y.shape[1:]) if unbatched else y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation (``F.conv1d``): input (N, C, L), weight (O, C/groups, K), bias (O,) →
    (N, O, L_out), L_out = ⌊(L + 2p − d(K − 1) − 1)/s⌋ + 1. ``padding``: int, 'valid' or 'same'.

    >>> import mathdl as md
    >>> md.nn.functional.conv1d(md.ones(1, 1, 5), md.ones(1, 1, 3)).tolist()
    [[[3.0, 3.0, 3.0]]]
    """
    where = "conv1d"
    image, unbatched = _as_image(input, where)
    weight = as_tensor(weight)
    if weight.ndim != 3:
        raise ValueError(
            f"{where}: weight must be 3-D (out_channels, in_channels/groups, K), got shape {weight.shape}"
        )
    if not isinstance(padding, str):
        padding = (0, _single(padding, "padding", where))
    stride, dilation = (1, _single(stride, "stride", where)), (1, _single(dilation, "dilation", where))
    kernel = reshape(weight, weight.shape[:2] + (1, weight.shape[2]))
    return _as_sequence(conv2d(image, kernel, bias, stride, padding, dilation, groups), unbatched)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum over windows of ``kernel_size`` (``F.max_pool1d``): (N, C, L) → (N, C, L_out).

    >>> import mathdl as md
    >>> md.nn.functional.max_pool1d(md.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).tolist()
    [[[3.0, 2.0]]]
    """
    if return_indices:
        raise ValueError("max_pool1d: return_indices=True is not supported")
    where = "max_pool1d"
    image, unbatched = _as_image(input, where)
    kernel = (1, _single(kernel_size, "kernel_size", where))
    stride = kernel if stride is None else (1, _single(stride, "stride", where))
    pooled = max_pool2d(
        image,
        kernel,
        stride,
        (0, _single(padding, "padding", where)),
        (1, _single(dilation, "dilation", where)),
        ceil_mode,
    )
    return _as_sequence(pooled, unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean over windows of ``kernel_size`` (``F.avg_pool1d``): (N, C, L) → (N, C, L_out).

    >>> import mathdl as md
    >>> md.nn.functional.avg_pool1d(md.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).tolist()
    [[[2.0, 1.0]]]
    """
    where = "avg_pool1d"
    image, unbatched = _as_image(input, where)
    kernel = (1, _single(kernel_size, "kernel_size", where))
    stride = kernel if stride is None else (1, _single(stride, "stride", where))
    pooled = avg_pool2d(
        image, kernel, stride, (0, _single(padding, "padding", where)), ceil_mode, count_include_pad
    )
    return _as_sequence(pooled, unbatched)
