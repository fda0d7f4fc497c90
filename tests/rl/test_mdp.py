import itertools

import numpy as np
import pytest

from mathdl.rl import FiniteMDP, GridWorld, policy_iteration, value_iteration


def two_state_mdp(gamma=0.9):
    # state 0: stay (+1) or move to 1 (0); state 1: stay (+2) or move to 0 (0)
    transitions = np.zeros((2, 2, 2))
    transitions[0, 0, 0] = transitions[0, 1, 1] = transitions[1, 0, 1] = transitions[1, 1, 0] = 1.0
    rewards = np.array([[1.0, 0.0], [2.0, 0.0]])
    return FiniteMDP(transitions, rewards, gamma)


def random_mdp(rng, n_states=4, n_actions=3, gamma=0.8):
    transitions = rng.random((n_states, n_actions, n_states)) ** 3
    transitions /= transitions.sum(axis=2, keepdims=True)
    return FiniteMDP(transitions, rng.normal(size=(n_states, n_actions)), gamma)


def closed_form_values(mdp, actions):
    """(I − γ P_π) v = r_π solved directly for a deterministic policy."""
    states = np.arange(mdp.n_states)
    p_pi = mdp.transitions[states, actions]
    r_pi = mdp.rewards[states, actions]
    return np.linalg.solve(np.eye(mdp.n_states) - mdp.gamma * p_pi, r_pi)


def test_value_iteration_matches_hand_solution():
    # optimal: move 0 -> 1 then stay; v(1) = 2 / (1 - 0.9) = 20, v(0) = 0.9 * 20 = 18
    result = value_iteration(two_state_mdp(), tol=1e-10)
    np.testing.assert_allclose(result.values, [18.0, 20.0], atol=1e-9)
    np.testing.assert_array_equal(result.policy, [1, 0])


def test_value_iteration_matches_closed_form_of_the_best_policy(rng):
    mdp = random_mdp(rng)
    # v* is the elementwise maximum over all |A|^|S| deterministic policies of (I − γP_π)⁻¹ r_π
    all_values = np.array(
        [
            closed_form_values(mdp, np.array(p))
            for p in itertools.product(range(mdp.n_actions), repeat=mdp.n_states)
        ]
    )
    v_star = all_values.max(axis=0)
    result = value_iteration(mdp, tol=1e-10)
    np.testing.assert_allclose(result.values, v_star, atol=1e-9)
    np.testing.assert_allclose(closed_form_values(mdp, result.policy), v_star, atol=1e-9)
    # v* is the fixed point of the Bellman optimality operator
    np.testing.assert_allclose(mdp.bellman_optimality(result.values), result.values, atol=1e-9)


def test_policy_iteration_agrees_with_value_iteration(rng):
    for _ in range(5):
        mdp = random_mdp(rng, n_states=6, n_actions=3, gamma=0.95)
        vi = value_iteration(mdp, tol=1e-11)
        pi = policy_iteration(mdp)
        np.testing.assert_allclose(pi.values, vi.values, atol=1e-8)
        np.testing.assert_array_equal(pi.policy, vi.policy)
        assert pi.iterations < 20


def test_evaluate_policy_stochastic_matches_monte_carlo_free_linear_solve(rng):
    mdp = random_mdp(rng)
    policy = rng.random((mdp.n_states, mdp.n_actions))
    policy /= policy.sum(axis=1, keepdims=True)
    v = mdp.evaluate_policy(policy)
    # Bellman expectation equation: v = Σ_a π(a|s) q_v(s, a)
    np.testing.assert_allclose(v, (policy * mdp.q_values(v)).sum(axis=1), atol=1e-12)


def test_rewards_given_per_transition_are_averaged(rng):
    mdp = random_mdp(rng)
    r3 = rng.normal(size=(mdp.n_states, mdp.n_actions, mdp.n_states))
    mdp3 = FiniteMDP(mdp.transitions, r3, mdp.gamma)
    np.testing.assert_allclose(mdp3.rewards, (mdp.transitions * r3).sum(axis=2))


def test_gridworld_optimal_path_value():
    # deterministic corridor: 3 steps of -0.01 then +1 on entering G
    env = GridWorld(["S..G"], slip=0.0, step_reward=-0.01, goal_reward=1.0)
    result = value_iteration(env.to_mdp(gamma=0.9))
    expected = -0.01 - 0.9 * 0.01 + 0.81 * 1.0
    assert result.values[env.start_state] == pytest.approx(expected, abs=1e-9)
    assert env.render_policy(result.policy) == ">>>G"


def test_slippery_gridworld_planners_agree():
    env = GridWorld(slip=0.2)
    mdp = env.to_mdp(gamma=0.95)
    vi, pi = value_iteration(mdp), policy_iteration(mdp)
    np.testing.assert_allclose(vi.values, pi.values, atol=1e-8)
    assert 0.3 < vi.values[env.start_state] < 1.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(transitions=np.ones((2, 2, 3)) / 3, rewards=np.zeros((2, 2)), gamma=0.9), "shape"),
        (dict(transitions=np.ones((2, 2, 2)), rewards=np.zeros((2, 2)), gamma=0.9), "probability"),
        (dict(transitions=np.ones((2, 2, 2)) / 2, rewards=np.zeros((3, 2)), gamma=0.9), "rewards"),
        (dict(transitions=np.ones((2, 2, 2)) / 2, rewards=np.zeros((2, 2)), gamma=1.0), "gamma"),
    ],
)
def test_invalid_mdp_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FiniteMDP(**kwargs)


def test_invalid_policy_and_arguments_raise():
    mdp = two_state_mdp()
    with pytest.raises(ValueError, match="integer actions"):
        mdp.evaluate_policy(np.array([0, 5]))
    with pytest.raises(ValueError, match="probability distribution"):
        mdp.evaluate_policy(np.array([[0.5, 0.6], [1.0, 0.0]]))
    with pytest.raises(TypeError, match="FiniteMDP"):
        value_iteration("not an mdp")
    with pytest.raises(ValueError, match="tol"):
        value_iteration(mdp, tol=0)
    with pytest.raises(ValueError, match="start"):
        GridWorld(["..G"])
