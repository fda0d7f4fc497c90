"""Policy-gradient agents: REINFORCE with a learned baseline, and advantage actor-critic (A2C).

A softmax policy π_θ(a | s) = softmax(f_θ(s))_a and a value network V_φ(s). The policy-gradient
theorem (Williams, 1992; Sutton et al., 2000) gives, for any baseline b(s),

    ∇_θ J(θ) = E_π [ Σ_t ∇_θ log π_θ(a_t | s_t) (G_t − b(s_t)) ],     G_t = Σ_{k≥t} γ^{k−t} r_k.

REINFORCE uses the Monte-Carlo return G_t and b = V_φ. A2C (Mnih et al., 2016, synchronous) uses
short rollouts from several environments and the generalised advantage estimate (Schulman et al., 2016)

    δ_t = r_t + γ (1 − d_t) V(s_{t+1}) − V(s_t),      Â_t = δ_t + γ λ (1 − d_t) Â_{t+1}.

Both minimise  L = −mean(log π(a|s) Â) + c_v · mean((V(s) − R̂)²) − β · mean(H[π(·|s)]),
with R̂ = Â + V the value target, Â held constant, and H the entropy bonus that keeps exploring.
A time-limit truncation is not a terminal state: its reward gets γ V(s_last) added.
"""

import numpy as np

from mathdl import nn, optim
from mathdl.autograd import no_grad
from mathdl.autograd.tensor import Tensor
from mathdl.random import generator
from mathdl.rl.environments import RunLog, evaluate_policy, space_sizes
from mathdl.rl.networks import mlp


class ActorCritic(nn.Module):
    """Separate actor (logits) and critic (value) networks with tanh hidden layers."""

    def __init__(self, observation_dim, n_actions, hidden=(64, 64)):
        super().__init__()
        self.actor = mlp([observation_dim, *hidden, n_actions], activation=nn.Tanh)
        self.critic = mlp([observation_dim, *hidden, 1], activation=nn.Tanh)
        self.n_actions = int(n_actions)

    def forward(self, observations):
        """(logits (N, A), values (N,)) for observations (N, D)."""
        return self.actor(observations), self.critic(observations).reshape(-1)

    def act(self, observation, explore=True):
        """Sample a ~ π(·|s) (or the most probable action when ``explore`` is False)."""
        with no_grad():
            logits = self.actor(Tensor(np.asarray(observation, dtype=np.float32)[None])).array[0]
        if not explore:
            return int(logits.argmax())
        return int(sample_categorical(logits[None])[0])

    def evaluate(self, observations, actions):
        """log π(a|s) (N,), entropy H[π(·|s)] (N,) and V(s) (N,) for a batch, with gradients."""
        logits, values = self(Tensor(np.asarray(observations, dtype=np.float32)))
        log_probs = logits.log_softmax(axis=-1)
        taken = log_probs[np.arange(len(actions)), np.asarray(actions, dtype=np.int64)]
        entropy = -(log_probs.exp() * log_probs).sum(axis=-1)
        return taken, entropy, values


def sample_categorical(logits):
    """One sample per row of softmax(logits), by inverting the cumulative distribution."""
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cumulative = np.cumsum(p, axis=-1)
    u = generator().random((len(logits), 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < u).sum(axis=-1), logits.shape[-1] - 1)


def discounted_returns(rewards, gamma, bootstrap=0.0):
    """G_t = r_t + γ G_{t+1} backwards from G_T = ``bootstrap``, shape (T,)."""
    returns = np.zeros(len(rewards), dtype=np.float64)
    running = float(bootstrap)
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def generalized_advantages(rewards, values, next_values, dones, gamma, lam):
    """Â_t = δ_t + γλ(1 − d_t) Â_{t+1} with δ_t = r_t + γ(1 − d_t) V(s_{t+1}) − V(s_t).

    All arrays (T, n_envs); ``next_values[t]`` is V(s_{t+1}) (the rollout's last state for t = T−1).
    """
    advantages = np.zeros_like(rewards, dtype=np.float64)
    running = np.zeros(rewards.shape[1:])
    for t in range(len(rewards) - 1, -1, -1):
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * nonterminal * next_values[t] - values[t]
        running = delta + gamma * lam * nonterminal * running
        advantages[t] = running
    return advantages


