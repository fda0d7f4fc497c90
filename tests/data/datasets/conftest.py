"""A local HTTP server on 127.0.0.1 for download tests (the real mirrors are never contacted)."""

import functools
import http.server
import socket
import threading

import pytest


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _TruncatingHandler(http.server.BaseHTTPRequestHandler):
    """Declares 1000 bytes and sends 10, then closes: a connection cut mid-download."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"0123456789")
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


def _serve(handler):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def http_folder(tmp_path):
    """(folder, base_url): files written into ``folder`` are served at ``base_url + name``."""
    folder = tmp_path / "served"
    folder.mkdir()
    server, thread = _serve(functools.partial(_QuietHandler, directory=str(folder)))
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def truncating_url():
    server, thread = _serve(_TruncatingHandler)
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url():
    """A URL on 127.0.0.1 where nothing listens (connection refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def write_fake_idx_dataset(folder, n_train=20, n_test=10, fill=0, compress=True, seed=0):
    """Four small MNIST-shaped IDX files; pixel (0, 0) of every image is ``fill`` (a marker).

    Returns {"train": (images, labels), "t10k": (images, labels)}.
    """
    import numpy as np

    from mathdl.data.datasets.idx import write_idx

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        images[:, 0, 0] = fill
        labels = (np.arange(n) % 10).astype(np.uint8)
        suffix = ".gz" if compress else ""
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels)
        arrays[split] = (images, labels)
    return arrays


@pytest.fixture
def fake_idx():
    """The function ``write_fake_idx_dataset(folder, n_train, n_test, fill, compress, seed)``."""
    return write_fake_idx_dataset
