"""Experience replay (Lin, 1992; Mnih et al., 2015): a ring buffer of transitions
(s, a, r, s', terminated) sampled uniformly, which breaks the correlation of consecutive steps
and lets each transition be learned from many times."""

from collections import namedtuple

import numpy as np

from mathdl.random import generator

Batch = namedtuple("Batch", ["observations", "actions", "rewards", "next_observations", "terminated"])


class ReplayBuffer:
    """``ReplayBuffer(capacity, observation_dim, dtype=float32)``. ``add`` overwrites the oldest
    transition once full; ``sample(batch_size)`` draws uniformly with replacement."""

    def __init__(self, capacity, observation_dim, dtype=np.float32):
        for name, value in (("capacity", capacity), ("observation_dim", observation_dim)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"ReplayBuffer: {name} must be a positive integer, got {value!r}")
        self.capacity = int(capacity)
        self.observations = np.zeros((self.capacity, observation_dim), dtype=dtype)
        self.next_observations = np.zeros((self.capacity, observation_dim), dtype=dtype)
        self.actions = np.zeros(self.capacity, dtype=np.int64)
        self.rewards = np.zeros(self.capacity, dtype=dtype)
        self.terminated = np.zeros(self.capacity, dtype=dtype)
        self.position = 0
        self.size = 0

    def __len__(self):
        return self.size

    def add(self, observation, action, reward, next_observation, terminated):
        """Store one transition. ``terminated`` is the true end of the task (not a time limit):
        only then is the next state's value taken to be 0."""
        i = self.position
        self.observations[i] = observation
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_observations[i] = next_observation
        self.terminated[i] = float(terminated)
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        """A ``Batch`` of ``batch_size`` stored transitions drawn uniformly (NumPy arrays)."""
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty")
        index = generator().integers(0, self.size, int(batch_size))
        return Batch(
            self.observations[index],
            self.actions[index],
            self.rewards[index],
            self.next_observations[index],
            self.terminated[index],
        )
