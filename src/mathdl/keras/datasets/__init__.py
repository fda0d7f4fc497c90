"""``keras.datasets``: ``mnist`` and ``fashion_mnist``, each with ``load_data()`` returning
``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, read by ``mathdl.data``."""

from mathdl.keras.datasets import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
