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
