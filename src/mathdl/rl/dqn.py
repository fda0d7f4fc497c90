"""Deep Q-network (Mnih et al., 2015), with the double-DQN target (van Hasselt et al., 2016).

A network Q_θ(s, ·) gives one value per action. From a replay buffer of transitions it minimises
the Huber loss ℓ_δ (``nn.functional.huber_loss``) of the temporal-difference error against a
target network θ⁻ that is copied from θ every C steps (held fixed in between, so the regression
target does not chase itself; or moved softly toward θ every step):

    L(θ) = E_{(s,a,r,s',d) ~ buffer} [ ℓ_δ( Q_θ(s, a) − y ) ],
    y = r + γ (1 − d) Q_{θ⁻}(s', a*),   a* = argmax_a Q_θ(s', a)   (double DQN; DQN: argmax Q_{θ⁻}).

d marks a true terminal state; a time-limit truncation still bootstraps. Actions are ε-greedy with
ε decayed linearly from ``epsilon_start`` to ``epsilon_end`` over ``epsilon_decay_steps`` steps.
"""

import copy

import numpy as np

from mathdl import nn, optim
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.nn import functional as F
from mathdl.random import generator
from mathdl.rl.environments import RunLog, evaluate_policy, space_sizes
from mathdl.rl.networks import mlp
from mathdl.rl.replay import ReplayBuffer


