"""Saving and loading without pickle: ``save(obj, f)`` / ``load(f)``, plus ``atomic_write``.

``f`` is a path (written atomically) or a binary file object (``io.BytesIO``, an open file), as
in ``torch.save``/``torch.load``. What can be saved is data: nested dicts, lists and tuples of
Tensors, arrays, numbers, strings and None; a training checkpoint such as
``{'epoch': 3, 'model_state_dict': model.state_dict(), 'optimizer_state_dict':
optimizer.state_dict(), 'loss': loss}`` round-trips. Objects (a whole ``nn.Module``, an
optimizer) are refused with a TypeError saying to save their ``state_dict()``: PyTorch pickles
them, and loading a pickle can run arbitrary code, so mathdl never writes or reads one
(``weights_only=False`` does not change that).

File format: an ``.npz`` archive (a zip of ``.npy`` files, readable by ``numpy.load(...,
allow_pickle=False)``) holding

* ``__mathdl__``: the UTF-8 JSON header ``{"format": "mathdl-checkpoint", "version": 1,
  "structure": ...}`` stored as a uint8 array;
* ``a0``, ``a1``, ...: one entry per array or Tensor in ``obj``.

``structure`` mirrors ``obj``: every node is a JSON object with a ``"type"``:
``dict`` (``"items"``: [[key, node], ...], key ``{"str": s}`` or ``{"int": n}`` so int keys, as
in optimizer state dicts, come back as ints), ``list``, ``tuple`` (``"items"``: [node, ...]),
``tensor`` / ``array`` / ``scalar`` (``"entry"``: the npz entry; tensors also
``"requires_grad"``), ``int``, ``float`` (as ``repr`` text so nan/inf and every bit survive),
``bool``, ``str``, ``none``. Nothing is ever unpickled: arrays of Python objects are refused.
"""

import contextlib
import json
import os
import secrets
import zipfile

import numpy as np

from mathdl.autograd.tensor import Tensor

FORMAT_NAME = "mathdl-checkpoint"
FORMAT_VERSION = 1
HEADER_ENTRY = "__mathdl__"


class CheckpointError(ValueError):
    """The file is not a readable mathdl checkpoint (damaged, truncated or foreign)."""


