"""CartPole, dependency-free: the cart-pole balancing task of Barto, Sutton & Anderson (1983) with
the dynamics, constants, reward and limits of Gymnasium's ``CartPole-v1``.

State (x, ẋ, θ, θ̇); action 0 pushes the cart left with force F = −10 N, action 1 right (+10 N).
With total mass M = m_c + m_p, half pole length l and a = (F + m_p l θ̇² sin θ)/M,

    θ̈ = (g sin θ − cos θ · a) / ( l (4/3 − m_p cos²θ / M) ),      ẍ = a − m_p l θ̈ cos θ / M,

integrated by explicit Euler with τ = 0.02 s. Reward +1 per step (the terminating one included);
the episode terminates when |x| > 2.4 or |θ| > 12°, and is truncated after 500 steps.
Reference: Florian, "Correct equations for the dynamics of the cart-pole system" (2007).
"""

import numpy as np

from mathdl.random import generator
from mathdl.rl.spaces import Box, Discrete


class CartPoleEnv:
    """``CartPoleEnv(max_episode_steps=500)`` with the Gymnasium API:
    ``reset(seed=None) -> (obs, info)``, ``step(action) -> (obs, reward, terminated, truncated, info)``;
    observations are float32 arrays of shape (4,)."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_threshold_radians = 12 * 2 * np.pi / 360
    x_threshold = 2.4

    def __init__(self, max_episode_steps=500):
        if not isinstance(max_episode_steps, int) or max_episode_steps < 1:
            raise ValueError(
                f"CartPoleEnv: max_episode_steps must be a positive integer, got {max_episode_steps!r}"
            )
        self.max_episode_steps = max_episode_steps
        self.total_mass = self.masspole + self.masscart
        self.polemass_length = self.masspole * self.length
        high = np.array(
            [
                self.x_threshold * 2,
                np.finfo(np.float32).max,
                self.theta_threshold_radians * 2,
                np.finfo(np.float32).max,
            ],
            dtype=np.float32,
        )
        self.observation_space = Box(-high, high)
        self.action_space = Discrete(2)
        self.state = None
        self.steps = 0
        self._done = False
        self._rng = None

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        rng = self._rng if self._rng is not None else generator()
        self.state = rng.uniform(-0.05, 0.05, size=4)
        self.steps = 0
        self._done = False
        return self.state.astype(np.float32), {}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("CartPoleEnv: call reset() before step()")
        if self._done:
            raise RuntimeError("CartPoleEnv: the episode is over; call reset()")
        if not self.action_space.contains(action):
            raise ValueError(f"CartPoleEnv: action must be 0 or 1, got {action!r}")
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + self.polemass_length * theta_dot**2 * sin) / self.total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * cos**2 / self.total_mass)
        )
        x_acc = temp - self.polemass_length * theta_acc * cos / self.total_mass
        self.state = np.array(
            [
                x + self.tau * x_dot,
                x_dot + self.tau * x_acc,
                theta + self.tau * theta_dot,
                theta_dot + self.tau * theta_acc,
            ]
        )
        self.steps += 1
        terminated = bool(
            abs(self.state[0]) > self.x_threshold or abs(self.state[2]) > self.theta_threshold_radians
        )
        truncated = self.steps >= self.max_episode_steps and not terminated
        self._done = terminated or truncated
        return self.state.astype(np.float32), 1.0, terminated, truncated, {}
