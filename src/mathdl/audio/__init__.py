"""Audio from its formulas: the DFT and the STFT, windows, the mel scale, MFCCs, Griffin-Lim, WAV files.

    import mathdl as md
    from mathdl import audio
    X = audio.stft(x, n_fft=256, hop_length=64, window=audio.hann_window(256))  # a ComplexTensor
    power = audio.magnitude(X, 2)                 # Re² + Im², differentiable
    mel = audio.melspectrogram(S=power, sr=8000, n_mels=40)
    coefficients = audio.mfcc(S=audio.power_to_db(mel), n_mfcc=13)

Complex spectra are ``ComplexTensor``s, pairs of real Tensors (see ``complex.py`` for why); the
STFT's and iSTFT's values and gradients equal PyTorch's, the filterbank and MFCCs equal librosa's.
"""

from mathdl.audio.complex import ComplexTensor, as_complex
from mathdl.audio.dft import dft_matrix, irfft, rfft
from mathdl.audio.framing import frame_index, ola_index
from mathdl.audio.griffin_lim import griffin_lim, spectral_convergence
from mathdl.audio.mel import (
    amplitude_to_db,
    db_to_power,
    fft_frequencies,
    hz_to_mel,
    mel_filterbank,
    mel_frequencies,
    mel_to_hz,
    melspectrogram,
    power_to_db,
)
from mathdl.audio.mfcc import dct, dct_matrix, mfcc
from mathdl.audio.mu_law import mu_law_decoding, mu_law_encoding
from mathdl.audio.resample import resample
from mathdl.audio.stft import istft, magnitude, spectrogram, stft
from mathdl.audio.wav import read_wav, to_int16, write_wav
from mathdl.audio.windows import (
    WINDOWS,
    bartlett_window,
    blackman_window,
    get_window,
    hamming_window,
    hann_window,
    is_cola,
    kaiser_window,
    pad_window,
    window_sumsquare,
)
from mathdl.ops.spectral import ComplexAbs, ComplexAngle, Frames, OverlapAdd, RealDFT, RealDFTAdjoint

__all__ = [
    "WINDOWS",
    "ComplexAbs",
    "ComplexAngle",
    "ComplexTensor",
    "Frames",
    "OverlapAdd",
    "RealDFT",
    "RealDFTAdjoint",
    "amplitude_to_db",
    "as_complex",
    "bartlett_window",
    "blackman_window",
    "db_to_power",
    "dct",
    "dct_matrix",
    "dft_matrix",
    "fft_frequencies",
    "frame_index",
    "get_window",
    "griffin_lim",
    "hamming_window",
    "hann_window",
    "hz_to_mel",
    "irfft",
    "is_cola",
    "istft",
    "kaiser_window",
    "magnitude",
    "mel_filterbank",
    "mel_frequencies",
    "mel_to_hz",
    "melspectrogram",
    "mfcc",
    "mu_law_decoding",
    "mu_law_encoding",
    "ola_index",
    "pad_window",
    "power_to_db",
    "read_wav",
    "resample",
    "rfft",
    "spectral_convergence",
    "spectrogram",
    "stft",
    "to_int16",
    "window_sumsquare",
    "write_wav",
]
