"""Tabular Q-learning (Watkins, 1989): off-policy temporal-difference control.

After each transition (s, a, r, s') the table moves toward the one-step Bellman optimality target

    Q(s, a) ← Q(s, a) + α [ r + γ (1 − terminated) max_{a'} Q(s', a') − Q(s, a) ],

while actions are chosen ε-greedily. A truncated episode (time limit) still bootstraps from s':
only a true terminal state has value 0. With every (s, a) visited infinitely often and step sizes
satisfying Σα = ∞, Σα² < ∞, Q converges to q*; on a deterministic MDP a constant α ∈ (0, 1] does.
Works with any environment with the Gymnasium API whose spaces are ``Discrete``.
"""

from collections import namedtuple

import numpy as np

from mathdl.random import generator

TrainingLog = namedtuple("TrainingLog", ["episode_returns", "episode_lengths", "total_steps"])


class QLearning:
    """``QLearning(n_states, n_actions, learning_rate=0.1, gamma=0.99, epsilon=0.1)``: the table
    ``q`` (S, A), ε-greedy ``act`` and the TD ``update``."""

    def __init__(self, n_states, n_actions, learning_rate=0.1, gamma=0.99, epsilon=0.1):
        for name, value in (("n_states", n_states), ("n_actions", n_actions)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"QLearning: {name} must be a positive integer, got {value!r}")
        if not 0.0 < learning_rate <= 1.0:
            raise ValueError(f"QLearning: learning_rate must be in (0, 1], got {learning_rate!r}")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"QLearning: gamma must be in [0, 1], got {gamma!r}")
        if not 0.0 <= epsilon <= 1.0:
            raise ValueError(f"QLearning: epsilon must be in [0, 1], got {epsilon!r}")
        self.q = np.zeros((int(n_states), int(n_actions)))
        self.learning_rate = float(learning_rate)
        self.gamma = float(gamma)
        self.epsilon = float(epsilon)

    def greedy_action(self, state):
        """argmax_a Q(s, a), ties broken uniformly at random (so an all-zero table still explores)."""
        row = self.q[state]
        best = np.flatnonzero(row == row.max())
        return int(best[generator().integers(len(best))]) if len(best) > 1 else int(best[0])

    def act(self, state, explore=True):
        if explore and generator().random() < self.epsilon:
            return int(generator().integers(self.q.shape[1]))
        return self.greedy_action(state)

    def update(self, state, action, reward, next_state, terminated):
        """One Q-learning step; returns the TD error δ = target − Q(s, a)."""
        bootstrap = 0.0 if terminated else self.gamma * self.q[next_state].max()
        delta = reward + bootstrap - self.q[state, action]
        self.q[state, action] += self.learning_rate * delta
        return delta

    def policy(self):
        """The greedy policy argmax_a Q(s, a), shape (S,)."""
        return self.q.argmax(axis=1)


def train_q_learning(env, agent, episodes, seed=None):
    """Run ``episodes`` episodes of ε-greedy Q-learning on ``env`` (Gymnasium API, discrete spaces).

    Returns ``TrainingLog(episode_returns, episode_lengths, total_steps)``.
    """
    if not isinstance(agent, QLearning):
        raise TypeError(f"train_q_learning: agent must be a QLearning, got {type(agent).__name__}")
    n_obs = getattr(env.observation_space, "n", None)
    if n_obs != agent.q.shape[0] or getattr(env.action_space, "n", None) != agent.q.shape[1]:
        raise ValueError(
            f"train_q_learning: the agent's table {agent.q.shape} does not match the "
            f"environment's spaces ({env.observation_space}, {env.action_space})"
        )
    returns, lengths = [], []
    state, _ = env.reset(seed=seed)
    for _ in range(int(episodes)):
        total, length, done = 0.0, 0, False
        while not done:
            action = agent.act(state)
            next_state, reward, terminated, truncated, _ = env.step(action)
            agent.update(state, action, reward, next_state, terminated)
            total += reward
            length += 1
            state = next_state
            done = terminated or truncated
        returns.append(total)
        lengths.append(length)
        state, _ = env.reset()
    return TrainingLog(np.array(returns), np.array(lengths), int(np.sum(lengths)))
