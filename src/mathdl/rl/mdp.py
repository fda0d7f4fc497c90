"""Finite Markov decision processes solved exactly: policy evaluation, value iteration, policy iteration.

A finite MDP is (S, A, P, r, γ): ``P[s, a, s'] = Pr(s' | s, a)``, ``r[s, a]`` the expected reward of
taking action a in state s, and a discount γ ∈ [0, 1). A policy π(a | s) is an (S, A) row-stochastic
matrix (a deterministic policy may be given as an (S,) array of actions). Its value solves the
Bellman expectation equation, a linear system

    v_π = r_π + γ P_π v_π     ⇔     (I − γ P_π) v_π = r_π,
    P_π[s, s'] = Σ_a π(a|s) P[s, a, s'],     r_π[s] = Σ_a π(a|s) r[s, a],

and the optimal value is the fixed point of the Bellman optimality operator (a γ-contraction in ‖·‖∞)

    (T v)(s) = max_a [ r(s, a) + γ Σ_{s'} P(s'|s, a) v(s') ],      v* = T v*.

Reference: Sutton & Barto, *Reinforcement Learning: An Introduction* (2nd ed.), chapters 3-4.
"""

from collections import namedtuple

import numpy as np

PlanningResult = namedtuple("PlanningResult", ["values", "policy", "q_values", "iterations"])


class FiniteMDP:
    """A finite MDP with known dynamics.

    ``transitions``: (S, A, S) array, ``transitions[s, a]`` a probability distribution over s'.
    ``rewards``: (S, A) expected rewards r(s, a), or (S, A, S) rewards r(s, a, s') (reduced to
    r(s, a) = Σ_{s'} P(s'|s, a) r(s, a, s')). ``gamma``: the discount, 0 ≤ γ < 1.
    Arrays are kept in float64: planning is exact linear algebra, not a learned model.
    """

    def __init__(self, transitions, rewards, gamma):
        transitions = np.asarray(transitions, dtype=np.float64)
        rewards = np.asarray(rewards, dtype=np.float64)
        if transitions.ndim != 3 or transitions.shape[0] != transitions.shape[2]:
            raise ValueError(f"FiniteMDP: transitions must have shape (S, A, S), got {transitions.shape}")
        n_states, n_actions, _ = transitions.shape
        if n_states == 0 or n_actions == 0:
            raise ValueError(f"FiniteMDP: need at least one state and one action, got {transitions.shape}")
        if np.any(transitions < 0) or not np.allclose(transitions.sum(axis=2), 1.0, atol=1e-8):
            raise ValueError(
                "FiniteMDP: every transitions[s, a, :] must be a probability distribution "
                "(non-negative, summing to 1)"
            )
        if rewards.shape == (n_states, n_actions, n_states):
            rewards = np.einsum("sat,sat->sa", transitions, rewards)
        elif rewards.shape != (n_states, n_actions):
            raise ValueError(
                f"FiniteMDP: rewards must have shape (S, A) = {(n_states, n_actions)} or "
                f"(S, A, S) = {(n_states, n_actions, n_states)}, got {rewards.shape}"
            )
        if not np.all(np.isfinite(rewards)):
            raise ValueError("FiniteMDP: rewards must be finite")
        if not isinstance(gamma, (int, float, np.floating)) or not 0.0 <= float(gamma) < 1.0:
            raise ValueError(f"FiniteMDP: gamma must be a number in [0, 1), got {gamma!r}")
        self.transitions = transitions
        self.rewards = rewards
        self.gamma = float(gamma)

    @property
    def n_states(self):
        return self.transitions.shape[0]

    @property
    def n_actions(self):
        return self.transitions.shape[1]

    def policy_matrix(self, policy):
        """π as an (S, A) row-stochastic matrix (an (S,) array of actions becomes one-hot rows)."""
        policy = np.asarray(policy)
        if policy.shape == (self.n_states,):
            if policy.dtype.kind not in "iu" or np.any(policy < 0) or np.any(policy >= self.n_actions):
                raise ValueError(
                    f"policy: a deterministic policy must hold integer actions in "
                    f"[0, {self.n_actions}), got {policy!r}"
                )
            return np.eye(self.n_actions)[policy]
        if policy.shape != (self.n_states, self.n_actions):
            raise ValueError(
                f"policy: expected shape (S,) = ({self.n_states},) or (S, A) = "
                f"{(self.n_states, self.n_actions)}, got {policy.shape}"
            )
        policy = policy.astype(np.float64)
        if np.any(policy < 0) or not np.allclose(policy.sum(axis=1), 1.0, atol=1e-8):
            raise ValueError("policy: every row pi(.|s) must be a probability distribution")
        return policy

    def evaluate_policy(self, policy):
        """v_π exactly: the solution of (I − γ P_π) v = r_π (non-singular because γ < 1)."""
        pi = self.policy_matrix(policy)
        p_pi = np.einsum("sa,sat->st", pi, self.transitions)
        r_pi = np.einsum("sa,sa->s", pi, self.rewards)
        return np.linalg.solve(np.eye(self.n_states) - self.gamma * p_pi, r_pi)

    def q_values(self, values):
        """q(s, a) = r(s, a) + γ Σ_{s'} P(s'|s, a) v(s'), shape (S, A)."""
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (self.n_states,):
            raise ValueError(f"q_values: values must have shape ({self.n_states},), got {values.shape}")
        return self.rewards + self.gamma * self.transitions @ values

    def bellman_optimality(self, values):
        """(T v)(s) = max_a q(s, a)."""
        return self.q_values(values).max(axis=1)

    def greedy_policy(self, values):
        """argmax_a q(s, a) for each state (lowest action index on ties), shape (S,)."""
        return self.q_values(values).argmax(axis=1)


