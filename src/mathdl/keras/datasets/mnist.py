"""``keras.datasets.mnist``: the MNIST digits through ``mathdl.data.load_mnist``."""


def load_data(path=None, download=True):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28), (60000,), (10000, 28, 28),
    (10000,). ``path``: a folder holding the four IDX files (searched before mathdl's cache);
    missing files are downloaded (checksummed) unless ``download=False``, and when they cannot be
    found the error lists every folder that was searched."""
    from mathdl.data import load_mnist

    return load_mnist(root=path, download=download)
