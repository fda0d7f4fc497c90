"""Planning and learning on a GridWorld: value iteration, policy iteration and Q-learning.

    python examples/rl_gridworld.py [output_folder] [--slip 0.1] [--episodes 3000]

Solves the default 4×8 map exactly (value iteration and policy iteration must agree), learns a
Q-table by ε-greedy Q-learning from sampled episodes, and compares the learned greedy policy's
exact value (policy evaluation, (I − γP_π)v = r_π) with the optimum. Writes ``rl_gridworld.png``
(optimal values, the two policies as arrows) to the output folder (default examples/output/).
"""

import argparse
import os
import time

import numpy as np

import mathdl as md
from mathdl.rl import GridWorld, QLearning, policy_iteration, train_q_learning, value_iteration


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--slip", type=float, default=0.1)
    parser.add_argument("--episodes", type=int, default=3000)
    parser.add_argument("--gamma", type=float, default=0.95)
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    md.manual_seed(0)
    env = GridWorld(slip=args.slip, max_steps=100)
    mdp = env.to_mdp(args.gamma)
    start = time.perf_counter()
    vi = value_iteration(mdp)
    vi_seconds = time.perf_counter() - start
    pi = policy_iteration(mdp)
    print(
        f"value iteration: {vi.iterations} sweeps ({vi_seconds * 1e3:.1f} ms); policy iteration: "
        f"{pi.iterations} improvements; max |v_VI - v_PI| = {np.max(np.abs(vi.values - pi.values)):.2e}"
    )
    print("optimal policy:\n" + env.render_policy(vi.policy))
    agent = QLearning(mdp.n_states, mdp.n_actions, learning_rate=0.1, gamma=args.gamma, epsilon=0.2)
    log = train_q_learning(env, agent, args.episodes, seed=0)
    learned = mdp.evaluate_policy(agent.policy())
    s0 = env.start_state
    print(
        f"Q-learning, {args.episodes} episodes ({log.total_steps} steps): greedy policy value at start "
        f"{learned[s0]:.4f} vs optimal {vi.values[s0]:.4f}; mean return of last 100 episodes "
        f"{log.episode_returns[-100:].mean():.3f}"
    )
    print("learned policy:\n" + env.render_policy(agent.policy()))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure written")
        return
    rows, cols = len(env.grid), len(env.grid[0])
    values = np.full((rows, cols), np.nan)
    for s, (r, c) in enumerate(env.cells):
        values[r, c] = vi.values[s]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    arrows = {0: (0, -0.3), 1: (0.3, 0), 2: (0, 0.3), 3: (-0.3, 0)}
    for ax, policy, title in (
        (axes[0], vi.policy, "optimal (value iteration)"),
        (axes[1], agent.policy(), "Q-learning greedy"),
    ):
        image = ax.imshow(values, cmap="viridis")
        for s, (r, c) in enumerate(env.cells):
            kind = env.grid[r][c]
            if kind in "GH":
                ax.text(c, r, kind, ha="center", va="center", color="white", fontsize=14, weight="bold")
            else:
                dx, dy = arrows[int(policy[s])]
                ax.arrow(c - dx / 2, r - dy / 2, dx, dy, head_width=0.15, color="white")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=axes, label="v*(s)")
    fig.savefig(os.path.join(args.output, "rl_gridworld.png"), dpi=110, bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {os.path.join(args.output, 'rl_gridworld.png')}")


if __name__ == "__main__":
    main()
