"""mathdl.audio against PyTorch: windows, stft/istft values and gradients (through |X|, |X|², arg X)."""

import numpy as np
import pytest

import mathdl as md
from mathdl import audio
from mathdl.audio.complex import ComplexTensor
from torch_oracle import compare_with_torch

# (length, n_fft, hop, win_length, center, pad_mode, normalized, onesided)
STFT_CASES = [
    (100, 16, 4, None, True, "reflect", False, True),
    (101, 15, 3, 11, True, "constant", True, True),
    (64, 16, 5, 12, False, "reflect", False, False),
    (50, 8, 2, None, True, "replicate", False, True),
    (50, 8, 3, None, True, "circular", True, False),
    (33, 32, 8, 20, True, "reflect", False, True),
]


@pytest.mark.parametrize("name", ["hann", "hamming", "blackman", "bartlett", "kaiser"])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("length", [1, 2, 7, 16])
def test_windows_equal_torch(torch, name, periodic, length):
    ours = getattr(audio, f"{name}_window")(length, periodic=periodic, dtype=np.float64)
    theirs = getattr(torch, f"{name}_window")(length, periodic=periodic, dtype=torch.float64).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def _torch_stft(torch, x, case, window):
    _, n_fft, hop, win_length, center, pad_mode, normalized, onesided = case
    return torch.stft(x, n_fft, hop, win_length, torch.tensor(window), center, pad_mode, normalized, onesided,
                      return_complex=True)  # fmt: skip


def _ours(x, case, window):
    _, n_fft, hop, win_length, center, pad_mode, normalized, onesided = case
    return audio.stft(x, n_fft, hop, win_length, window, center, pad_mode, normalized, onesided)


@pytest.mark.parametrize("case", STFT_CASES)
@pytest.mark.parametrize("batch", [(), (3,)])
def test_stft_values_equal_torch(torch, case, batch, rng):
    x = rng.standard_normal(batch + (case[0],))
    window = rng.random(case[3] or case[1]) + 0.5
    ours = _ours(x, case, window).numpy()
    theirs = _torch_stft(torch, torch.tensor(x), case, window).numpy()
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    real = audio.stft(x, *case[1:4], window, *case[4:], return_complex=False)
    np.testing.assert_allclose(real.numpy()[..., 0], theirs.real, atol=1e-12)


@pytest.mark.parametrize("case", STFT_CASES)
@pytest.mark.parametrize("part", ["abs", "power", "angle"])
def test_stft_gradients_equal_torch(torch, case, part, rng):
    window = rng.random(case[3] or case[1]) + 0.5
    reduce_ours = {
        "abs": lambda X: X.abs(),
        "power": lambda X: audio.magnitude(X, 2),
        "angle": lambda X: X.angle(),
    }
    reduce_torch = {"abs": lambda X: X.abs(), "power": lambda X: X.abs() ** 2, "angle": lambda X: X.angle()}
    compare_with_torch(
        torch,
        lambda x: reduce_ours[part](_ours(x, case, window)),
        lambda x: reduce_torch[part](_torch_stft(torch, x, case, window)),
        [rng.standard_normal((2, case[0]))],
        rtol=1e-9,
        atol=1e-10,
    )


ISTFT_CASES = [c for c in STFT_CASES if not (c[4] is False and (c[3] or c[1]) < c[1])]


@pytest.mark.filterwarnings("ignore:The length of signal is shorter")
@pytest.mark.parametrize("case", ISTFT_CASES)
@pytest.mark.parametrize("length", [None, "same", "longer"])
def test_istft_values_and_gradients_equal_torch(torch, case, length, rng):
    signal_length, n_fft, hop, win_length, center, _, normalized, onesided = case
    window = rng.random(win_length or n_fft) + 0.5
    spectrum = _torch_stft(torch, torch.tensor(rng.standard_normal((2, signal_length))), case, window)
    spectrum = spectrum.numpy() + 0.1 * rng.standard_normal(spectrum.shape)  # not an exact STFT
    size = {None: None, "same": signal_length, "longer": signal_length + 2 * hop + 3}[length]
    real = md.tensor(spectrum.real, requires_grad=True)
    imag = md.tensor(spectrum.imag, requires_grad=True)
    theirs_in = torch.tensor(spectrum, requires_grad=True)
    arguments = (n_fft, hop, win_length, window, center, normalized, onesided, size)
    try:
        theirs = torch.istft(theirs_in, *arguments[:3], torch.tensor(window), *arguments[4:])
    except RuntimeError:  # the window envelope vanishes inside the requested length: both refuse
        with pytest.raises(ValueError, match="NOLA"):
            audio.istft(ComplexTensor(real, imag), *arguments)
        return
    ours = audio.istft(ComplexTensor(real, imag), *arguments)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    cotangent = rng.standard_normal(ours.shape)
    (ours * md.tensor(cotangent)).sum().backward()
    (theirs * torch.tensor(cotangent)).sum().backward()
    np.testing.assert_allclose(real.grad.numpy(), theirs_in.grad.real.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(imag.grad.numpy(), theirs_in.grad.imag.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_stft_matches_torch(torch, rng):
    x = rng.standard_normal(400).astype(np.float32)
    window = audio.hann_window(64)
    ours = audio.stft(x, 64, 16, window=window)
    assert ours.real.dtype == np.float32
    theirs = torch.stft(torch.tensor(x), 64, 16, window=torch.hann_window(64), return_complex=True).numpy()
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-4, atol=1e-4)
