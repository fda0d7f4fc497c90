"""Library entry for ``mathdl rl``: train a deep agent on CartPole and report what it reached.

    mathdl rl cartpole --agent dqn|a2c|reinforce [--steps N] [--seed S] [--backend auto|builtin|gymnasium]
                       [--output DIR]

The command-line file wires ``add_arguments(parser)`` and ``cli_entry(args) -> exit code``; the
same settings are reachable from Python with ``run_cartpole(agent, ...)``.
"""

import argparse
import json
import os
import time

import numpy as np

from mathdl.random import manual_seed

# Settings that reached a greedy mean return ≥ 475 over 100 episodes on CartPole-v1 in our runs
# (examples/rl_cartpole.py). DQN's are those of PyTorch's DQN tutorial: soft target updates
# (τ = 0.005 every step), lr 1e-4, batches of 128 from a 10,000-transition buffer, ε from 0.9 to 0.05
# over the first 3,000 steps. (rl-baselines3-zoo's bursty recipe, 128 gradient steps every 256
# environment steps at lr 2.3e-3, did not get past a mean of ~250 within 70,000 steps for us.)
DQN_SETTINGS = dict(
    hidden=(128, 128),
    lr=1e-4,
    batch_size=128,
    buffer_size=10_000,
    learning_starts=128,
    train_every=1,
    gradient_steps=1,
    target_update_every=1,
    tau=0.005,
    epsilon_start=0.9,
    epsilon_end=0.05,
    epsilon_decay_steps=3000,
    max_grad_norm=None,
)
A2C_SETTINGS = dict(n_steps=16, lr=1e-3, gamma=0.99, lam=0.95, entropy_coef=0.01, max_grad_norm=0.5)
AGENTS = ("dqn", "a2c", "reinforce")
DEFAULT_STEPS = {"dqn": 150_000, "a2c": 400_000, "reinforce": 400_000}


def run_cartpole(
    agent="a2c",
    total_steps=None,
    seed=0,
    backend="auto",
    target_return=475.0,
    n_envs=8,
    eval_episodes=100,
    callback=None,
):
    """Train ``agent`` on CartPole-v1 until its greedy policy averages ≥ ``target_return`` over
    ``eval_episodes`` episodes or ``total_steps`` environment steps are used.

    Returns a summary dict: agent, solved (bool), solved_at_step, the last evaluation's mean
    return, steps used, episodes, seconds, and the per-episode training returns.
    """
    from mathdl.rl.dqn import train_dqn
    from mathdl.rl.environments import evaluate_policy, make_env
    from mathdl.rl.policy_gradient import train_a2c, train_reinforce

    if agent not in AGENTS:
        raise ValueError(f"run_cartpole: agent must be one of {AGENTS}, got {agent!r}")
    total_steps = int(total_steps or DEFAULT_STEPS[agent])
    manual_seed(seed)
    eval_env = make_env("CartPole-v1", backend=backend)
    start = time.perf_counter()
    if agent == "dqn":
        model, log = train_dqn(
            make_env("CartPole-v1", backend=backend),
            total_steps=total_steps,
            target_return=target_return,
            eval_env=eval_env,
            eval_episodes=eval_episodes,
            seed=seed,
            callback=callback,
            **DQN_SETTINGS,
        )
        act = lambda o: model.act(o, explore=False)  # noqa: E731
    elif agent == "a2c":
        envs = [make_env("CartPole-v1", backend=backend) for _ in range(n_envs)]
        model, log = train_a2c(
            envs,
            total_steps=total_steps,
            target_return=target_return,
            eval_env=eval_env,
            eval_episodes=eval_episodes,
            seed=seed,
            callback=callback,
            **A2C_SETTINGS,
        )
        act = lambda o: model.act(o, explore=False)  # noqa: E731
    else:
        model, log = train_reinforce(
            make_env("CartPole-v1", backend=backend),
            episodes=total_steps,
            lr=3e-3,
            target_return=target_return,
            eval_env=eval_env,
            eval_episodes=eval_episodes,
            max_steps=total_steps,
            seed=seed,
            callback=callback,
        )
        act = lambda o: model.act(o, explore=False)  # noqa: E731
    seconds = time.perf_counter() - start
    if log.evaluations and log.evaluations[-1][0] == log.total_steps:
        final_mean = log.evaluations[-1][1]
    else:
        final_mean, _ = evaluate_policy(eval_env, act, eval_episodes, seed=seed + 1)
    return {
        "agent": agent,
        "solved": log.solved_at_step is not None,
        "solved_at_step": log.solved_at_step,
        "greedy_mean_return": float(final_mean),
        "eval_episodes": int(eval_episodes),
        "steps": int(log.total_steps),
        "episodes": len(log.episode_returns),
        "seconds": round(seconds, 1),
        "evaluations": [(int(s), float(m)) for s, m in log.evaluations],
        "episode_returns": [float(r) for r in log.episode_returns],
        "episode_end_steps": [int(s) for s in log.episode_end_steps],
    }