@contextlib.contextmanager
def atomic_write(path):
    """Open a binary stream whose bytes appear at ``path`` only if the ``with`` block succeeds.

    The bytes go to a temporary file in the same folder, which is flushed, fsync'ed and then
    moved over ``path`` with ``os.replace`` (atomic on POSIX and Windows). On any exception the
    temporary file is removed and ``path`` is left as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: folder {folder} does not exist")
    temp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    stream = open(temp, "xb")  # created with the usual permissions (umask), unlike mkstemp's 0600
    try:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        os.replace(temp, path)
    except BaseException:
        stream.close()
        if os.path.exists(temp):
            os.remove(temp)
        raise
    if hasattr(os, "O_DIRECTORY"):
        # Make the rename itself durable (POSIX): sync the folder's entry table.
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# ----- encoding ------------------------------------------------------------------------------
def _encode_key(key, where):
    if isinstance(key, str):
        return {"str": key}
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return {"int": int(key)}
    raise TypeError(
        f"save: dict key {key!r} at {where} has type {type(key).__name__}; allowed key types: str, int"
    )


def _encode(value, arrays, where):
    """The JSON node describing ``value``; arrays are appended to ``arrays``."""
    if value is None:
        return {"type": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"type": "bool", "value": bool(value)}
    if isinstance(value, int):
        return {"type": "int", "value": value}
    if isinstance(value, float):
        return {"type": "float", "value": repr(value)}
    if isinstance(value, str):
        return {"type": "str", "value": value}
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        array = value.array if isinstance(value, Tensor) else np.asarray(value)
        if array.dtype.hasobject:
            raise TypeError(
                f"save: the array at {where} holds Python objects (dtype "
                f"{array.dtype}); only numeric, bool and string arrays can be saved "
                f"without pickle"
            )
        entry = f"a{len(arrays)}"
        arrays[entry] = array
        if isinstance(value, Tensor):
            return {"type": "tensor", "entry": entry, "requires_grad": bool(value.requires_grad)}
        return {"type": "scalar" if isinstance(value, np.generic) else "array", "entry": entry}
    if isinstance(value, dict):
        return {
            "type": "dict",
            "items": [
                [_encode_key(k, where), _encode(v, arrays, f"{where}[{k!r}]")] for k, v in value.items()
            ],
        }
    if isinstance(value, (list, tuple)):
        return {
            "type": "tuple" if isinstance(value, tuple) else "list",
            "items": [_encode(v, arrays, f"{where}[{k}]") for k, v in enumerate(value)],
        }
    if callable(getattr(value, "state_dict", None)):
        raise TypeError(_object_message(value, where))
    raise TypeError(
        f"save: cannot save {type(value).__name__} at {where}; allowed: dict (str/int "
        f"keys), list, tuple, Tensor, ndarray, int, float, bool, str, None"
    )


def _object_message(value, where):
    name = type(value).__name__
    is_module = hasattr(value, "named_parameters")
    noun = "model" if is_module else "optimizer" if hasattr(value, "param_groups") else "obj"
    restore = (
        f"rebuild it with its class ({name}(...)) and call {noun}.load_state_dict(md.load(PATH))"
        if noun != "obj"
        else "restore it with load_state_dict"
    )
    return (
        f"save: {where} is a whole {name} object. mathdl saves data, not objects (unpickling an "
        f"object can run arbitrary code, so mathdl never pickles). Save its state instead: "
        f"md.save({noun}.state_dict(), PATH); to load, {restore}."
    )


def save(obj, f, pickle_module=None, pickle_protocol=None, _use_new_zipfile_serialization=True):
    """Save ``obj`` (nested dicts/lists/tuples of Tensors, arrays, numbers, strings, None) to ``f``.

    ``f``: a path, written atomically (a crash or an error part-way leaves any previous file
    there untouched and no partial file), or a binary file object opened for writing (the
    archive is written at its current position). Raises TypeError naming the offending place
    (e.g. ``obj['layers'][2]``) for unsupported values, and for a whole Module or optimizer
    (save its ``state_dict()``). ``pickle_module``/``pickle_protocol`` are refused if given.

    >>> import io, mathdl as md
    >>> buffer = io.BytesIO()
    >>> md.save({"epoch": 3, "w": md.tensor([1.0, 2.0])}, buffer)
    >>> _ = buffer.seek(0)
    >>> md.load(buffer)["epoch"]
    3
    """
    if pickle_module is not None or pickle_protocol is not None:
        raise TypeError("save: mathdl never pickles, so pickle_module and pickle_protocol cannot be used")
    arrays = {}
    structure = _encode(obj, arrays, "obj")
    header = json.dumps(
        {"format": FORMAT_NAME, "version": FORMAT_VERSION, "structure": structure}, allow_nan=False
    )
    arrays[HEADER_ENTRY] = np.frombuffer(header.encode("utf-8"), dtype=np.uint8)
    if _is_file_object(f, "write"):
        np.savez(f, **arrays)
        return
    with atomic_write(_path(f, "save")) as stream:
        np.savez(stream, **arrays)


def _is_file_object(f, method):
    return hasattr(f, method) and not isinstance(f, (str, bytes, os.PathLike))


def _path(f, where):
    if not isinstance(f, (str, bytes, os.PathLike)):
        raise TypeError(
            f"{where}: f must be a path (str or os.PathLike) or a binary file object, got {type(f).__name__}"
        )
    return os.fspath(f)


# ----- decoding ------------------------------------------------------------------------------
def _describe_foreign(start):
    if not start:
        return "the file is empty"
    if start[:1] == b"\x80" or start[:1] in (b"(", b"}", b"]"):
        return (
            "it looks like a pickle, which mathdl never loads, whatever weights_only says (unpickling "
            "can run arbitrary code)"
        )
    if start.startswith(b"\x93NUMPY"):
        return "it is a single .npy array, not an npz archive"
    if start.startswith(b"\x1f\x8b"):
        return "it is a gzip file, not an npz archive"
    return f"it is not an npz/zip archive (it starts with bytes {start[:8].hex()})"


class _Decoder:
    def __init__(self, archive, path):
        self.archive = archive
        self.path = path

    def fail(self, problem):
        raise CheckpointError(f"load: {self.path} is damaged: {problem}")

    def array(self, node):
        entry = node.get("entry")
        if not isinstance(entry, str) or entry not in self.archive.files:
            self.fail(f"the structure refers to array entry {entry!r}, which is missing")
        try:
            return self.archive[entry]
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
            self.fail(f"array entry {entry!r} cannot be read ({error})")

    def decode(self, node):
        if not isinstance(node, dict) or "type" not in node:
            self.fail(f"malformed structure node {str(node)[:80]!r}")
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "int", "str"):
            value = node.get("value")
            expected = {"bool": bool, "int": int, "str": str}[kind]
            if type(value) is not expected:
                self.fail(f"a {kind} node holds {value!r}")
            return value
        if kind == "float":
            try:
                return float(node["value"])
            except (KeyError, TypeError, ValueError):
                self.fail(f"a float node holds {node.get('value')!r}")
        if kind == "array":
            return self.array(node)
        if kind == "scalar":
            return self.array(node)[()]
        if kind == "tensor":
            return Tensor(self.array(node), requires_grad=bool(node.get("requires_grad", False)))
        if kind in ("list", "tuple"):
            items = node.get("items")
            if not isinstance(items, list):
                self.fail(f"a {kind} node has no item list")
            values = [self.decode(item) for item in items]
            return values if kind == "list" else tuple(values)
        if kind == "dict":
            items = node.get("items")
            if not isinstance(items, list):
                self.fail("a dict node has no item list")
            result = {}
            for item in items:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], dict)):
                    self.fail(f"malformed dict item {str(item)[:80]!r}")
                key = item[0]
                if set(key) == {"str"} and isinstance(key["str"], str):
                    key = key["str"]
                elif set(key) == {"int"} and type(key["int"]) is int:
                    key = key["int"]
                else:
                    self.fail(f"malformed dict key {key!r}")
                result[key] = self.decode(item[1])
            return result
        self.fail(f"unknown node type {kind!r}")


def _check_load_options(map_location, pickle_module, mmap):
    if pickle_module is not None:
        raise TypeError("load: mathdl never unpickles, so pickle_module cannot be used")
    if mmap:
        raise ValueError("load: mmap=True is not supported (a checkpoint is read into memory)")
    if map_location is None:
        return
    if callable(map_location) and not isinstance(map_location, str):
        raise ValueError(
            "load: map_location functions are not supported; mathdl loads every tensor to the CPU, "
            "so give map_location=None or 'cpu'"
        )
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    for target in targets:
        if str(target).split(":")[0] != "cpu":
            raise ValueError(
                f"load: map_location {target!r}: mathdl runs on the CPU only (a GPU backend is "
                f"future work), so tensors can only be loaded to 'cpu'"
            )


def _open_archive(f, name):
    """The NpzFile of ``f`` (path or binary file object), after checking its first bytes."""
    if _is_file_object(f, "read"):
        position = f.tell() if hasattr(f, "tell") else None
        start = f.read(8)
        if position is not None:
            f.seek(position)
        source = f
    else:
        path = _path(f, "load")
        if os.path.isdir(path):
            raise IsADirectoryError(f"load: {path} is a folder, not a checkpoint file")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"load: no such file: {path}")
        with open(path, "rb") as stream:
            start = stream.read(8)
        source = path
    if not isinstance(start, bytes):
        raise TypeError(
            f"load: {name} must be opened in binary mode ('rb'), it returned {type(start).__name__}"
        )
    if not start.startswith(b"PK"):
        raise CheckpointError(f"load: {name} is not a mathdl checkpoint: {_describe_foreign(start)}")
    try:
        archive = np.load(source, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        raise CheckpointError(
            f"load: {name} is not a readable npz archive (truncated or corrupted?): {error}"
        ) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise CheckpointError(f"load: {name} is not an npz archive")
    return archive


def _read_header(archive, decoder, name):
    if HEADER_ENTRY not in archive.files:
        shown = ", ".join(archive.files[:5]) + (", ..." if len(archive.files) > 5 else "")
        raise CheckpointError(
            f"load: {name} is an npz archive but not a mathdl checkpoint: it "
            f"has no {HEADER_ENTRY!r} entry (entries: {shown or 'none'})"
        )
    raw = decoder.array({"entry": HEADER_ENTRY})
    try:
        header = json.loads(bytes(np.asarray(raw, dtype=np.uint8)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointError(f"load: {name} is damaged: its header is not valid JSON ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise CheckpointError(
            f"load: {name} has a {HEADER_ENTRY!r} entry but not the {FORMAT_NAME!r} format marker"
        )
    version = header.get("version")
    if type(version) is not int or version > FORMAT_VERSION or version < 1:
        raise CheckpointError(
            f"load: {name} has format version {version!r}; this mathdl "
            f"reads versions 1..{FORMAT_VERSION} (upgrade mathdl?)"
        )
    if "structure" not in header:
        raise CheckpointError(f"load: {name} is damaged: its header has no structure")
    return header


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load what ``save`` wrote: the same nested structure, Tensors as ``mathdl.Tensor``.

    ``f``: a path or a binary file object (read from its current position). PyTorch's arguments
    are accepted: ``map_location`` None or 'cpu' (or a device / a dict mapping to the CPU; any
    other device raises ValueError), ``weights_only`` True or False (mathdl files hold only data,
    so both load them, and neither ever unpickles), ``mmap`` False.

    Raises ``FileNotFoundError`` for a missing file and ``CheckpointError`` (a ValueError) naming
    the file and the problem for anything else: not an npz archive (a pickle such as a
    ``torch.save`` file, random bytes, an empty file), a truncated or corrupted archive, an npz
    without mathdl's header, or a newer format version.
    """
    if pickle_load_args:
        raise TypeError(f"load: unexpected arguments {sorted(pickle_load_args)} (they configure unpickling)")
    if weights_only not in (None, True, False):
        raise TypeError(f"load: weights_only must be True, False or None, got {weights_only!r}")
    _check_load_options(map_location, pickle_module, mmap)
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else f"file object {type(f).__name__}"
    with _open_archive(f, name) as archive:
        decoder = _Decoder(archive, name)
        header = _read_header(archive, decoder, name)
        return decoder.decode(header["structure"])
