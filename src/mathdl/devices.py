"""The device layer, as PyTorch's: ``md.device("cpu")``, ``Tensor.device``, ``.to(device)``.

mathdl computes with NumPy on the CPU. PyTorch programs name devices everywhere
(``device = "cuda" if torch.cuda.is_available() else "cpu"``), so the names exist and the CPU
works; using any other device raises ``DeviceError`` naming the backend that is still to come (a
GPU array module behind ``mathdl.backend.xp``), never a silent fallback.

>>> import mathdl as md
>>> md.device("cpu") == "cpu"
True
>>> md.tensor([1.0]).to("cpu").device
device(type='cpu')
"""

KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia", "privateuseone")


class DeviceError(RuntimeError, ValueError):
    """A device mathdl cannot compute on (anything but the CPU, for now)."""


class device:
    """A device name, as ``torch.device``: ``device("cpu")``, ``device("cuda:0")``,
    ``device("cuda", 1)``; ``.type`` and ``.index``. Equal to its string (``device("cpu") == "cpu"``).
    Naming a device never fails for a known type; computing on one other than the CPU does."""

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (torch's parameter name)
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise DeviceError(f"device({type}): a bare index means a CUDA device, and {_MISSING}")
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise ValueError(
                f"device: unknown device type {name!r}; expected one of {', '.join(KNOWN_TYPES)}"
            )
        if number:
            if index is not None:
                raise ValueError(f"device: index given twice in {type!r} and index={index}")
            if not number.isdigit():
                raise ValueError(f"device: invalid device string {type!r}")
            index = int(number)
        self.type = name
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (ValueError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


CPU = device("cpu")

_MISSING = (
    "mathdl computes with NumPy on the CPU only: a GPU backend (a CuPy or other array module "
    "behind mathdl.backend.xp, with device-aware tensors) is work still to come. Use device 'cpu'"
)


def is_device_like(value):
    """True for a ``device`` or a device string ('cpu', 'cuda:0')."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in KNOWN_TYPES


def check_device(value):
    """The device ``value`` names, when mathdl can compute on it (the CPU); DeviceError otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise DeviceError(f"device {value}: a bare index means a CUDA device, and {_MISSING}")
    target = device(value)
    if target.type != "cpu":
        raise DeviceError(f"device {str(target)!r} is not available: {_MISSING}")
    return CPU
