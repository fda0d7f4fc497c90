"""``keras.backend``: ``clear_session()`` (restart the layer-name counters, so the next Dense is
called ``dense`` again) and ``floatx()``."""

from mathdl import backend as _backend
from mathdl.keras import base_layer as _base_layer


def clear_session():
    """Forget the layer-name counters: the next layers are named ``dense``, ``flatten``, … again."""
    _base_layer._NAME_COUNTS.clear()


def floatx():
    """The floating dtype of new weights and inputs ('float32' unless changed with
    ``mathdl.set_default_dtype``)."""
    return _backend.get_default_dtype().name


_EPSILON = [1e-7]


def epsilon():
    """The fuzz factor of the losses (1e-7)."""
    return _EPSILON[0]


def set_epsilon(value):
    """Set the value ``epsilon()`` returns."""
    _EPSILON[0] = float(value)


def set_floatx(value):
    """Set the default float dtype ('float32' or 'float64'): ``mathdl.set_default_dtype``."""
    import numpy as np

    _backend.set_default_dtype(np.dtype(value))


def image_data_format():
    """'channels_last', the only layout of the facade's image layers."""
    return "channels_last"


def set_image_data_format(data_format):
    """Only 'channels_last' is supported."""
    if data_format != "channels_last":
        raise ValueError(f"set_image_data_format: only 'channels_last' is supported, got {data_format!r}")


def is_keras_tensor(x):
    """True for a symbolic tensor (``keras.Input`` or a layer's output on one)."""
    from mathdl.keras.functional import KerasTensor

    return isinstance(x, KerasTensor)


def standardize_dtype(dtype):
    """A dtype as its name, e.g. 'float32'."""
    import numpy as np

    return np.dtype(dtype).name if dtype is not None else floatx()


def backend():
    """The backend's name: 'mathdl'."""
    return "mathdl"