def _loss(model, observations, actions, advantages, value_targets, value_coef, entropy_coef):
    log_probs, entropy, values = model.evaluate(observations, actions)
    advantages = Tensor(advantages.astype(np.float32))
    value_targets = Tensor(value_targets.astype(np.float32))
    policy_loss = -(log_probs * advantages).mean()
    value_loss = ((values - value_targets) ** 2).mean()
    return policy_loss + value_coef * value_loss - entropy_coef * entropy.mean()


def _check_solved(log, model, eval_env, target_return, check_window, eval_episodes, step):
    # training episodes sample actions, so a policy can be solved greedily before they show it
    if target_return is None or log.recent_mean(check_window) < 0.9 * target_return:
        return False
    mean, _ = evaluate_policy(eval_env, lambda o: model.act(o, explore=False), eval_episodes)
    log.evaluations.append((step, mean))
    if mean >= target_return:
        log.solved_at_step = step
        return True
    return False


def _optimise(optimizer, loss, model, max_grad_norm):
    """One gradient step on ``loss`` (gradients clipped to ``max_grad_norm`` when given)."""
    optimizer.zero_grad()
    loss.backward()
    if max_grad_norm is not None:
        nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()


def _play_episode(env, model, observation):
    """Act from ``observation`` until the episode ends: (observations, actions, rewards, last
    observation, whether it was cut short by a time limit rather than terminated)."""
    observations, actions, rewards, done, terminated, truncated = [], [], [], False, False, False
    while not done:
        action = model.act(observation)
        next_observation, reward, terminated, truncated, _ = env.step(action)
        observations.append(observation)
        actions.append(action)
        rewards.append(float(reward))
        observation, done = next_observation, terminated or truncated
    return observations, actions, rewards, observation, truncated and not terminated


def _reinforce_targets(model, observations, rewards, last_observation, cut_short, gamma, normalize):
    """Discounted returns (bootstrapped by the critic when a time limit cut the episode) and the
    advantages returns − V(s), normalised when asked."""
    bootstrap = 0.0
    with no_grad():
        if cut_short:
            bootstrap = float(
                model.critic(Tensor(np.asarray(last_observation, np.float32)[None])).array[0, 0]
            )
        values = model.critic(Tensor(np.asarray(observations, np.float32))).array.reshape(-1)
    returns = discounted_returns(rewards, gamma, bootstrap)
    advantages = returns - values
    if normalize and len(advantages) > 1:
        advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    return returns, advantages


def train_reinforce(
    env,
    model=None,
    episodes=1000,
    gamma=0.99,
    lr=1e-2,
    value_coef=0.5,
    entropy_coef=0.0,
    normalize_advantages=True,
    max_grad_norm=None,
    target_return=None,
    eval_env=None,
    eval_episodes=100,
    check_window=10,
    max_steps=None,
    seed=None,
    callback=None,
):
    """REINFORCE with a value baseline: one update per episode, for ``episodes`` episodes or
    until ``max_steps`` environment steps are used. Returns ``(model, RunLog)``.

    The solved check (``target_return``) works as in ``train_dqn``; give an ``eval_env`` distinct
    from ``env`` to evaluate without disturbing training.
    """
    observation_dim, n_actions = space_sizes(env)
    model = model or ActorCritic(observation_dim, n_actions)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    log, step = RunLog(), 0
    observation, _ = env.reset(seed=seed)
    for _ in range(int(episodes)):
        observations, actions, rewards, last, cut_short = _play_episode(env, model, observation)
        step += len(rewards)
        returns, advantages = _reinforce_targets(
            model, observations, rewards, last, cut_short, gamma, normalize_advantages
        )
        loss = _loss(model, np.asarray(observations), actions, advantages, returns, value_coef, entropy_coef)
        _optimise(optimizer, loss, model, max_grad_norm)
        log.add_episode(sum(rewards), len(rewards), step)
        observation, _ = env.reset()
        if callback is not None:
            callback(log)
        if _check_solved(log, model, eval_env or env, target_return, check_window, eval_episodes, step):
            if eval_env is None:
                observation, _ = env.reset()
            break
        if max_steps is not None and step >= max_steps:
            break
    log.total_steps = step
    return model, log


