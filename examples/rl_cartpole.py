"""DQN and A2C on CartPole-v1 until the greedy policy averages ≥ 475 over 100 episodes.

    python examples/rl_cartpole.py [output_folder] [--agent dqn|a2c|reinforce|all] [--seed 0]
        [--backend auto|builtin|gymnasium]

Uses Gymnasium's CartPole-v1 when installed (the optional extra ``rl``), otherwise mathdl's NumPy
port of it. Whenever the recent training returns are high, the greedy policy is evaluated on 100
fresh episodes; the run stops at the first evaluation averaging ≥ 475 and reports the environment
steps used by then. Writes ``rl_cartpole_<agent>.json`` and ``rl_cartpole_<agent>.png`` (training
returns against steps) to the output folder (default examples/output/).
"""

import argparse
import json
import os

import numpy as np

from mathdl.rl.cli import run_cartpole, save_returns_plot


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", nargs="?", default=os.path.join("examples", "output"))
    parser.add_argument("--agent", choices=["dqn", "a2c", "reinforce", "all"], default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--backend", choices=["auto", "builtin", "gymnasium"], default="auto")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)
    agents = ["a2c", "dqn"] if args.agent == "all" else [args.agent]
    for agent in agents:

        def progress(log, agent=agent):
            if len(log.episode_returns) % 50 == 0:
                print(
                    f"  {agent} episode {len(log.episode_returns)} step {log.episode_end_steps[-1]} mean "
                    f"return (last 50) {np.mean(log.episode_returns[-50:]):.1f} evaluations "
                    f"{log.evaluations[-2:]}",
                    flush=True,
                )

        summary = run_cartpole(agent, args.steps, args.seed, args.backend, callback=progress)
        outcome = (
            f"greedy mean return ≥ 475 over 100 episodes after {summary['solved_at_step']} environment steps"
            if summary["solved"]
            else f"not solved in {summary['steps']} steps"
        )
        print(
            f"{agent}: {outcome}; last greedy evaluation {summary['greedy_mean_return']:.1f} "
            f"({summary['episodes']} training episodes, {summary['seconds']:.0f} s)",
            flush=True,
        )
        with open(os.path.join(args.output, f"rl_cartpole_{agent}.json"), "w") as handle:
            json.dump(summary, handle, indent=1)
        path = save_returns_plot(summary, os.path.join(args.output, f"rl_cartpole_{agent}.png"))
        if path:
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
