"""``mathdl rl`` and ``mathdl gradcheck``: thin doors to their libraries."""

from mathdl.cli.common import CommandError


def add_rl(subparsers):
    """Declare ``mathdl rl`` (its options belong to ``mathdl.rl.cli``)."""
    from mathdl.rl import cli as rl_cli

    parser = subparsers.add_parser(
        "rl",
        help="train a deep RL agent on CartPole",
        description="Train DQN, A2C or REINFORCE on CartPole-v1 (Gymnasium's when installed, else mathdl's "
        "NumPy copy of its dynamics) until the greedy mean return over 100 episodes is >= 475.",
    )
    rl_cli.add_arguments(parser)
    parser.set_defaults(handler=run_rl)
    return parser


def run_rl(args):
    """Run ``mathdl.rl.cli.cli_entry``; exit code 0 when the target return was reached."""
    from mathdl.rl import cli as rl_cli

    try:
        return rl_cli.cli_entry(args)
    except ValueError as error:
        raise CommandError(str(error)) from None


def add_gradcheck(subparsers):
    """Declare ``mathdl gradcheck`` (its options belong to the gradcheck report)."""
    parser = subparsers.add_parser(
        "gradcheck",
        help="check every op's gradient against finite differences",
        description="Print the gradient-check table (analytic vs central finite differences, float64). "
        "Options after 'gradcheck' go to the checker; see 'mathdl gradcheck --help'.",
        add_help=False,
    )
    parser.set_defaults(handler=run_gradcheck, passthrough=True)
    return parser


def run_gradcheck(args):
    """Run ``mathdl.autograd.gradcheck_report.main`` with the remaining arguments."""
    from mathdl.autograd import gradcheck_report

    return gradcheck_report.main(args.extra)
