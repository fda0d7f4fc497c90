"""The dates task keeps its held-out days out of training entirely."""

import datetime

import numpy as np
import pytest

from mathdl.data.dates import DateCodec, date_splits, encode_pairs, split_days


def test_held_out_days_never_occur_in_training():
    train, val, test = date_splits(train_size=20000, val_size=500, test_size=2000, seed=0)
    assert len(train) == 20000 and len(val) == 500 and len(test) == 2000
    train_days = {iso for _, iso in train}
    assert not train_days & {iso for _, iso in test} and not train_days & {iso for _, iso in val}
    # drawing both from all days, as before, would have put ~40 % of the test days in training
    assert len(train_days) > 0.4 * 36525 * 0.9
    train_offsets, test_offsets = split_days(0.1, seed=0)
    assert len(test_offsets) == round(36525 * 0.1) and not set(train_offsets) & set(test_offsets)
    first = datetime.date(1950, 1, 1)
    for written, iso in test[:50]:
        offset = (datetime.date.fromisoformat(iso) - first).days
        assert offset in set(test_offsets.tolist()) and str(int(iso[:4])) in written
    assert date_splits(100, 10, 10, seed=3) == date_splits(100, 10, 10, seed=3)
    with pytest.raises(ValueError, match="test_fraction"):
        split_days(0.0)


def test_encoded_pairs_have_a_fixed_width_and_shifted_decoder_inputs():
    codec = DateCodec()
    pairs = [("3 March 1998", "1998-03-03"), ("Tuesday, March 3, 1998", "1998-03-03")]
    source, decoder_inputs, targets = encode_pairs(codec, pairs, width=30)
    assert source.shape == (2, 30) and (source[0, 12:] == 0).all()
    assert (decoder_inputs[:, 0] == 0).all() and np.array_equal(decoder_inputs[:, 1:], targets[:, :-1])
    with pytest.raises(ValueError, match="exceeds width"):
        encode_pairs(codec, pairs, width=10)
