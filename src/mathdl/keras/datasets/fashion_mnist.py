"""``keras.datasets.fashion_mnist``: Fashion-MNIST through ``mathdl.data.load_fashion_mnist``
(works offline from /usr/share/datasets/fashion-mnist when Debian's package is installed)."""


def load_data(path=None, download=True):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28), (60000,), (10000, 28, 28),
    (10000,); labels index ``mathdl.data.FASHION_MNIST_CLASSES``. ``path``: a folder holding the
    four IDX files (searched first); missing files are downloaded unless ``download=False``, and
    when they cannot be found the error lists every folder that was searched."""
    from mathdl.data import load_fashion_mnist

    return load_fashion_mnist(root=path, download=download)
