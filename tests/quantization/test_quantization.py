"""int8 quantisation: the affine map and its error bound, observers against PyTorch's, integer
matrix products against float within the quantisation bound, and a quantised network."""

import warnings

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn import functional as F
from mathdl.quantization import (
    MinMaxObserver,
    PerChannelMinMaxObserver,
    QuantizedConv2d,
    QuantizedLinear,
    calculate_qparams,
    dequantize,
    integer_conv2d,
    integer_linear,
    model_size_bytes,
    quantize,
    quantize_model,
)
from mathdl.quantization.modules import _geometry


@pytest.mark.parametrize("dtype, scheme", [("uint8", "affine"), ("int8", "affine"), ("int8", "symmetric")])
def test_round_trip_error_is_at_most_half_a_step(rng, dtype, scheme):
    x = rng.standard_normal(10000) * 2.5 + 0.7
    scale, zero_point = calculate_qparams(x.min(), x.max(), dtype, scheme)
    error = np.abs(dequantize(quantize(x, scale, zero_point, dtype), scale, zero_point, dtype=np.float64) - x)
    assert error.max() <= scale / 2 * (1 + 1e-9)
    assert error.max() > 0.4 * scale  # the bound is attained, not loose
    assert dequantize(quantize(0.0, scale, zero_point, dtype), scale, zero_point) == 0  # 0 is exact


def test_per_channel_round_trip_and_clipping(rng):
    w = rng.standard_normal((6, 10)) * np.arange(1, 7)[:, None]
    scale, zero_point = calculate_qparams(w.min(1), w.max(1), "int8", "symmetric")
    error = np.abs(
        dequantize(
            quantize(w, scale, zero_point, "int8", axis=0), scale, zero_point, axis=0, dtype=np.float64
        )
        - w
    )
    assert np.all(error <= scale[:, None] / 2 * (1 + 1e-9))
    q = quantize(np.array([100.0, -100.0]), 0.1, 0, "int8")
    np.testing.assert_array_equal(q, [127, -128])  # outside the range: clipped


def test_observers_match_pytorch(torch, rng):
    quantization = pytest.importorskip(
        "torch.ao.quantization", reason="PyTorch's observers are the reference"
    )
    batches = [(rng.standard_normal((16, 8)) * 3 + 1).astype(np.float32) for _ in range(3)]
    ours, theirs = MinMaxObserver("uint8", "affine"), quantization.MinMaxObserver()
    channel_ours = PerChannelMinMaxObserver(1, "int8", "symmetric")
    channel_theirs = quantization.PerChannelMinMaxObserver(
        ch_axis=1, dtype=torch.qint8, qscheme=torch.per_channel_symmetric
    )
    for batch in batches:
        ours(batch), theirs(torch.from_numpy(batch))
        channel_ours(batch), channel_theirs(torch.from_numpy(batch))
    for mine, reference in ((ours, theirs), (channel_ours, channel_theirs)):
        scale, zero_point = mine.calculate_qparams()
        ref_scale, ref_zero_point = reference.calculate_qparams()
        np.testing.assert_allclose(scale, ref_scale.numpy(), rtol=1e-6)  # PyTorch computes in float32
        np.testing.assert_array_equal(zero_point, ref_zero_point.numpy())
    x = batches[0]
    scale, zero_point = ours.calculate_qparams()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quantized tensor creation is deprecated in PyTorch
        reference = torch.quantize_per_tensor(
            torch.from_numpy(x), float(scale), int(zero_point), torch.quint8
        )
    np.testing.assert_array_equal(quantize(x, scale, zero_point, "uint8"), reference.int_repr().numpy())


def quantised_operands(rng, x, w):
    x_scale, x_zero = calculate_qparams(x.min(), x.max(), "uint8", "affine")
    w_scale, w_zero = calculate_qparams(
        w.reshape(len(w), -1).min(1), w.reshape(len(w), -1).max(1), "int8", "symmetric"
    )
    return (
        quantize(x, x_scale, x_zero, "uint8"),
        x_scale,
        x_zero,
        quantize(w, w_scale, w_zero, "int8", axis=0),
        w_scale,
    )


