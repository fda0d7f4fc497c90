"""Environment adapters: making an environment by name, reading its spaces, running a policy.

Any object with the Gymnasium API works with the agents: ``reset(seed=None) -> (obs, info)``,
``step(action) -> (obs, reward, terminated, truncated, info)``, ``action_space.n`` and
``observation_space.shape``. Gymnasium itself is optional.
"""

import numpy as np

from mathdl.rl.cartpole import CartPoleEnv
from mathdl.rl.gridworld import GridWorld

_BUILTIN = {"CartPole-v1": CartPoleEnv, "GridWorld-v0": GridWorld}


def make_env(name, backend="auto", **kwargs):
    """Make the environment ``name``.

    ``backend='gymnasium'`` uses ``gymnasium.make`` (the optional extra ``rl``); ``'builtin'``
    uses mathdl's NumPy environments (``CartPole-v1``, ``GridWorld-v0``); ``'auto'`` prefers
    Gymnasium when it is installed and falls back to the built-in one of the same name.
    """
    if backend not in ("auto", "gymnasium", "builtin"):
        raise ValueError(f"make_env: backend must be 'auto', 'gymnasium' or 'builtin', got {backend!r}")
    if backend in ("auto", "gymnasium"):
        try:
            import gymnasium
        except ImportError:
            if backend == "gymnasium":
                raise ImportError(
                    "make_env: backend='gymnasium' needs Gymnasium; install the optional "
                    "extra with  pip install 'mathdl[rl]'"
                ) from None
        else:
            if backend == "gymnasium" or name not in _BUILTIN or name == "CartPole-v1":
                return gymnasium.make(name, **kwargs)
    if name not in _BUILTIN:
        raise ValueError(
            f"make_env: no built-in environment {name!r}; built-in ones are "
            f"{sorted(_BUILTIN)} (install gymnasium for the others)"
        )
    return _BUILTIN[name](**kwargs)


def space_sizes(env):
    """(observation dimension, number of actions) of an environment with a vector observation
    and a discrete action space."""
    n_actions = getattr(env.action_space, "n", None)
    shape = getattr(env.observation_space, "shape", None)
    if n_actions is None:
        raise TypeError(f"the agents need a discrete action space (with .n), got {env.action_space}")
    if shape is None or len(shape) != 1:
        if getattr(env.observation_space, "n", None) is not None:
            raise TypeError(
                "the deep agents need vector observations; for a Discrete observation "
                "space use mathdl.rl.QLearning (or one-hot encode the state)"
            )
        raise TypeError(f"the agents need a 1-D observation space, got {env.observation_space}")
    return int(shape[0]), int(n_actions)


def evaluate_policy(env, act, episodes=100, seed=None):
    """Mean and all undiscounted returns of ``act(observation) -> action`` over ``episodes``
    complete episodes (the first reset seeded with ``seed``)."""
    returns = np.zeros(int(episodes))
    observation, _ = env.reset(seed=seed)
    for episode in range(int(episodes)):
        done, total = False, 0.0
        while not done:
            observation, reward, terminated, truncated, _ = env.step(act(observation))
            total += float(reward)
            done = terminated or truncated
        returns[episode] = total
        observation, _ = env.reset()
    return float(returns.mean()), returns


class RunLog:
    """What a deep-agent run records: per-episode returns and lengths, the training step at the
    end of each episode, the greedy evaluations ``(step, mean return)`` that were run, and
    ``solved_at_step`` (None unless a target return was reached)."""

    def __init__(self):
        self.episode_returns = []
        self.episode_lengths = []
        self.episode_end_steps = []
        self.evaluations = []
        self.solved_at_step = None
        self.total_steps = 0

    def add_episode(self, episode_return, length, step):
        self.episode_returns.append(float(episode_return))
        self.episode_lengths.append(int(length))
        self.episode_end_steps.append(int(step))

    def recent_mean(self, window):
        """Mean return of the last ``window`` episodes (−inf before there are that many)."""
        if len(self.episode_returns) < window:
            return -np.inf
        return float(np.mean(self.episode_returns[-window:]))

    def __repr__(self):
        return (
            f"RunLog(episodes={len(self.episode_returns)}, total_steps={self.total_steps}, "
            f"solved_at_step={self.solved_at_step}, evaluations={self.evaluations[-3:]})"
        )


class OneHotObservation:
    """Wrap an environment with ``Discrete(n)`` observations so that it returns one-hot float32
    vectors of length n (what the deep agents need); everything else is passed through."""

    def __init__(self, env):
        n = getattr(env.observation_space, "n", None)
        if n is None:
            raise TypeError(
                f"OneHotObservation: the environment's observation space must be "
                f"discrete (with .n), got {env.observation_space}"
            )
        from mathdl.rl.spaces import Box

        self.env = env
        self.n = int(n)
        self.observation_space = Box(np.zeros(self.n), np.ones(self.n))
        self.action_space = env.action_space

    def _encode(self, state):
        vector = np.zeros(self.n, dtype=np.float32)
        vector[int(state)] = 1.0
        return vector

    def reset(self, seed=None, options=None):
        state, info = self.env.reset(seed=seed, options=options)
        return self._encode(state), info

    def step(self, action):
        state, reward, terminated, truncated, info = self.env.step(action)
        return self._encode(state), reward, terminated, truncated, info
