"""Reinforcement learning: exact planning on finite MDPs, tabular Q-learning, and deep agents
(DQN, REINFORCE, advantage actor-critic) for any environment with the Gymnasium API.

This package sits beside ``train``: it composes ``nn`` and ``optim`` and nothing below it imports
it. The tabular parts (``mdp``, ``gridworld``, ``tabular``) need only NumPy; the deep agents are
imported on first use. Gymnasium is optional: ``make_env('CartPole-v1')`` uses it when installed
and the built-in NumPy CartPole otherwise.
"""

import importlib

from mathdl.rl.gridworld import GridWorld
from mathdl.rl.mdp import FiniteMDP, PlanningResult, policy_iteration, value_iteration
from mathdl.rl.spaces import Box, Discrete
from mathdl.rl.tabular import QLearning, TrainingLog, train_q_learning

_LAZY = {
    "CartPoleEnv": "mathdl.rl.cartpole",
    "make_env": "mathdl.rl.environments",
    "evaluate_policy": "mathdl.rl.environments",
    "OneHotObservation": "mathdl.rl.environments",
    "RunLog": "mathdl.rl.environments",
    "run_cartpole": "mathdl.rl.cli",
    "ReplayBuffer": "mathdl.rl.replay",
    "DQNAgent": "mathdl.rl.dqn",
    "train_dqn": "mathdl.rl.dqn",
    "ActorCritic": "mathdl.rl.policy_gradient",
    "train_reinforce": "mathdl.rl.policy_gradient",
    "train_a2c": "mathdl.rl.policy_gradient",
    "cli_entry": "mathdl.rl.cli",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mathdl.rl' has no attribute {name!r}")


__all__ = [
    "Box",
    "Discrete",
    "FiniteMDP",
    "GridWorld",
    "PlanningResult",
    "QLearning",
    "TrainingLog",
    "policy_iteration",
    "train_q_learning",
    "value_iteration",
    *_LAZY,
]
