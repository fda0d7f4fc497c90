"""Written dates → ISO 8601: a sequence-to-sequence task that needs no download.

A date between 1950 and 2049 written in one of a dozen styles ("Tuesday, March 3, 1998",
"3rd of march 1998", "03.03.1998", …, sometimes lower- or upper-cased) is the source, its ISO
form "1998-03-03" the target (ten characters).

``date_splits`` holds a share of the *days* out of training: the test pairs are written forms of
days that never occur in the training pairs in any style, so exact match on them measures
generalisation, not recall (drawing train and test pairs independently from the same 36,525 days
put ~42 % of the test days into the training set too).
"""

import datetime

import numpy as np

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAD, START = "\0", "^"
TARGET_TOKENS = (START,) + tuple("0123456789-")
TARGET_VOCAB_SIZE = len(TARGET_TOKENS)
TARGET_LENGTH = 10


# ----- the data ----------------------------------------------------------------------------------
def _ordinal(day):
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _styles(date):
    month, short = MONTHS[date.month - 1], MONTHS[date.month - 1][:3]
    day, year, weekday = date.day, date.year, WEEKDAYS[date.weekday()]
    return [
        f"{day} {month} {year}",
        f"{day:02d} {short} {year}",
        f"{month} {day}, {year}",
        f"{short} {day} {year}",
        f"{weekday}, {month} {day}, {year}",
        f"{_ordinal(day)} of {month} {year}",
        f"{year} {month} {day}",
        f"{day:02d}.{date.month:02d}.{year}",
        f"{weekday[:3]} {day} {short} {year}",
        f"{month} {_ordinal(day)}, {year}",
        f"{day}/{short}/{year}",
        f"{short}. {day}, {year}",
    ]


def written_date(date, rng):
    """``date`` written in a random style, sometimes lower- or upper-cased."""
    styles = _styles(date)
    text = styles[int(rng.integers(len(styles)))]
    case = rng.random()
    return text.lower() if case < 0.25 else (text.upper() if case < 0.35 else text)


def make_date_pairs(n, seed=0, start=datetime.date(1950, 1, 1), end=datetime.date(2049, 12, 31)):
    """``n`` pairs (written date, ISO date) with dates uniform between ``start`` and ``end``."""
    rng = np.random.default_rng(seed)
    span = (end - start).days + 1
    pairs = []
    for offset in rng.integers(0, span, size=n):
        date = start + datetime.timedelta(days=int(offset))
        pairs.append((written_date(date, rng), date.isoformat()))
    return pairs


class DateCodec:
    """Source characters ↔ ids (0 is padding) and target characters ↔ ids (0 is the start symbol)."""

    def __init__(self, source_tokens=None):
        if source_tokens is None:
            chars = set("0123456789 ,./-")
            for date in (datetime.date(2001, m, 1) for m in range(1, 13)):
                for style in _styles(date):
                    chars |= set(style) | set(style.lower()) | set(style.upper())
            for name in WEEKDAYS:
                chars |= set(name) | set(name.lower()) | set(name.upper())
            source_tokens = [PAD] + sorted(chars - {PAD})
        self.source_tokens = list(source_tokens)
        self.source_index = {c: i for i, c in enumerate(self.source_tokens)}
        self.target_index = {c: i for i, c in enumerate(TARGET_TOKENS)}

    def encode_sources(self, texts, width=None):
        """(ids (B, S) right-padded with 0, mask (B, S) True on real characters); S = ``width``
        or the longest text."""
        longest = max(len(t) for t in texts)
        if width is None:
            width = longest
        elif longest > width:
            raise ValueError(f"DateCodec: a source of {longest} characters exceeds width {width}")
        ids = np.zeros((len(texts), width), dtype=np.int64)
        for row, text in enumerate(texts):
            try:
                ids[row, : len(text)] = [self.source_index[c] for c in text]
            except KeyError as error:
                raise ValueError(
                    f"DateCodec: character {error.args[0]!r} of {text!r} is not in the source alphabet"
                ) from None
        return ids, ids != 0

    def encode_targets(self, isos):
        """Decoder inputs (B, 10) (start symbol, then the first nine characters) and targets (B, 10)."""
        targets = np.array([[self.target_index[c] for c in iso] for iso in isos], dtype=np.int64)
        inputs = np.concatenate([np.zeros((len(isos), 1), dtype=np.int64), targets[:, :-1]], axis=1)
        return inputs, targets

    def decode_targets(self, ids):
        return ["".join(TARGET_TOKENS[i] for i in row) for row in np.asarray(ids)]


FIRST_DAY, LAST_DAY = datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)


def split_days(test_fraction=0.1, seed=0, start=FIRST_DAY, end=LAST_DAY):
    """Day offsets from ``start`` split at random into (train_days, test_days), disjoint."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"split_days: test_fraction must be in (0, 1), got {test_fraction!r}")
    span = (end - start).days + 1
    order = np.random.default_rng(seed).permutation(span)
    cut = int(round(span * test_fraction))
    return np.sort(order[cut:]), np.sort(order[:cut])


def pairs_for_days(days, n, rng, start=FIRST_DAY):
    """``n`` pairs (written date, ISO date) of days drawn uniformly from the offsets ``days``."""
    pairs = []
    for offset in rng.choice(np.asarray(days), size=n):
        date = start + datetime.timedelta(days=int(offset))
        pairs.append((written_date(date, rng), date.isoformat()))
    return pairs


def date_splits(train_size=20000, val_size=500, test_size=2000, seed=0, test_fraction=0.1):
    """(train, val, test) lists of pairs; val and test use only held-out days (never in train)."""
    train_days, test_days = split_days(test_fraction, seed)
    rng = np.random.default_rng(seed + 1)
    train = pairs_for_days(train_days, train_size, rng)
    held_out = pairs_for_days(test_days, val_size + test_size, rng)
    return train, held_out[:val_size], held_out[val_size:]


def encode_pairs(codec, pairs, width=None):
    """Arrays for a TeacherForcing batch: (source ids (N, S) 0-padded, decoder inputs (N, 10),
    targets (N, 10)); ``width`` fixes S (default: the longest source)."""
    source, _ = codec.encode_sources([p[0] for p in pairs], width=width)
    decoder_inputs, targets = codec.encode_targets([p[1] for p in pairs])
    return source, decoder_inputs, targets
