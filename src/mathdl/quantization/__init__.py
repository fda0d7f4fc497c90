"""Post-training int8 quantisation: affine/symmetric quantisation per tensor and per channel,
min/max observers for calibration, integer matrix products with int32 accumulation, and
``quantize_model`` that turns a float network's Linear and Conv2d layers into integer ones.

    from mathdl.quantization import quantize_model, model_size_bytes
    int8_model = quantize_model(model, [x for x, _ in islice(loader, 4)])
"""

from mathdl.quantization.affine import calculate_qparams, dequantize, integer_range, quantize
from mathdl.quantization.integer_ops import integer_conv2d, integer_linear
from mathdl.quantization.modules import QuantizedConv2d, QuantizedLinear, model_size_bytes, quantize_model
from mathdl.quantization.observer import MinMaxObserver, PerChannelMinMaxObserver

__all__ = [
    "MinMaxObserver",
    "PerChannelMinMaxObserver",
    "QuantizedConv2d",
    "QuantizedLinear",
    "calculate_qparams",
    "dequantize",
    "integer_conv2d",
    "integer_linear",
    "integer_range",
    "model_size_bytes",
    "quantize",
    "quantize_model",
]
