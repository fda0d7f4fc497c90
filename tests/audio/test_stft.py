"""stft/istft: perfect reconstruction, finite-difference gradients, the DFT matrix, framing, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mathdl as md
from mathdl import audio
from mathdl.audio.complex import ComplexTensor
from mathdl.autograd.gradcheck import gradcheck, gradgradcheck


@pytest.mark.parametrize(
    "n_fft, hop, window, center, pad_mode",
    [
        (64, 16, "hann", True, "reflect"),
        (64, 32, "hann", True, "constant"),
        (63, 21, "hann", True, "reflect"),
        (32, 8, "hamming", False, "reflect"),
        (40, 10, "blackman", True, "replicate"),
        (16, 16, None, False, "reflect"),
        (48, 12, "bartlett", True, "circular"),
    ],
)
def test_istft_inverts_stft_to_1e9(n_fft, hop, window, center, pad_mode, rng):
    win = audio.get_window(window, n_fft, dtype=np.float64)
    assert audio.is_cola(win, hop) or audio.is_cola(win**2, hop) or window in ("bartlett", "blackman")
    length = 500 if center else n_fft + hop * 20
    x = rng.standard_normal((2, length))
    X = audio.stft(x, n_fft, hop, window=win, center=center, pad_mode=pad_mode)
    y = audio.istft(X, n_fft, hop, window=win, center=center, length=length).numpy()
    if not center:  # the first and last frames' tapered ends are covered by one window only
        np.testing.assert_allclose(y[:, n_fft:-n_fft], x[:, n_fft:-n_fft], atol=1e-9)
    else:
        np.testing.assert_allclose(y, x, atol=1e-9)


def test_cola_conditions():
    assert audio.is_cola(audio.hann_window(64, periodic=True, dtype=np.float64), 32)
    assert audio.is_cola(audio.hann_window(64, periodic=True, dtype=np.float64), 16)
    assert not audio.is_cola(audio.hann_window(64, periodic=False, dtype=np.float64), 32)
    assert audio.is_cola(np.ones(16), 16) and not audio.is_cola(np.ones(16), 12)


def test_window_sumsquare_is_the_overlap_added_square(rng):
    w = rng.random(10)
    envelope = audio.window_sumsquare(w, 7, 3)
    expected = np.zeros(10 + 3 * 6)
    for t in range(7):
        expected[3 * t : 3 * t + 10] += w**2
    np.testing.assert_allclose(envelope, expected)


def test_dft_matrix_equals_fft_and_rfft(rng):
    x = rng.standard_normal(12)
    W = audio.dft_matrix(12)
    np.testing.assert_allclose(W @ x, np.fft.fft(x), atol=1e-12)
    np.testing.assert_allclose(audio.rfft(md.tensor(x)).numpy(), (W @ x)[:7], atol=1e-12)
    np.testing.assert_allclose(audio.rfft(md.tensor(x), onesided=False).numpy(), W @ x, atol=1e-12)
    X = np.fft.rfft(x)
    np.testing.assert_allclose(audio.irfft(X, 12).numpy(), np.fft.irfft(X, 12), atol=1e-12)
    np.testing.assert_allclose(audio.irfft(np.fft.rfft(x[:11]), 11).numpy(), x[:11], atol=1e-12)


@pytest.mark.parametrize("n, onesided", [(8, True), (9, True), (6, False)])
def test_real_dft_and_its_adjoint_are_transposes(n, onesided, rng):
    x = rng.standard_normal((3, n))
    bins = n // 2 + 1 if onesided else n
    a, b = rng.standard_normal((3, bins)), rng.standard_normal((3, bins))
    re, im = audio.RealDFT(n, onesided)(md.tensor(x))
    back = audio.RealDFTAdjoint(n, onesided)(md.tensor(a), md.tensor(b))
    assert np.isclose((re.numpy() * a).sum() + (im.numpy() * b).sum(), (x * back.numpy()).sum())


@pytest.mark.parametrize("onesided", [True, False])
def test_dft_gradients_and_second_order(onesided, rng, float64):
    n = 7
    x = md.tensor(rng.standard_normal((2, n)), requires_grad=True)
    assert gradcheck(lambda t: audio.RealDFT(n, onesided)(t), [x])
    bins = n // 2 + 1 if onesided else n
    a = md.tensor(rng.standard_normal((2, bins)), requires_grad=True)
    b = md.tensor(rng.standard_normal((2, bins)), requires_grad=True)
    assert gradcheck(lambda p, q: audio.RealDFTAdjoint(n, onesided)(p, q), [a, b])
    assert gradgradcheck(lambda t: audio.rfft(t, onesided=onesided).abs(), [x])


@pytest.mark.parametrize("pad_mode", ["reflect", "constant", "replicate", "circular"])
def test_frames_read_the_padded_signal(pad_mode, rng):
    x = rng.standard_normal((2, 20))
    index = audio.frame_index(20, 8, 3, pad=4, pad_mode=pad_mode)
    numpy_mode = {"replicate": "edge", "circular": "wrap"}.get(pad_mode, pad_mode)
    padded = np.pad(x, ((0, 0), (4, 4)), mode=numpy_mode)
    expected = np.stack([padded[:, 3 * t : 3 * t + 8] for t in range(index.shape[0])], axis=1)
    np.testing.assert_array_equal(audio.Frames(index, 20)(md.tensor(x)).numpy(), expected)


@pytest.mark.parametrize("pad_mode", ["reflect", "constant"])
@pytest.mark.parametrize("power", [1, 2, 1.5])
def test_stft_magnitude_gradients_match_finite_differences(pad_mode, power, rng, float64):
    x = md.tensor(rng.standard_normal((2, 30)), requires_grad=True)
    spec = lambda t: audio.spectrogram(t, 8, 3, window="hann", pad_mode=pad_mode, power=power)  # noqa: E731
    assert gradcheck(spec, [x])
    assert gradgradcheck(lambda t: audio.spectrogram(t, 8, 3, power=2), [x])


def test_istft_gradients_match_finite_differences(rng, float64):
    X = np.ascontiguousarray(np.fft.rfft(rng.standard_normal((9, 8)), axis=-1).T)  # (5 bins, 9 frames)
    re, im = md.tensor(X.real, requires_grad=True), md.tensor(X.imag, requires_grad=True)
    fn = lambda a, b: audio.istft(ComplexTensor(a, b), 8, 2, window="hann", length=20)  # noqa: E731
    assert gradcheck(fn, [re, im])


def test_complex_abs_gradient_is_zero_at_zero_and_angle_matches_fd(rng, float64):
    re, im = md.tensor([0.0, 3.0], requires_grad=True), md.tensor([0.0, -4.0], requires_grad=True)
    ComplexTensor(re, im).abs().sum().backward()
    np.testing.assert_allclose(re.grad.numpy(), [0.0, 0.6])
    np.testing.assert_allclose(im.grad.numpy(), [0.0, -0.8])
    a, b = (
        md.tensor(rng.standard_normal(5), requires_grad=True),
        md.tensor(rng.standard_normal(5), requires_grad=True),
    )
    assert gradcheck(lambda p, q: ComplexTensor(p, q).angle(), [a, b])
    assert gradcheck(lambda p, q: (ComplexTensor(p, q) * ComplexTensor(q, p)).abs(), [a, b])


def test_complex_product_and_conversions(rng):
    z, w = (
        rng.standard_normal(4) + 1j * rng.standard_normal(4),
        rng.standard_normal(4) + 1j * rng.standard_normal(4),
    )
    Z, W = ComplexTensor.from_numpy(z), ComplexTensor.from_numpy(w)
    np.testing.assert_allclose((Z * W).numpy(), z * w)
    np.testing.assert_allclose((Z * 2.0).numpy(), 2 * z)
    np.testing.assert_allclose((Z * w).numpy(), z * w)
    np.testing.assert_allclose((Z - W).numpy(), z - w)
    np.testing.assert_allclose(np.asarray(Z.conj()), z.conj())
    np.testing.assert_allclose(Z.view_as_real().numpy(), np.stack([z.real, z.imag], -1))
    assert Z.dtype == np.complex128 and Z[1:].shape == (3,)


def test_float32_in_float32_out(rng):
    x = rng.standard_normal(300).astype(np.float32)
    X = audio.stft(x, 32, 8, window="hann")
    assert X.real.dtype == np.float32 and X.dtype == np.complex64
    assert audio.istft(X, 32, 8, window="hann", length=300).dtype == np.float32


def test_bad_arguments_raise_clear_errors(rng):
    x = rng.standard_normal(100)
    with pytest.raises(ValueError, match="n_fft"):
        audio.stft(x, 0)
    with pytest.raises(TypeError, match="n_fft"):
        audio.stft(x, 16.0)
    with pytest.raises(ValueError, match="win_length"):
        audio.stft(x, 16, win_length=20)
    with pytest.raises(ValueError, match="length win_length=16"):
        audio.stft(x, 16, window=np.ones(10))
    with pytest.raises(ValueError, match="pad_mode"):
        audio.stft(x, 16, pad_mode="wrap")
    with pytest.raises(ValueError, match="exceeds the signal length"):
        audio.stft(x[:10], 64, center=False)
    with pytest.raises(ValueError, match="reflect padding"):
        audio.stft(x[:5], 16)
    with pytest.raises(TypeError, match="floating-point"):
        audio.stft(np.zeros(100, dtype=np.int16), 16)
    with pytest.raises(ValueError, match="unknown window"):
        audio.stft(x, 16, window="gauss")
    X = audio.stft(x, 16, window="hann")
    with pytest.raises(ValueError, match="frequency bins"):
        audio.istft(X, 32, window="hann")
    with pytest.raises(ValueError, match="NOLA"):
        audio.istft(audio.stft(x, 16, window="hann", center=False), 16, window="hann", center=False)
    with pytest.raises(ValueError, match="return_complex"):
        audio.istft(X, 16, window="hann", return_complex=True)
    with pytest.raises(TypeError, match="complex array"):
        audio.istft(np.zeros((9, 4), dtype=np.int64), 16)


@settings(max_examples=40, deadline=None)
@given(
    n_fft=st.integers(2, 40),
    hop_fraction=st.sampled_from([1, 2, 4]),
    extra=st.integers(0, 60),
    center=st.booleans(),
    batch=st.sampled_from([(), (2,), (2, 3)]),
)
def test_stft_shapes_and_inverse_for_random_settings(n_fft, hop_fraction, extra, center, batch):
    hop = max(1, n_fft // hop_fraction)
    length = n_fft + extra
    x = np.random.default_rng(n_fft + extra).standard_normal(batch + (length,))
    window = audio.hann_window(n_fft, dtype=np.float64) + 0.1  # never zero: NOLA holds for any hop ≤ N
    X = audio.stft(x, n_fft, hop, window=window, center=center, pad_mode="constant")
    padded = length + (2 * (n_fft // 2) if center else 0)
    assert X.shape == batch + (n_fft // 2 + 1, 1 + (padded - n_fft) // hop)
    covered = (X.shape[-1] - 1) * hop + n_fft - (n_fft // 2 if center else 0)
    y = audio.istft(X, n_fft, hop, window=window, center=center, length=min(length, covered)).numpy()
    np.testing.assert_allclose(y, x[..., : y.shape[-1]], atol=1e-9)
