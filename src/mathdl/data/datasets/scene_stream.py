"""A stream of fresh Fashion scenes for training a detector: every epoch a new block of scenes, in
batches, with a position that checkpoints save and restore.

    stream = SceneStream(items, scenes_per_epoch=2000, batch_size=32, noise_levels=(0, 0.1, 0.25, 0.4))
    for images, targets in stream: ...        # one epoch: (Tensor (B, 1, 64, 64), list of B dicts)

Epoch e serves scenes e·n … (e + 1)·n − 1 (n = ``scenes_per_epoch``) of an endless sequence that
interleaves one ``FashionScenes`` per background-noise level (scene i comes from level i mod k), so no
scene is seen twice and the detector sees several backgrounds. Scenes are drawn from their own seeds, so
the stream uses no global random state; ``state_dict()`` is ``{"epoch": e}`` (the next epoch to serve),
which the Trainer stores in checkpoints, so a resumed run sees the same scenes as an uninterrupted one.

Across the ranks of a data-parallel job, ``stream.shard(rank, world_size)`` serves rank r the r-th of
W equal consecutive parts of every batch (the Trainer calls it); the scenes of a global batch are the
same as in one process, so W ranks step as one process with the global batch does.
"""

import copy

import numpy as np

from mathdl.data.datasets.scenes import FashionScenes, collate_scenes

# an endless stream in principle; FashionScenes needs a length, and this one is never reached
_LENGTH = 2**31 - 1


class SceneStream:
    """Epoch blocks of fresh scenes in batches (see the module docstring).

    Args:
        items: ``(images (N, h, w), labels (N,))`` the items are drawn from (e.g. Fashion-MNIST's
            training images).
        scenes_per_epoch: n, scenes per epoch.
        batch_size: scenes per batch (the last batch of an epoch may be smaller).
        noise_levels: the background noise amplitudes interleaved (each a ``FashionScenes(noise=...)``).
        size: canvas side; seed: seeds the k scene datasets (seed, seed + 1, …).
    """

    def __init__(self, items, scenes_per_epoch, batch_size, noise_levels=(0.25,), size=64, seed=0):
        for name, value in (("scenes_per_epoch", scenes_per_epoch), ("batch_size", batch_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"SceneStream: {name} must be a positive int, got {value!r}")
        levels = [float(level) for level in noise_levels]
        if not levels:
            raise ValueError("SceneStream: noise_levels must name at least one level")
        self.scenes = [
            FashionScenes(train=True, num_scenes=_LENGTH, size=size, seed=seed + k, items=items, noise=level)
            for k, level in enumerate(levels)
        ]
        self.scenes_per_epoch, self.batch_size, self.epoch = int(scenes_per_epoch), int(batch_size), 0
        self.rank, self.world_size = 0, 1

    def shard(self, rank, world_size):
        """This stream as rank ``rank`` of ``world_size`` sees it: the rank-th of world_size equal parts
        of every batch (sharing the scene sources and the epoch position with nothing else)."""
        for name, value in (("scenes_per_epoch", self.scenes_per_epoch), ("batch_size", self.batch_size)):
            if value % world_size:
                raise ValueError(
                    f"SceneStream: {name} {value} cannot be split evenly over {world_size} ranks; "
                    f"use a multiple of {world_size}"
                )
        if not 0 <= rank < world_size:
            raise ValueError(f"SceneStream: rank must be in [0, {world_size}), got {rank}")
        part = copy.copy(self)  # shares the scene sources; its own epoch counter
        part.rank, part.world_size = int(rank), int(world_size)
        return part

    def __len__(self):
        return -(-self.scenes_per_epoch // self.batch_size)

    def scene(self, index):
        """Scene ``index`` of the endless interleaved sequence."""
        return self.scenes[index % len(self.scenes)][index // len(self.scenes)]

    def __iter__(self):
        epoch, self.epoch = self.epoch, self.epoch + 1
        first = epoch * self.scenes_per_epoch
        for start in range(first, first + self.scenes_per_epoch, self.batch_size):
            stop = min(start + self.batch_size, first + self.scenes_per_epoch)
            part = (stop - start) // self.world_size  # exact: both counts divide by world_size
            low = start + self.rank * part
            yield collate_scenes([self.scene(i) for i in range(low, low + part)])

    def state_dict(self):
        return {"epoch": self.epoch}

    def load_state_dict(self, state):
        self.epoch = int(state["epoch"])