def value_iteration(mdp, tol=1e-10, max_iterations=100_000):
    """Iterate v_{k+1} = T v_k from v_0 = 0 until ‖v_{k+1} − v_k‖∞ < tol·(1 − γ)/γ.

    That stopping rule bounds the error of the result: ‖v_{k+1} − v*‖∞ ≤ γ/(1−γ) ‖v_{k+1} − v_k‖∞ < tol.
    Returns ``PlanningResult(values (S,), policy (S,) greedy actions, q_values (S, A), iterations)``.
    """
    _check_mdp(mdp, "value_iteration")
    if not tol > 0:
        raise ValueError(f"value_iteration: tol must be positive, got {tol!r}")
    threshold = tol * (1.0 - mdp.gamma) / mdp.gamma if mdp.gamma > 0 else np.inf
    values = np.zeros(mdp.n_states)
    for iteration in range(1, max_iterations + 1):  # noqa: B007 (read after the loop)
        new_values = mdp.bellman_optimality(values)
        change = np.max(np.abs(new_values - values))
        values = new_values
        if change < threshold:
            break
    else:
        raise RuntimeError(
            f"value_iteration: no convergence to tol={tol} in {max_iterations} iterations "
            f"(last change {change:.3g})"
        )
    q = mdp.q_values(values)
    return PlanningResult(values, q.argmax(axis=1), q, iteration)


def policy_iteration(mdp, initial_policy=None, max_iterations=10_000):
    """Alternate exact evaluation v_π = (I − γP_π)⁻¹ r_π and greedy improvement π' = argmax_a q_π.

    The policy keeps its action where that action is already among the maximisers (up to 1e-12
    relative), so ties cannot make it cycle; it stops when the policy no longer changes, which
    happens after finitely many steps because each improvement is strict and there are |A|^|S|
    deterministic policies. Returns ``PlanningResult``.
    """
    _check_mdp(mdp, "policy_iteration")
    policy = (
        np.zeros(mdp.n_states, dtype=np.int64)
        if initial_policy is None
        else np.asarray(initial_policy, dtype=np.int64).copy()
    )
    mdp.policy_matrix(policy)  # validates
    for iteration in range(1, max_iterations + 1):
        values = mdp.evaluate_policy(policy)
        q = mdp.q_values(values)
        best = q.max(axis=1)
        current = q[np.arange(mdp.n_states), policy]
        improvable = current < best - 1e-12 * np.maximum(1.0, np.abs(best))
        if not np.any(improvable):
            return PlanningResult(values, policy, q, iteration)
        policy = np.where(improvable, q.argmax(axis=1), policy)
    raise RuntimeError(f"policy_iteration: policy still changing after {max_iterations} iterations")


def _check_mdp(mdp, name):
    if not isinstance(mdp, FiniteMDP):
        raise TypeError(f"{name}: expected a FiniteMDP, got {type(mdp).__name__}")
