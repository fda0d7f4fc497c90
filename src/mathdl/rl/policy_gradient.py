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
        observations, actions, rewards, done, truncated = [], [], [], False, False
        while not done:
            action = model.act(observation)
            next_observation, reward, terminated, truncated, _ = env.step(action)
            observations.append(observation)
            actions.append(action)
            rewards.append(float(reward))
            observation, done = next_observation, terminated or truncated
        step += len(rewards)
        bootstrap = 0.0
        if truncated and not terminated:
            with no_grad():
                bootstrap = float(model.critic(Tensor(np.asarray(observation, np.float32)[None])).array[0, 0])
        returns = discounted_returns(rewards, gamma, bootstrap)
        with no_grad():
            values = model.critic(Tensor(np.asarray(observations, np.float32))).array.reshape(-1)
        advantages = returns - values
        if normalize_advantages and len(advantages) > 1:
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        loss = _loss(model, np.asarray(observations), actions, advantages, returns, value_coef, entropy_coef)
        optimizer.zero_grad()
        loss.backward()
        if max_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
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
    n_envs, log, step = len(envs), RunLog(), 0
    observations = np.stack(
        [env.reset(seed=None if seed is None else seed + i)[0] for i, env in enumerate(envs)]
    ).astype(np.float32)
    episode_returns, episode_lengths = np.zeros(n_envs), np.zeros(n_envs, dtype=np.int64)
    solved = False
    while step < total_steps and not solved:
        batch_obs = np.zeros((n_steps, n_envs, observation_dim), dtype=np.float32)
        batch_actions = np.zeros((n_steps, n_envs), dtype=np.int64)
        rewards = np.zeros((n_steps, n_envs))
        dones = np.zeros((n_steps, n_envs))
        values = np.zeros((n_steps, n_envs))
        next_values = np.zeros((n_steps, n_envs))
        for t in range(n_steps):
            with no_grad():
                logits, value = model(Tensor(observations))
            actions = sample_categorical(logits.array)
            batch_obs[t], batch_actions[t], values[t] = observations, actions, value.array
            next_observations = np.zeros_like(observations)
            truncated_last = {}
            for i, env in enumerate(envs):
                next_obs, reward, terminated, truncated, _ = env.step(int(actions[i]))
                rewards[t, i] = reward
                dones[t, i] = float(terminated or truncated)
                episode_returns[i] += reward
                episode_lengths[i] += 1
                if truncated and not terminated:
                    truncated_last[i] = np.asarray(next_obs, dtype=np.float32)
                if terminated or truncated:
                    log.add_episode(episode_returns[i], episode_lengths[i], step + (t + 1) * n_envs)
                    episode_returns[i], episode_lengths[i] = 0.0, 0
                    if callback is not None:
                        callback(log)
                    next_obs, _ = env.reset()
                next_observations[i] = next_obs
            if truncated_last:
                index = sorted(truncated_last)
                with no_grad():
                    last_values = model.critic(Tensor(np.stack([truncated_last[i] for i in index]))).array
                rewards[t, index] += gamma * last_values.reshape(-1)
            observations = next_observations
            if t > 0:
                next_values[t - 1] = values[t]
        with no_grad():
            next_values[-1] = model.critic(Tensor(observations)).array.reshape(-1)
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
        optimizer.zero_grad()
        loss.backward()
        if max_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        step += n_steps * n_envs
        solved = _check_solved(
            log, model, eval_env or envs[0], target_return, check_window, eval_episodes, step
        )
        if solved or (log.evaluations and log.evaluations[-1][0] == step and eval_env is None):
            observations = np.stack([env.reset()[0] for env in envs]).astype(np.float32)
            episode_returns[:], episode_lengths[:] = 0.0, 0
    log.total_steps = step
    return model, log