class DQNAgent:
    """``DQNAgent(observation_dim, n_actions, hidden=(128, 128), gamma=0.99, lr=1e-3, ...)``.

    ``act(observation, explore=True)``, ``observe(obs, action, reward, next_obs, terminated)``
    (stores the transition and, once ``learning_starts`` transitions are stored, takes
    ``gradient_steps`` gradient steps every ``train_every`` environment steps), ``td_target(batch)``,
    ``learn()``. The target network is synchronised every ``target_update_every`` environment steps
    (softly, θ⁻ ← τθ + (1 − τ)θ⁻, when ``tau`` is given).
    """

    def __init__(
        self,
        observation_dim,
        n_actions,
        hidden=(128, 128),
        gamma=0.99,
        lr=1e-3,
        buffer_size=50_000,
        batch_size=64,
        learning_starts=1000,
        train_every=1,
        gradient_steps=1,
        target_update_every=500,
        epsilon_start=1.0,
        epsilon_end=0.05,
        epsilon_decay_steps=10_000,
        double=True,
        huber_delta=1.0,
        max_grad_norm=10.0,
        tau=None,
    ):
        if not 0.0 <= gamma <= 1.0:
            raise ValueError(f"DQNAgent: gamma must be in [0, 1], got {gamma!r}")
        if not 0.0 <= epsilon_end <= epsilon_start <= 1.0:
            raise ValueError(
                f"DQNAgent: need 0 <= epsilon_end <= epsilon_start <= 1, got "
                f"{epsilon_start!r}, {epsilon_end!r}"
            )
        for name, value in (
            ("batch_size", batch_size),
            ("train_every", train_every),
            ("gradient_steps", gradient_steps),
            ("target_update_every", target_update_every),
        ):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"DQNAgent: {name} must be a positive integer, got {value!r}")
        self.n_actions = int(n_actions)
        self.q_network = mlp([observation_dim, *hidden, n_actions], activation=nn.ReLU)
        self.target_network = copy.deepcopy(self.q_network)
        self.optimizer = optim.Adam(self.q_network.parameters(), lr=lr)
        self.buffer = ReplayBuffer(buffer_size, observation_dim)
        self.gamma, self.batch_size = float(gamma), int(batch_size)
        self.learning_starts, self.train_every = int(learning_starts), int(train_every)
        self.gradient_steps = int(gradient_steps)
        self.target_update_every = int(target_update_every)
        self.epsilon_start, self.epsilon_end = float(epsilon_start), float(epsilon_end)
        self.epsilon_decay_steps = max(1, int(epsilon_decay_steps))
        self.double, self.huber_delta, self.max_grad_norm = bool(double), float(huber_delta), max_grad_norm
        if tau is not None and not 0.0 < tau <= 1.0:
            raise ValueError(f"DQNAgent: tau must be in (0, 1], got {tau!r}")
        self.tau = tau
        self.steps = 0
        self.losses = []

    @property
    def epsilon(self):
        fraction = min(1.0, self.steps / self.epsilon_decay_steps)
        return self.epsilon_start + fraction * (self.epsilon_end - self.epsilon_start)

    def q_values(self, observations, network=None):
        """Q(s, ·) as a NumPy array (N, A), no graph recorded."""
        with no_grad():
            return (network or self.q_network)(Tensor(np.asarray(observations, dtype=np.float32))).array

    def act(self, observation, explore=True):
        if explore and generator().random() < self.epsilon:
            return int(generator().integers(self.n_actions))
        return int(self.q_values(np.asarray(observation)[None])[0].argmax())

    def td_target(self, batch):
        """y = r + γ (1 − d) Q_{θ⁻}(s', a*) with a* from the online (double) or target network."""
        next_target = self.q_values(batch.next_observations, self.target_network)
        if self.double:
            best = self.q_values(batch.next_observations).argmax(axis=1)
        else:
            best = next_target.argmax(axis=1)
        bootstrap = next_target[np.arange(len(best)), best]
        return (batch.rewards + self.gamma * (1.0 - batch.terminated) * bootstrap).astype(np.float32)

    def learn(self):
        """One gradient step on a replayed mini-batch; returns the loss."""
        batch = self.buffer.sample(self.batch_size)
        target = Tensor(self.td_target(batch))
        q = self.q_network(Tensor(batch.observations))
        q_taken = q[np.arange(self.batch_size), batch.actions]
        loss = F.huber_loss(q_taken, target, delta=self.huber_delta)
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm is not None:
            nn.utils.clip_grad_norm_(self.q_network.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return float(loss.item())

    def sync_target(self):
        """θ⁻ ← θ, or with ``tau`` the soft (Polyak) update θ⁻ ← τ θ + (1 − τ) θ⁻."""
        if self.tau is None:
            self.target_network.load_state_dict(self.q_network.state_dict())
            return
        for target, online in zip(self.target_network.parameters(), self.q_network.parameters()):
            target.array *= 1.0 - self.tau
            target.array += self.tau * online.array

    def observe(self, observation, action, reward, next_observation, terminated):
        self.buffer.add(observation, action, reward, next_observation, terminated)
        self.steps += 1
        if len(self.buffer) >= self.learning_starts and self.steps % self.train_every == 0:
            for _ in range(self.gradient_steps):
                self.losses.append(self.learn())
        if self.steps % self.target_update_every == 0:
            self.sync_target()


def train_dqn(
    env,
    agent=None,
    total_steps=50_000,
    target_return=None,
    eval_env=None,
    eval_episodes=100,
    check_window=10,
    check_fraction=0.9,
    seed=None,
    callback=None,
    **agent_kwargs,
):
    """Train ``agent`` (built from the environment's spaces and ``agent_kwargs`` if None) for at
    most ``total_steps`` environment steps.

    With ``target_return`` (e.g. 475 for CartPole-v1): whenever the mean return of the last
    ``check_window`` (ε-greedy) training episodes reaches ``check_fraction`` of it, the greedy
    policy is evaluated on ``eval_env``
    (default ``env``) over ``eval_episodes`` episodes, and training stops at the first evaluation
    whose mean reaches it; ``RunLog.solved_at_step`` records the training steps taken by then.
    ``callback(log)`` runs after each episode. Returns ``(agent, RunLog)``.
    """
    observation_dim, n_actions = space_sizes(env)
    if agent is None:
        agent = DQNAgent(observation_dim, n_actions, **agent_kwargs)
    log = RunLog()
    observation, _ = env.reset(seed=seed)
    episode_return, episode_length = 0.0, 0
    for _ in range(int(total_steps)):
        action = agent.act(observation)
        next_observation, reward, terminated, truncated, _ = env.step(action)
        agent.observe(observation, action, reward, next_observation, terminated)
        episode_return += float(reward)
        episode_length += 1
        observation = next_observation
        if terminated or truncated:
            log.add_episode(episode_return, episode_length, agent.steps)
            episode_return, episode_length = 0.0, 0
            observation, _ = env.reset()
            if callback is not None:
                callback(log)
            if target_return is not None and log.recent_mean(check_window) >= check_fraction * target_return:
                mean, _ = evaluate_policy(
                    eval_env or env, lambda o: agent.act(o, explore=False), eval_episodes
                )
                log.evaluations.append((agent.steps, mean))
                if eval_env is None:
                    observation, _ = env.reset()
                if mean >= target_return:
                    log.solved_at_step = agent.steps
                    break
    log.total_steps = agent.steps
    return agent, log