def add_arguments(parser):
    """Declare ``mathdl rl``'s options on an argparse parser."""
    parser.add_argument("environment", choices=["cartpole"], help="the task (CartPole-v1)")
    parser.add_argument("--agent", choices=AGENTS, default="a2c", help="the learning agent (default: a2c)")
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help="environment-step budget (default: dqn 150000, a2c/reinforce 400000)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of networks, exploration and episodes (default: 0)"
    )
    parser.add_argument(
        "--backend",
        choices=["auto", "builtin", "gymnasium"],
        default="auto",
        help="gymnasium's CartPole-v1 or mathdl's NumPy one (default: auto, gymnasium when installed)",
    )
    parser.add_argument(
        "--eval-episodes",
        type=int,
        default=100,
        help="greedy episodes averaged for the solved check and the final report (default: 100)",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="folder for summary.json, history.csv and returns.png (default: none written)",
    )
    return parser


def cli_entry(args):
    """Run ``mathdl rl`` from parsed arguments (an argparse Namespace or a list of strings).
    Prints the summary; returns the exit code (0 when the target return was reached)."""
    if not isinstance(args, argparse.Namespace):
        args = add_arguments(argparse.ArgumentParser(prog="mathdl rl")).parse_args(args)
    if args.steps is not None and args.steps < 1:
        raise ValueError(f"mathdl rl: --steps must be positive, got {args.steps}")

    from mathdl.train import History, ProgressLine

    line = ProgressLine(verbose=1, rate_name="env steps")
    budget = int(args.steps or DEFAULT_STEPS[args.agent])
    line.begin(f"{args.agent} on CartPole-v1", budget)
    history = History()

    def progress(log):
        # the agents' own loops call this after every episode: the same progress line as the fit
        # loop (live on a terminal, a line every 20 s in a log), and a History row per evaluation
        steps = log.episode_end_steps[-1]
        line.update(
            min(steps, budget),
            steps,
            lambda: {"mean_return_last_50": float(np.mean(log.episode_returns[-50:]))},
        )
        while len(history) < len(log.evaluations):
            step, mean = log.evaluations[len(history)]
            history.append(len(history), {"step": step, "greedy_mean_return": mean})

    if args.eval_episodes < 1:
        raise ValueError(f"mathdl rl: --eval-episodes must be positive, got {args.eval_episodes}")
    summary = run_cartpole(
        args.agent, args.steps, args.seed, args.backend, eval_episodes=args.eval_episodes, callback=progress
    )
    line.end(summary["steps"], summary["steps"], {"greedy_mean_return": summary["greedy_mean_return"]})
    print(
        f"{args.agent} on CartPole-v1: greedy mean return {summary['greedy_mean_return']:.1f} over "
        f"{summary['eval_episodes']} episodes; "
        + (
            f"reached ≥ 475 after {summary['solved_at_step']} environment steps"
            if summary["solved"]
            else f"not solved within {summary['steps']} steps"
        )
        + f" ({summary['seconds']} s)"
    )
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        from mathdl.io import atomic_write

        with atomic_write(os.path.join(args.output, "summary.json")) as handle:
            handle.write(json.dumps(summary, indent=1).encode("utf-8"))
        if len(history):
            history.to_csv(os.path.join(args.output, "history.csv"))
        path = save_returns_plot(summary, os.path.join(args.output, "returns.png"))
        if path:
            print(f"wrote {path}")
    return 0 if summary["solved"] else 1


def save_returns_plot(summary, path):
    """Training returns per episode against environment steps, greedy evaluations as dots
    (drawn by ``mathdl.train.plots``: without matplotlib it says how to get it and returns None)."""
    from mathdl.train.plots import _pyplot, _save

    plt = _pyplot()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(summary["episode_end_steps"], summary["episode_returns"], lw=0.6, label="training episode return")
    for index, (step, mean) in enumerate(summary["evaluations"]):
        ax.plot(step, mean, "o", color="C3", label="greedy mean return" if index == 0 else None)
    if summary["solved"]:
        ax.axvline(summary["solved_at_step"], color="C2", ls="--", label="greedy mean ≥ 475")
    ax.set_xlabel("environment steps")
    ax.set_ylabel("return")
    ax.set_title(f"{summary['agent']} on CartPole-v1")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _save(fig, path, plt)
