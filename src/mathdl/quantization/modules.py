"""Quantised Linear and Conv2d layers (inference only) and ``quantize_model``.

Post-training static quantisation: weights are int8, symmetric, per output channel (or per
tensor); each layer's input is uint8 (affine, per tensor) with a scale and zero point calibrated
by a ``MinMaxObserver`` on a few batches. A quantised layer takes a float input, quantises it with
its calibrated parameters, multiplies in integers with int32 accumulation (``integer_ops``) and
returns the float y = s_x s_w acc + b, so it drops into any float network. Inputs beyond the
calibrated range are clipped to it.
"""

import copy

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.nn.layers.conv import Conv2d
from mathdl.nn.layers.linear import Linear
from mathdl.nn.module import Module
from mathdl.ops.convolution import Geometry, _padding
from mathdl.quantization.affine import quantize
from mathdl.quantization.integer_ops import integer_conv2d, integer_linear
from mathdl.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver


def _quantized_weight(weight, per_channel):
    observer = (
        PerChannelMinMaxObserver(0, "int8", "symmetric")
        if per_channel
        else MinMaxObserver("int8", "symmetric")
    )
    observer(weight)
    scale, zero_point = observer.calculate_qparams()
    scale = np.broadcast_to(scale, (weight.shape[0],)).copy()
    zero_point = np.broadcast_to(zero_point, (weight.shape[0],)).copy()
    return quantize(weight, scale, zero_point, "int8", axis=0), scale, zero_point


class _QuantizedLayer(Module):
    """Holds the int8 weight, its per-channel scales, the float bias and the input's qparams."""

    def _store(self, layer, input_observer, per_channel):
        weight = np.asarray(layer.weight.array, dtype=np.float64)
        weight_q, weight_scale, weight_zero_point = _quantized_weight(weight, per_channel)
        self.register_buffer("weight", Tensor(weight_q))
        self.register_buffer("weight_scale", Tensor(weight_scale))
        self.register_buffer("weight_zero_point", Tensor(weight_zero_point))
        bias = None if layer.bias is None else np.array(layer.bias.array, dtype=np.float32)
        self.register_buffer("bias", None if bias is None else Tensor(bias))
        input_scale, input_zero_point = input_observer.calculate_qparams()
        self.input_dtype = input_observer.dtype
        self.register_buffer("input_scale", Tensor(np.asarray(input_scale, dtype=np.float64)))
        self.register_buffer("input_zero_point", Tensor(np.asarray(input_zero_point, dtype=np.int64)))

    def _quantize_input(self, x):
        array = np.asarray(x.array if isinstance(x, Tensor) else x, dtype=np.float64)
        return quantize(array, self.input_scale.array, self.input_zero_point.array, self.input_dtype)

    def _output(self, acc, channel_axis):
        shape = [1] * acc.ndim
        shape[channel_axis] = -1
        y = acc * (float(self.input_scale.array) * self.weight_scale.array).reshape(shape)
        if self.bias is not None:
            y = y + self.bias.array.reshape(shape)
        return Tensor(y.astype(np.float32))


class QuantizedLinear(_QuantizedLayer):
    """y = s_x s_w (q_x − z_x)(q_w)ᵀ + b with int32 accumulation; input (…, in) → (…, out) float32."""

    def __init__(self, layer, input_observer, per_channel=True):
        super().__init__()
        self.in_features, self.out_features = layer.in_features, layer.out_features
        self._store(layer, input_observer, per_channel)

    def forward(self, x):
        q = self._quantize_input(x)
        leading = q.shape[:-1]
        acc = integer_linear(q.reshape(-1, q.shape[-1]), self.input_zero_point.array, self.weight.array, 0)
        return self._output(acc, 1).reshape(leading + (self.out_features,))

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


def _geometry(layer):
    padding = layer.padding
    if padding == "valid":
        padding = 0
    elif padding == "same":
        padding = tuple(
            (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
            for k, d in zip(layer.kernel_size, layer.dilation)
        )
    return Geometry(layer.kernel_size, layer.stride, _padding(padding, "QuantizedConv2d"), layer.dilation, 1)


class QuantizedConv2d(_QuantizedLayer):
    """A Conv2d (groups = 1) computed as an int8 im2col product with int32 accumulation."""

    def __init__(self, layer, input_observer, per_channel=True):
        super().__init__()
        if layer.groups != 1:
            raise ValueError(f"QuantizedConv2d: only groups=1 has an integer path, got groups={layer.groups}")
        self.in_channels, self.out_channels = layer.in_channels, layer.out_channels
        self.geometry = _geometry(layer)
        self._store(layer, input_observer, per_channel)

    def forward(self, x):
        q = self._quantize_input(x)
        unbatched = q.ndim == 3
        q = q[None] if unbatched else q
        acc = integer_conv2d(q, self.input_zero_point.array, self.weight.array, 0, self.geometry)
        y = self._output(acc, 1)
        return y.reshape(y.shape[1:]) if unbatched else y

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.geometry.kernel}, int8"


QUANTIZED = {Linear: QuantizedLinear, Conv2d: QuantizedConv2d}


def _replaceable(model):
    return [
        (parent, name, child)
        for parent in model.modules()
        for name, child in parent.named_children()
        if type(child) in QUANTIZED
    ]


def quantize_model(model, calibration_batches, per_channel=True, activation_dtype="uint8"):
    """A copy of ``model`` whose Linear and Conv2d layers run the int8 path (the original is untouched).

    calibration_batches: a few batches (inputs, or (inputs, targets) pairs) run through the float
    copy in eval mode to record each layer's input range. per_channel: weight scales per output
    channel (else one per tensor). Returns the quantised model in eval mode.
    """
    quantized = copy.deepcopy(model)
    quantized.eval()
    targets = _replaceable(quantized)
    if not targets:
        raise ValueError("quantize_model: the model has no Linear or Conv2d layer to quantise")
    observers = {id(child): MinMaxObserver(activation_dtype, "affine") for _, _, child in targets}
    handles = [
        child.register_forward_pre_hook(lambda module, args: observers[id(module)](args[0]))
        for _, _, child in targets
    ]
    seen = 0
    try:
        with grad_mode.no_grad():
            for batch in calibration_batches:
                inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
                quantized(inputs if isinstance(inputs, Tensor) else Tensor(np.asarray(inputs)))
                seen += 1
    finally:
        for handle in handles:
            handle.remove()
    if seen == 0:
        raise ValueError("quantize_model: calibration_batches yielded no batch")
    for parent, name, child in targets:
        replacement = QUANTIZED[type(child)](child, observers[id(child)], per_channel)
        parent._modules[name] = replacement  # in place, so a Sequential keeps its order
        object.__setattr__(parent, name, replacement)
    return quantized


def model_size_bytes(model):
    """Bytes of every parameter and buffer in ``model.state_dict()`` (int8 weights count one byte each)."""
    return int(sum(value.array.nbytes for value in model.state_dict().values()))
