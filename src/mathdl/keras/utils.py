"""``keras.utils``: ``to_categorical`` (one-hot encoding of integer labels) and
``set_random_seed``."""

import numpy as np

from mathdl.autograd.tensor import Tensor


def to_categorical(y, num_classes=None, dtype="float32"):
    """Integer class labels (N,) (or (N, 1), or any shape (…)) → one-hot rows (…, num_classes)
    of ``dtype``: out[…, k] = 1 where y = k. ``num_classes`` defaults to max(y) + 1."""
    y = y.array if isinstance(y, Tensor) else np.asarray(y)
    if y.dtype.kind == "f":
        if y.size and not np.all(np.mod(y, 1) == 0):
            raise ValueError("to_categorical: labels must be integers")
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iu":
        raise TypeError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y.reshape(y.shape[:-1])
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    num_classes = int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must lie in [0, {num_classes}), got range "
            f"[{int(y.min())}, {int(y.max())}]"
        )
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None].astype(np.intp), 1, axis=-1)
    return out


def set_random_seed(seed):
    """Seed mathdl's global generator (weight initialisation, shuffling, dropout), as
    ``keras.utils.set_random_seed``."""
    from mathdl.random import manual_seed

    manual_seed(seed)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Token-id lists → one (N, maxlen) array, as ``keras.utils.pad_sequences``: shorter
    sequences are filled with ``value`` before ('pre', Keras's default) or after ('post') them,
    longer ones cut at the start ('pre') or the end ('post'); maxlen defaults to the longest."""
    if padding not in ("pre", "post") or truncating not in ("pre", "post"):
        raise ValueError(
            f"pad_sequences: padding and truncating must be 'pre' or 'post', got {padding!r}, {truncating!r}"
        )
    sequences = [list(s) for s in sequences]
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), int(maxlen)), value, dtype=dtype)
    for row, sequence in enumerate(sequences):  # one Python step per sequence, not per token
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        if not kept or maxlen == 0:
            continue
        if padding == "post":
            out[row, : len(kept)] = kept
        else:
            out[row, -len(kept) :] = kept
    return out


def normalize(x, axis=-1, order=2):
    """``x`` divided by its L-``order`` norm along ``axis`` (NumPy arrays)."""
    x = np.asarray(x.array if isinstance(x, Tensor) else x, dtype=np.float64)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1.0, norm)


def clear_session():
    """``keras.backend.clear_session``."""
    from mathdl.keras.backend import clear_session as clear

    clear()


def is_keras_tensor(x):
    """True for a symbolic tensor."""
    from mathdl.keras.backend import is_keras_tensor as check

    return check(x)


def __getattr__(name):
    # the registry helpers Keras also exposes in keras.utils
    from mathdl.keras import saving

    if name in (
        "register_keras_serializable",
        "get_registered_name",
        "get_registered_object",
        "custom_object_scope",
        "CustomObjectScope",
        "get_custom_objects",
        "serialize_keras_object",
        "deserialize_keras_object",
    ):
        return getattr(saving, name)
    raise AttributeError(f"module 'mathdl.keras.utils' has no attribute {name!r}")