def test_integer_linear_is_the_product_of_the_dequantised_operands_within_the_bound(rng):
    x, w = rng.standard_normal((20, 50)), rng.standard_normal((7, 50)) * 0.3
    x_q, x_scale, x_zero, w_q, w_scale = quantised_operands(rng, x, w)
    acc = integer_linear(x_q, x_zero, w_q, 0)
    assert acc.dtype == np.int32
    y = acc * (x_scale * w_scale)
    x_hat = dequantize(x_q, x_scale, x_zero, dtype=np.float64)
    w_hat = dequantize(w_q, w_scale, 0, axis=0, dtype=np.float64)
    np.testing.assert_allclose(y, x_hat @ w_hat.T, rtol=1e-12, atol=1e-12)
    bound = (
        x_scale / 2 * np.abs(w_hat).sum(1)[None, :] + np.abs(x) @ (w_scale[:, None] / 2 * np.ones_like(w)).T
    )
    assert np.all(np.abs(y - x @ w.T) <= bound * (1 + 1e-9))


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2)])
def test_integer_conv2d_matches_the_float_convolution_of_the_dequantised_operands(
    rng, stride, padding, dilation
):
    x, w = rng.standard_normal((3, 4, 9, 8)), rng.standard_normal((5, 4, 3, 3)) * 0.2
    layer = nn.Conv2d(4, 5, 3, stride=stride, padding=padding, dilation=dilation)
    x_q, x_scale, x_zero, w_q, w_scale = quantised_operands(rng, x, w)
    acc = integer_conv2d(x_q, x_zero, w_q, 0, _geometry(layer))
    y = acc * (x_scale * w_scale)[None, :, None, None]
    x_hat = md.tensor(dequantize(x_q, x_scale, x_zero, dtype=np.float64))
    w_hat = md.tensor(dequantize(w_q, w_scale, 0, axis=0, dtype=np.float64))
    expected = F.conv2d(x_hat, w_hat, stride=stride, padding=padding, dilation=dilation).array
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-10)  # zero padding is the real 0


def small_cnn():
    md.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(6 * 4 * 4, 16),
        nn.ReLU(),
        nn.Linear(16, 3),
    )


def test_quantize_model_swaps_layers_and_stays_close_to_float(rng):
    model = small_cnn()
    x = rng.standard_normal((64, 1, 8, 8)).astype(np.float32)
    calibration = [md.tensor(x[i : i + 16]) for i in range(0, 64, 16)]
    quantized = quantize_model(model, calibration)
    assert [type(m) for m in quantized] == [
        QuantizedConv2d,
        nn.ReLU,
        nn.MaxPool2d,
        nn.Flatten,
        QuantizedLinear,
        nn.ReLU,
        QuantizedLinear,
    ]
    assert isinstance(model[0], nn.Conv2d)  # the original is untouched
    model.eval()
    with md.no_grad():
        reference = model(md.tensor(x)).array
    output = quantized(md.tensor(x)).array
    assert output.dtype == np.float32
    relative = np.abs(output - reference).max() / np.abs(reference).max()
    assert relative < 0.05, relative
    assert np.mean(output.argmax(1) == reference.argmax(1)) > 0.9
    weights = sum(m.weight.array.size for m in model if hasattr(m, "weight"))
    assert model_size_bytes(model) - model_size_bytes(quantized) > 2.5 * weights  # 4 bytes → 1 per weight


def test_a_quantised_classifier_keeps_its_accuracy():
    from mathdl.data import DataLoader, TensorDataset
    from mathdl.train import Trainer

    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 900)
    x = (np.eye(3)[y] @ rng.standard_normal((3, 20)) * 2 + rng.standard_normal((900, 20))).astype(np.float32)
    md.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 3))
    trainer = Trainer(model, md.optim.Adam(model.parameters(), lr=0.01), verbose=0)
    trainer.fit(DataLoader(TensorDataset(x[:600], y[:600]), batch_size=32, shuffle=True), 10)
    test = DataLoader(TensorDataset(x[600:], y[600:]), batch_size=300)
    float_accuracy = trainer.evaluate(test)["accuracy"]
    quantized = quantize_model(model, [x[:128]])
    int8_accuracy = Trainer(quantized, None, verbose=0).evaluate(test)["accuracy"]
    assert float_accuracy > 0.9 and abs(int8_accuracy - float_accuracy) <= 0.01


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="dtype must be one of"):
        calculate_qparams(0.0, 1.0, "int4")
    with pytest.raises(ValueError, match="scheme must be one of"):
        calculate_qparams(0.0, 1.0, "int8", "log")
    with pytest.raises(ValueError, match="nothing observed"):
        MinMaxObserver().calculate_qparams()
    with pytest.raises(ValueError, match="no Linear or Conv2d"):
        quantize_model(nn.Sequential(nn.ReLU()), [np.zeros((1, 2))])
    with pytest.raises(ValueError, match="yielded no batch"):
        quantize_model(nn.Sequential(nn.Linear(2, 2)), [])
    with pytest.raises(ValueError, match="only groups=1"):
        quantize_model(nn.Sequential(nn.Conv2d(2, 2, 1, groups=2)), [np.zeros((1, 2, 3, 3), np.float32)])
