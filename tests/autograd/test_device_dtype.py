"""The CPU-only device layer, dtype names and conversions, and the factories, as PyTorch."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn


def test_device_objects_and_availability():
    cpu = md.device("cpu")
    assert cpu == "cpu" and cpu == md.device("cpu") and str(cpu) == "cpu"
    assert repr(cpu) == "device(type='cpu')" and cpu.type == "cpu" and cpu.index is None
    assert md.device("cuda:1").index == 1 and md.device("cuda", 0) == "cuda:0"
    assert md.device("cuda") != "cpu" and hash(cpu) == hash(md.device("cpu"))
    assert md.cuda.is_available() is False and md.cuda.device_count() == 0
    assert md.backends.mps.is_available() is False and md.backends.cudnn.is_available() is False
    assert md.accelerator.is_available() is False and md.accelerator.current_accelerator() is None
    md.cuda.manual_seed_all(0)  # accepted, as PyTorch without CUDA
    md.backends.cudnn.deterministic = True
    with pytest.raises(ValueError, match="unknown device type 'gpu'"):
        md.device("gpu")


def test_tensors_live_on_the_cpu_and_other_devices_raise():
    device = md.device("cuda" if md.cuda.is_available() else "cpu")
    x = md.ones(2, 3, device=device)
    assert x.device == "cpu" and x.device == md.device("cpu") and not x.is_cuda
    assert x.to(device) is x and x.cpu() is x and x.to("cpu", md.float32) is x
    assert md.tensor([1.0], device="cpu").device == "cpu"
    for make in (
        lambda: x.cuda(),
        lambda: x.to("cuda"),
        lambda: x.to("mps"),
        lambda: md.zeros(2, device="cuda:0"),
        lambda: md.tensor([1.0], device="cuda"),
        lambda: md.Tensor([1.0], device="mps"),
        lambda: md.cuda.current_device(),
    ):
        with pytest.raises(md.DeviceError, match="work still to come"):
            make()
    with pytest.raises(RuntimeError, match="GPU backend"):
        x.to(md.device("cuda"))


def test_module_to_device_and_dtype():
    model = nn.Linear(3, 2)
    assert model.to("cpu") is model and model.to(md.device("cpu")) is model and model.cpu() is model
    model.double()
    assert model.weight.dtype == np.float64
    model.to(md.float32)
    assert model.weight.dtype == np.float32
    model.to("cpu", md.float64)
    assert model.bias.dtype == np.float64
    model.float()
    model.to(md.zeros(1, dtype=md.float64))
    assert model.weight.dtype == np.float64
    with pytest.raises(md.DeviceError):
        model.to("cuda")
    with pytest.raises(md.DeviceError):
        model.cuda()
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        model.to(md.int64)


def test_dtype_names_match_pytorch():
    assert md.float is md.float32 and md.double is md.float64 and md.half is md.float16
    assert md.long is md.int64 and md.int is md.int32 and md.short is md.int16
    assert md.bool is np.bool_ and md.cfloat is md.complex64
    assert md.zeros(1, dtype=md.uint8).dtype == md.uint8 and md.zeros(1, dtype=md.int8).dtype == np.int8


def test_conversions():
    x = md.tensor([1.7, -2.2, 0.0])
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2, 0]
    assert x.int().dtype == np.int32 and x.short().dtype == np.int16 and x.byte().dtype == np.uint8
    assert x.bool().tolist() == [True, True, False] and x.half().dtype == np.float16
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    assert x.to(md.float64).dtype == np.float64 and x.to(dtype=md.int64).dtype == np.int64
    assert x.to(md.zeros(1, dtype=md.float64)).dtype == np.float64
    assert x.float() is x and x.to(md.float32) is x and x.to(md.float32, copy=True) is not x
    assert x.type() == "mathdl.FloatTensor" and x.long().type() == "mathdl.LongTensor"
    assert x.type(md.float64).dtype == np.float64 and x.type("torch.LongTensor").dtype == np.int64
    assert x.type_as(md.tensor([1])).dtype == np.int64 and x.is_floating_point()
    with pytest.raises(TypeError, match="not a dtype"):
        x.to("float99")


def test_float_conversion_is_differentiable_and_integer_conversion_cuts_the_graph():
    x = md.tensor([1.5, 2.5], requires_grad=True)
    y = x.double()
    assert y.requires_grad and y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.array, [3.0, 5.0])
    assert not x.long().requires_grad


def test_tensor_infers_dtypes_as_pytorch():
    assert md.tensor(1.5).dtype == np.float32 and md.tensor([1, 2]).dtype == np.int64
    assert md.tensor(True).dtype == np.bool_ and md.tensor([[1, 2.0]]).dtype == np.float32
    assert md.tensor(np.array([1, 2], dtype=np.int32)).dtype == np.int32
    assert md.tensor([1, 2], dtype=md.float64).dtype == np.float64
    array = np.array([1.0, 2.0])
    copied, shared = md.tensor(array), md.from_numpy(array)
    array[0] = 10.0
    assert copied.array[0] == 1.0 and shared.array[0] == 10.0 and shared.dtype == np.float64
    shared[1] = 7.0
    assert array[1] == 7.0
    assert md.as_tensor(array).array is array and md.as_tensor(array, dtype=md.float32).dtype == np.float32
    assert md.as_tensor([1, 2]).dtype == np.int64
    with pytest.raises(TypeError, match="expected a numpy.ndarray"):
        md.from_numpy([1.0])


def test_tensor_constructor_follows_pytorch():
    assert md.Tensor(2, 3).shape == (2, 3) and md.Tensor(2, 3).dtype == np.float32
    assert md.Tensor(4).shape == (4,) and md.Tensor().shape == (0,)
    assert md.Tensor([1, 2]).dtype == np.float32 and md.Tensor([1, 2]).tolist() == [1.0, 2.0]
    np.testing.assert_array_equal(md.Tensor(2, 3).array, np.zeros((2, 3)))
    with pytest.raises(TypeError, match="sizes must be non-negative ints"):
        md.Tensor(2, 1.5)


def test_factories_take_dtype_device_requires_grad():
    for make in (md.zeros, md.ones, md.empty, md.rand, md.randn):
        t = make(2, 3, dtype=md.float64, device="cpu", requires_grad=True)
        assert t.shape == (2, 3) and t.dtype == np.float64 and t.requires_grad and t.is_leaf
        assert make((4,)).shape == (4,) and make([2, 2]).dtype == np.float32
    assert md.full((2,), 3).dtype == np.int64 and md.full((2,), 3.0).dtype == np.float32
    assert md.full((2,), True).dtype == np.bool_ and md.full(2, 1.0, dtype=md.float64).dtype == np.float64
    assert md.arange(5).dtype == np.int64 and md.arange(0, 1, 0.25).dtype == np.float32
    assert md.arange(5, dtype=md.float64).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert md.arange(1, 10, 3).tolist() == [1, 4, 7]
    assert md.linspace(0, 1, 5).dtype == np.float32 and md.eye(3, dtype=md.float64).dtype == np.float64
    x = md.tensor([[1, 2]], dtype=md.int32)
    for like in (md.zeros_like, md.ones_like, md.empty_like):
        assert like(x).dtype == np.int32 and like(x).shape == (1, 2)
    assert md.full_like(x, 7).tolist() == [[7, 7]] and md.rand_like(md.zeros(3)).shape == (3,)
    assert md.randn_like(md.zeros(2, dtype=md.float64)).dtype == np.float64
    assert md.zeros_like(x, dtype=md.float32, requires_grad=True).requires_grad
    assert md.randint(10, (3,)).dtype == np.int64 and md.randint(2, 5, (100,)).min().item() >= 2
    with pytest.raises(TypeError, match="expected a size"):
        md.zeros(2, -1)


def test_random_factories_are_reproducible_and_distributed_right():
    md.manual_seed(0)
    first = (md.randn(5), md.randperm(10), md.normal(0.0, 1.0, (5,)), md.multinomial(md.ones(4), 2))
    md.manual_seed(0)
    second = (md.randn(5), md.randperm(10), md.normal(0.0, 1.0, (5,)), md.multinomial(md.ones(4), 2))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.array, b.array)
    assert sorted(md.randperm(10).tolist()) == list(range(10)) and md.randperm(3).dtype == np.int64
    samples = md.normal(md.tensor([0.0, 100.0]), md.tensor([1.0, 0.0]))
    assert samples.shape == (2,) and samples[1].item() == 100.0
    draws = md.multinomial(md.tensor([[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]]), 1000, replacement=True)
    assert draws.shape == (2, 1000) and (draws[0] == 1).all().item()
    assert abs((draws[1] == 2).float().mean().item() - 0.8) < 0.05 and not (draws[1] == 1).any().item()
    without = md.multinomial(md.tensor([1.0, 2.0, 3.0, 4.0]), 4)
    assert sorted(without.tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="without replacement"):
        md.multinomial(md.tensor([1.0, 0.0]), 2)
    with pytest.raises(ValueError, match="non-negative"):
        md.multinomial(md.tensor([-1.0, 1.0]), 1)


def test_manual_seed_returns_nothing():
    assert md.manual_seed(1) is None


def test_size_numel_dim():
    x = md.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and isinstance(x.size(), tuple) and x.size().numel() == 24
    assert x.size(0) == 2 and x.size(-1) == 4 and x.numel() == 24 and x.dim() == 3 and x.ndim == 3
    assert repr(x.size()) == "mathdl.Size([2, 3, 4])" and md.numel(x) == 24
    with pytest.raises(IndexError, match="dimension out of range"):
        x.size(3)
