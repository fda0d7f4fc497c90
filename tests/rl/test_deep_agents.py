import numpy as np
import pytest

import mathdl as md
from mathdl.rl import GridWorld, value_iteration
from mathdl.rl.cartpole import CartPoleEnv
from mathdl.rl.dqn import DQNAgent, train_dqn
from mathdl.rl.environments import OneHotObservation, evaluate_policy, make_env, space_sizes
from mathdl.rl.policy_gradient import (
    ActorCritic,
    discounted_returns,
    generalized_advantages,
    sample_categorical,
    train_a2c,
    train_reinforce,
)
from mathdl.rl.replay import ReplayBuffer

# a corridor with a trap: the optimal return from S is −0.01·4 + 1 = 0.96 (5 steps right)
CORRIDOR = ["H.S....G"]


def corridor():
    return OneHotObservation(GridWorld(CORRIDOR, step_reward=-0.01, max_steps=30))


def greedy_return(act):
    mean, returns = evaluate_policy(corridor(), act, episodes=3, seed=0)
    return mean


def test_corridor_optimal_return_by_value_iteration():
    env = GridWorld(CORRIDOR, step_reward=-0.01)
    result = value_iteration(env.to_mdp(gamma=0.999999), tol=1e-9)
    assert result.values[env.start_state] == pytest.approx(0.96, abs=1e-5)


def test_replay_buffer_ring_and_sampling():
    md.manual_seed(0)
    buffer = ReplayBuffer(3, 2)
    for i in range(5):
        buffer.add([i, i], i % 2, float(i), [i + 1, i + 1], i == 4)
    assert len(buffer) == 3
    np.testing.assert_array_equal(np.sort(buffer.rewards), [2.0, 3.0, 4.0])  # 0 and 1 overwritten
    batch = buffer.sample(100)
    assert set(batch.rewards.tolist()) == {2.0, 3.0, 4.0}
    np.testing.assert_array_equal(batch.observations[:, 0], batch.rewards)
    np.testing.assert_array_equal(batch.terminated, (batch.rewards == 4.0).astype(np.float32))
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(2, 2).sample(1)


def test_dqn_target_is_the_double_q_formula():
    md.manual_seed(0)
    agent = DQNAgent(3, 2, hidden=(8,), gamma=0.9)
    for param in agent.target_network.parameters():  # make the two networks differ
        param.array += 0.5
    rng = np.random.default_rng(0)
    for _ in range(10):
        agent.buffer.add(
            rng.normal(size=3), rng.integers(2), rng.normal(), rng.normal(size=3), rng.random() < 0.3
        )
    batch = agent.buffer.sample(10)
    q_next_online = agent.q_values(batch.next_observations)
    q_next_target = agent.q_values(batch.next_observations, agent.target_network)
    best = q_next_online.argmax(axis=1)
    expected = batch.rewards + 0.9 * (1 - batch.terminated) * q_next_target[np.arange(10), best]
    np.testing.assert_allclose(agent.td_target(batch), expected, rtol=1e-6)
    agent.double = False
    expected = batch.rewards + 0.9 * (1 - batch.terminated) * q_next_target.max(axis=1)
    np.testing.assert_allclose(agent.td_target(batch), expected, rtol=1e-6)
    agent.sync_target()
    np.testing.assert_array_equal(
        agent.q_values(batch.observations), agent.q_values(batch.observations, agent.target_network)
    )


def test_dqn_learns_the_corridor():
    md.manual_seed(0)
    agent, log = train_dqn(
        corridor(),
        total_steps=1500,
        seed=0,
        hidden=(32,),
        lr=3e-3,
        learning_starts=100,
        epsilon_decay_steps=800,
        target_update_every=100,
        batch_size=32,
        gamma=0.95,
    )
    assert greedy_return(lambda o: agent.act(o, explore=False)) == pytest.approx(0.96, abs=1e-6)
    assert np.mean(agent.losses[-100:]) < np.mean(agent.losses[:100])


def test_reinforce_learns_the_corridor():
    md.manual_seed(1)
    model, log = train_reinforce(corridor(), episodes=150, lr=0.03, gamma=0.95, seed=0)
    assert greedy_return(lambda o: model.act(o, explore=False)) == pytest.approx(0.96, abs=1e-6)
    assert np.mean(log.episode_returns[-20:]) > np.mean(log.episode_returns[:20])


def test_a2c_learns_the_corridor():
    md.manual_seed(2)
    model, log = train_a2c(
        [corridor() for _ in range(4)], total_steps=4000, n_steps=8, lr=0.01, gamma=0.95, seed=0
    )
    assert greedy_return(lambda o: model.act(o, explore=False)) == pytest.approx(0.96, abs=1e-6)
    assert np.mean(log.episode_returns[-20:]) > 0.9


