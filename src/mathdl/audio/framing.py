"""Cutting a signal into overlapping frames (with edge padding) and overlap-adding frames back.

Both are linear maps given by one integer table ``index`` of shape (n_frames, frame_length):
frame t, sample k reads signal sample ``index[t, k]``. Padding is folded into the table, so
reflect/replicate/circular padding and framing are one gather: for a signal of length L and a pad
of P samples, padded position p reads

    reflect    j = |p − P| mirrored at both ends (without repeating the edge sample)
    replicate  j = clip(p − P, 0, L − 1)
    circular   j = (p − P) mod L
    constant   j = p − P where 0 ≤ j < L, else a zero (``index`` = L, a sink holding 0).

``Frames`` (the gather y[..., t, k] = x[..., index[t, k]]) and ``OverlapAdd`` (the scatter
x̄[..., j] = Σ_{index[t,k] = j} ȳ[..., t, k]) are each other's adjoint, hence each other's backward;
they live in ``mathdl.ops.spectral`` (the home of every derivative) and take the tables built here.
"""

import numpy as np

PAD_MODES = ("reflect", "constant", "replicate", "circular")


def frame_index(signal_length, frame_length, hop_length, pad=0, pad_mode="reflect"):
    """The (n_frames, frame_length) table of signal positions read by each frame (see module docstring).

    n_frames = 1 + (L + 2·pad − frame_length) // hop_length. Positions that fall in constant
    padding are ``signal_length`` (the zero sink).
    """
    if pad_mode not in PAD_MODES:
        raise ValueError(f"pad_mode must be one of {PAD_MODES}, got {pad_mode!r}")
    padded_length = signal_length + 2 * pad
    if frame_length > padded_length:
        raise ValueError(
            f"the frame length {frame_length} exceeds the (padded) signal length {padded_length}"
        )
    n_frames = 1 + (padded_length - frame_length) // hop_length
    j = hop_length * np.arange(n_frames)[:, None] + np.arange(frame_length)[None, :] - pad
    if pad == 0:
        return j
    last = signal_length - 1
    if pad_mode == "reflect":
        if pad > last:
            raise ValueError(
                f"reflect padding of {pad} samples needs a signal longer than {pad}, got length {signal_length}"
            )
        j = np.abs(j)
        return np.where(j > last, 2 * last - j, j)
    if pad_mode == "replicate":
        return np.clip(j, 0, last)
    if pad_mode == "circular":
        if pad > signal_length:
            raise ValueError(f"circular padding of {pad} samples needs a signal of at least {pad} samples")
        return j % signal_length
    return np.where((j < 0) | (j > last), signal_length, j)


def ola_index(n_frames, frame_length, hop_length):
    """The table of plain overlap-add: frame t sample k lands at t·hop + k (output length
    frame_length + hop·(n_frames − 1))."""
    return hop_length * np.arange(n_frames)[:, None] + np.arange(frame_length)[None, :]
