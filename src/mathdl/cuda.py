"""``mathdl.cuda``, as ``torch.cuda`` on a machine without CUDA: nothing is available.

``is_available()`` is False and ``device_count()`` 0, so the usual
``"cuda" if torch.cuda.is_available() else "cpu"`` picks the CPU. Seeding is accepted and does
nothing (as PyTorch without CUDA); asking for a CUDA device raises ``DeviceError``.
"""

from mathdl.devices import check_device


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Accepted and ignored: there is no CUDA generator (``mathdl.manual_seed`` seeds mathdl)."""


def manual_seed_all(seed):
    """Accepted and ignored, as ``manual_seed``."""


def empty_cache():
    """Nothing to free: no CUDA memory is ever allocated."""


def current_device():
    check_device("cuda")


def get_device_name(device=None):
    check_device("cuda")


def synchronize(device=None):
    check_device("cuda")
