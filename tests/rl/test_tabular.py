import numpy as np
import pytest

import mathdl as md
from mathdl.rl import GridWorld, QLearning, train_q_learning, value_iteration


def test_q_learning_update_is_the_td_formula():
    agent = QLearning(3, 2, learning_rate=0.5, gamma=0.9)
    agent.q[:] = [[1.0, 2.0], [0.5, -1.0], [3.0, 4.0]]
    delta = agent.update(0, 1, reward=1.0, next_state=2, terminated=False)
    assert delta == pytest.approx(1.0 + 0.9 * 4.0 - 2.0)
    assert agent.q[0, 1] == pytest.approx(2.0 + 0.5 * delta)
    delta = agent.update(1, 0, reward=-1.0, next_state=2, terminated=True)  # no bootstrap
    assert agent.q[1, 0] == pytest.approx(0.5 + 0.5 * (-1.0 - 0.5))


def test_q_learning_converges_to_q_star_on_deterministic_grid():
    md.manual_seed(0)
    env = GridWorld(slip=0.0, max_steps=60)
    mdp = env.to_mdp(gamma=0.9)
    optimum = value_iteration(mdp, tol=1e-10)
    agent = QLearning(mdp.n_states, mdp.n_actions, learning_rate=0.5, gamma=0.9, epsilon=0.3)
    log = train_q_learning(env, agent, episodes=1500, seed=0)
    start = env.start_state
    # the greedy policy of the learned table is optimal from the start state
    assert mdp.evaluate_policy(agent.policy())[start] == pytest.approx(optimum.values[start], abs=1e-9)
    assert abs(agent.q[start].max() - optimum.values[start]) < 1e-3
    assert log.episode_returns[-200:].mean() > log.episode_returns[:50].mean()
    assert log.total_steps == log.episode_lengths.sum()


def test_q_learning_on_slippery_grid_is_near_optimal():
    md.manual_seed(1)
    env = GridWorld(slip=0.1, max_steps=60)
    mdp = env.to_mdp(gamma=0.9)
    optimum = value_iteration(mdp)
    agent = QLearning(mdp.n_states, mdp.n_actions, learning_rate=0.1, gamma=0.9, epsilon=0.2)
    train_q_learning(env, agent, episodes=3000, seed=1)
    learned = mdp.evaluate_policy(agent.policy())[env.start_state]
    assert learned >= 0.95 * optimum.values[env.start_state]


def test_gridworld_environment_samples_its_mdp():
    env = GridWorld(["S.G"], slip=0.5, max_steps=5)
    state, info = env.reset(seed=3)
    assert state == env.start_state and info == {}
    counts = np.zeros(3)
    for _ in range(4000):
        env.reset()
        next_state, reward, terminated, truncated, _ = env.step(1)
        counts[next_state] += 1
    # from the start, "right" moves right with probability 0.5, slips up/down (walls: stay) 0.5
    np.testing.assert_allclose(counts / counts.sum(), env.transitions[env.start_state, 1], atol=0.03)


def test_truncation_and_misuse():
    env = GridWorld(["S.#", "..G"], max_steps=2)
    env.reset(seed=0)
    env.step(3)
    *_, terminated, truncated, _ = env.step(3)
    assert truncated and not terminated
    with pytest.raises(ValueError, match="action"):
        env.step(7)
    with pytest.raises(ValueError, match="match"):
        train_q_learning(env, QLearning(2, 4), episodes=1)
    with pytest.raises(ValueError, match="learning_rate"):
        QLearning(2, 2, learning_rate=0.0)
