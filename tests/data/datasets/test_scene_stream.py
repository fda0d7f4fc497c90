"""SceneStream: fresh epoch blocks, exact resume from its state, and its shards across ranks."""

import numpy as np
import pytest

from mathdl.data.datasets.scene_stream import SceneStream


def _items():
    rng = np.random.default_rng(0)
    images = (rng.random((40, 28, 28)) > 0.6).astype(np.uint8) * 255
    return images, rng.integers(0, 10, 40)


def _epoch(stream):
    return [(images.array.copy(), targets) for images, targets in stream]


def test_each_epoch_serves_new_scenes_in_batches():
    stream = SceneStream(_items(), scenes_per_epoch=10, batch_size=4, noise_levels=(0.0, 0.25), seed=1)
    first, second = _epoch(stream), _epoch(stream)
    assert [len(t) for _, t in first] == [4, 4, 2] and len(stream) == 3
    assert not np.array_equal(first[0][0], second[0][0])


def test_state_dict_resumes_the_same_scenes():
    stream = SceneStream(_items(), scenes_per_epoch=6, batch_size=3, seed=2)
    _epoch(stream)
    state = stream.state_dict()
    expected = _epoch(stream)
    again = SceneStream(_items(), scenes_per_epoch=6, batch_size=3, seed=2)
    again.load_state_dict(state)
    for (a, _), (b, _) in zip(expected, _epoch(again)):
        np.testing.assert_array_equal(a, b)


def test_shards_split_every_global_batch_in_order():
    whole = SceneStream(_items(), scenes_per_epoch=12, batch_size=6, noise_levels=(0.0, 0.3), seed=4)
    parts = [whole.shard(rank, 2) for rank in range(2)]
    expected = _epoch(whole)
    got = [_epoch(part) for part in parts]
    for index, (images, targets) in enumerate(expected):
        joined = np.concatenate([got[0][index][0], got[1][index][0]])
        np.testing.assert_array_equal(images, joined)
        boxes = [t["boxes"] for t in got[0][index][1] + got[1][index][1]]
        for a, b in zip([t["boxes"] for t in targets], boxes):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_shard_that_cannot_split_evenly_is_refused_by_name():
    stream = SceneStream(_items(), scenes_per_epoch=12, batch_size=5)
    with pytest.raises(ValueError, match="batch_size 5 cannot be split evenly over 2 ranks"):
        stream.shard(0, 2)
    with pytest.raises(ValueError, match="rank must be in"):
        SceneStream(_items(), scenes_per_epoch=12, batch_size=6).shard(3, 2)