class _Rollouts:
    """The synchronous environments of A2C, their current observations and running episode
    statistics; ``collect`` gathers the next ``n_steps`` steps from every environment."""

    def __init__(self, envs, seed, log, callback):
        self.envs, self.log, self.callback = envs, log, callback
        self.reset(seed)

    def reset(self, seed=None):
        self.observations = np.stack(
            [env.reset(seed=None if seed is None else seed + i)[0] for i, env in enumerate(self.envs)]
        ).astype(np.float32)
        self.episode_returns = np.zeros(len(self.envs))
        self.episode_lengths = np.zeros(len(self.envs), dtype=np.int64)

    def _step_envs(self, actions, rewards_t, dones_t, steps_after):
        """Step every environment once (resetting finished ones); returns the next observations and
        {env index: final observation} of the episodes a time limit cut short."""
        next_observations = np.zeros_like(self.observations)
        truncated_last = {}
        for i, env in enumerate(self.envs):
            next_obs, reward, terminated, truncated, _ = env.step(int(actions[i]))
            rewards_t[i] = reward
            dones_t[i] = float(terminated or truncated)
            self.episode_returns[i] += reward
            self.episode_lengths[i] += 1
            if truncated and not terminated:
                truncated_last[i] = np.asarray(next_obs, dtype=np.float32)
            if terminated or truncated:
                self.log.add_episode(self.episode_returns[i], self.episode_lengths[i], steps_after)
                self.episode_returns[i], self.episode_lengths[i] = 0.0, 0
                if self.callback is not None:
                    self.callback(self.log)
                next_obs, _ = env.reset()
            next_observations[i] = next_obs
        return next_observations, truncated_last

    def collect(self, model, n_steps, gamma, step):
        """(observations, actions, rewards, dones, V(s), V(s')) of the next ``n_steps`` steps, each
        (n_steps, n_envs, …); a time-limited episode's last reward is bootstrapped by γ·V(s_last)."""
        n_envs, observation_dim = self.observations.shape
        batch_obs = np.zeros((n_steps, n_envs, observation_dim), dtype=np.float32)
        batch_actions = np.zeros((n_steps, n_envs), dtype=np.int64)
        rewards, dones, values, next_values = (np.zeros((n_steps, n_envs)) for _ in range(4))
        for t in range(n_steps):
            with no_grad():
                logits, value = model(Tensor(self.observations))
            actions = sample_categorical(logits.array)
            batch_obs[t], batch_actions[t], values[t] = self.observations, actions, value.array
            self.observations, truncated_last = self._step_envs(
                actions, rewards[t], dones[t], step + (t + 1) * n_envs
            )
            if truncated_last:
                index = sorted(truncated_last)
                with no_grad():
                    last_values = model.critic(Tensor(np.stack([truncated_last[i] for i in index]))).array
                rewards[t, index] += gamma * last_values.reshape(-1)
            if t > 0:
                next_values[t - 1] = values[t]
        with no_grad():
            next_values[-1] = model.critic(Tensor(self.observations)).array.reshape(-1)
        return batch_obs, batch_actions, rewards, dones, values, next_values


def train_a2c(
    envs,
    model=None,
    total_steps=200_000,
    n_steps=16,
    gamma=0.99,
    lam=0.95,
    lr=1e-3,
    value_coef=0.5,
    entropy_coef=0.01,
    max_grad_norm=0.5,
    target_return=None,
    eval_env=None,
    eval_episodes=100,
    check_window=20,
    seed=None,
    callback=None,
):
    """Synchronous advantage actor-critic over a list of environments (or one environment).

    Each update collects ``n_steps`` steps from every environment, computes GAE(λ) advantages and
    takes one Adam step on the loss above. ``total_steps`` counts environment steps over all
    environments. Returns ``(model, RunLog)``.
    """
    envs = list(envs) if isinstance(envs, (list, tuple)) else [envs]
    observation_dim, n_actions = space_sizes(envs[0])
    model = model or ActorCritic(observation_dim, n_actions)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    log, step = RunLog(), 0
    rollouts = _Rollouts(envs, seed, log, callback)
    solved = False
    while step < total_steps and not solved:
        batch_obs, batch_actions, rewards, dones, values, next_values = rollouts.collect(
            model, n_steps, gamma, step
        )
        advantages = generalized_advantages(rewards, values, next_values, dones, gamma, lam)
        value_targets = advantages + values
        loss = _loss(
            model,
            batch_obs.reshape(-1, observation_dim),
            batch_actions.reshape(-1),
            advantages.reshape(-1),
            value_targets.reshape(-1),
            value_coef,
            entropy_coef,
        )
        _optimise(optimizer, loss, model, max_grad_norm)
        step += n_steps * len(envs)
        solved = _check_solved(
            log, model, eval_env or envs[0], target_return, check_window, eval_episodes, step
        )
        if solved or (log.evaluations and log.evaluations[-1][0] == step and eval_env is None):
            rollouts.reset()
    log.total_steps = step
    return model, log