def test_discounted_returns_and_gae():
    np.testing.assert_allclose(
        discounted_returns([1.0, 2.0, 3.0], 0.5, bootstrap=4.0),
        [1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 4, 2 + 0.5 * 3 + 0.25 * 4, 3 + 0.5 * 4],
    )
    rng = np.random.default_rng(0)
    rewards, values = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    next_values = np.vstack([values[1:], rng.normal(size=(1, 2))])
    dones = np.zeros((6, 2))
    # λ = 1 and no episode end: Â_t = Σ γ^k r_{t+k} + γ^{T−t} V(s_T) − V(s_t)
    advantages = generalized_advantages(rewards, values, next_values, dones, 0.9, 1.0)
    for e in range(2):
        expected = discounted_returns(rewards[:, e], 0.9, next_values[-1, e]) - values[:, e]
        np.testing.assert_allclose(advantages[:, e], expected)
    # λ = 0: the one-step TD error; a done cuts both the bootstrap and the recursion
    dones[2, 0] = 1.0
    advantages = generalized_advantages(rewards, values, next_values, dones, 0.9, 0.0)
    np.testing.assert_allclose(advantages, rewards + 0.9 * (1 - dones) * next_values - values)


def test_actor_critic_log_probabilities_and_sampling(torch):
    md.manual_seed(0)
    model = ActorCritic(3, 4, hidden=(5,))
    observations = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    actions = np.array([0, 1, 2, 3, 1, 0])
    log_probs, entropy, values = model.evaluate(observations, actions)
    logits = torch.tensor(model.actor(md.tensor(observations)).array)
    distribution = torch.distributions.Categorical(logits=logits)
    np.testing.assert_allclose(
        log_probs.array, distribution.log_prob(torch.tensor(actions)).numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(entropy.array, distribution.entropy().numpy(), rtol=1e-5)
    assert values.shape == (6,)
    counts = np.bincount(sample_categorical(np.tile(np.log([[0.1, 0.2, 0.3, 0.4]]), (20000, 1))), minlength=4)
    np.testing.assert_allclose(counts / 20000, [0.1, 0.2, 0.3, 0.4], atol=0.015)


def test_builtin_cartpole_matches_gymnasium_dynamics():
    gymnasium = pytest.importorskip("gymnasium", reason="Gymnasium is optional (extra 'rl')")
    ours, theirs = CartPoleEnv(), gymnasium.make("CartPole-v1").unwrapped
    ours.reset(seed=0)
    theirs.reset(seed=0)
    rng = np.random.default_rng(0)
    theirs.state = ours.state.copy()
    for _ in range(60):
        action = int(rng.integers(2))
        mine, reward, terminated, truncated, _ = ours.step(action)
        gym_obs, gym_reward, gym_terminated, _, _ = theirs.step(action)
        np.testing.assert_allclose(mine, gym_obs, rtol=1e-6, atol=1e-7)
        assert (reward, terminated) == (gym_reward, gym_terminated)
        if terminated:
            break


def test_cartpole_limits_and_adapters():
    env = CartPoleEnv(max_episode_steps=5)
    observation, _ = env.reset(seed=1)
    assert observation.dtype == np.float32 and np.all(np.abs(observation) <= 0.05)
    for _ in range(4):
        *_, terminated, truncated, _ = env.step(0)
    *_, terminated, truncated, _ = env.step(1)
    assert truncated and not terminated
    with pytest.raises(RuntimeError, match="reset"):
        env.step(0)
    assert space_sizes(CartPoleEnv()) == (4, 2)
    with pytest.raises(TypeError, match="vector observations"):
        space_sizes(GridWorld())
    assert isinstance(make_env("CartPole-v1", backend="builtin"), CartPoleEnv)
    with pytest.raises(ValueError, match="no built-in"):
        make_env("Pong-v5", backend="builtin")
    with pytest.raises(ValueError, match="backend"):
        make_env("CartPole-v1", backend="jax")


def test_soft_target_update_is_polyak_averaging():
    md.manual_seed(0)
    agent = DQNAgent(3, 2, hidden=(4,), tau=0.25)
    online = [p.array.copy() for p in agent.q_network.parameters()]
    for p in agent.target_network.parameters():
        p.array[...] = 1.0
    agent.sync_target()
    for target, w in zip(agent.target_network.parameters(), online):
        np.testing.assert_allclose(target.array, 0.25 * w + 0.75, rtol=1e-6)
    with pytest.raises(ValueError, match="tau"):
        DQNAgent(3, 2, tau=0.0)
