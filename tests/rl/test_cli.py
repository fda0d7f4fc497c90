import json

import pytest

from mathdl.rl.cli import cli_entry, run_cartpole


def test_cli_entry_writes_an_honest_summary(tmp_path, capsys):
    code = cli_entry(
        [
            "cartpole",
            "--agent",
            "a2c",
            "--steps",
            "1024",
            "--backend",
            "builtin",
            "--eval-episodes",
            "5",
            "--output",
            str(tmp_path),
        ]
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    # the solved check needs 20 training episodes averaging ≥ 427.5 steps: impossible in 1024 steps
    assert code == 1 and not summary["solved"] and summary["solved_at_step"] is None
    assert summary["steps"] == 1024
    assert len(summary["episode_returns"]) == summary["episodes"] > 0
    assert summary["eval_episodes"] == 5 and 8 <= summary["greedy_mean_return"] <= 500
    assert "not solved within 1024 steps" in capsys.readouterr().out


def test_run_cartpole_reinforce_respects_the_step_budget():
    summary = run_cartpole("reinforce", total_steps=300, seed=1, backend="builtin", eval_episodes=5)
    assert 300 <= summary["steps"] < 300 + 500
    with pytest.raises(ValueError, match="agent"):
        run_cartpole("ppo")


def test_run_cartpole_dqn_settings_build_and_run():
    summary = run_cartpole("dqn", total_steps=300, seed=0, backend="builtin", eval_episodes=2)
    assert summary["steps"] == 300 and not summary["solved"]
    assert summary["episodes"] == len(summary["episode_end_steps"]) > 0
