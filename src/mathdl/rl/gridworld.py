"""GridWorld: a small stochastic grid with the Gymnasium environment API and its exact MDP.

The map is a list of strings: ``S`` start, ``.`` floor, ``#`` wall, ``G`` goal (terminal, reward
``goal_reward``), ``H`` hole (terminal, reward ``hole_reward``). Actions 0 up, 1 right, 2 down,
3 left. With probability 1 − slip the agent moves as asked, with probability slip/2 to either
side (perpendicular); a move into a wall or off the grid leaves it in place. Entering a cell
earns that cell's reward (``step_reward`` for floor). The environment samples from exactly the
table that ``to_mdp`` returns, so planning on the MDP and learning from the environment solve
the same problem.
"""

import numpy as np

from mathdl.random import generator
from mathdl.rl.mdp import FiniteMDP
from mathdl.rl.spaces import Discrete

_MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
DEFAULT_MAP = ("S..#....", ".#...#H.", "...#...G", "H.....#.")


class GridWorld:
    """``GridWorld(grid=DEFAULT_MAP, slip=0.0, step_reward=-0.01, goal_reward=1.0,
    hole_reward=-1.0, max_steps=100)``; observations are state indices (row-major over the
    non-wall cells). ``reset(seed=None) -> (state, info)``, ``step(action) -> (state, reward,
    terminated, truncated, info)`` as in Gymnasium."""

    def __init__(
        self, grid=DEFAULT_MAP, slip=0.0, step_reward=-0.01, goal_reward=1.0, hole_reward=-1.0, max_steps=100
    ):
        rows = [str(row) for row in grid]
        if not rows or any(len(row) != len(rows[0]) for row in rows):
            raise ValueError("GridWorld: grid must be a non-empty list of equally long strings")
        unknown = set("".join(rows)) - set("S.#GH")
        if unknown:
            raise ValueError(f"GridWorld: unknown map characters {sorted(unknown)}; use S . # G H")
        if "".join(rows).count("S") != 1:
            raise ValueError("GridWorld: the map needs exactly one start cell 'S'")
        if not 0.0 <= slip <= 1.0:
            raise ValueError(f"GridWorld: slip must be a probability in [0, 1], got {slip!r}")
        if not isinstance(max_steps, int) or max_steps < 1:
            raise ValueError(f"GridWorld: max_steps must be a positive integer, got {max_steps!r}")
        self.grid = rows
        self.slip = float(slip)
        self.max_steps = max_steps
        self.cells = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch != "#"]
        index = {cell: i for i, cell in enumerate(self.cells)}
        kinds = [rows[r][c] for r, c in self.cells]
        self.start_state = kinds.index("S")
        self.terminal = np.array([k in "GH" for k in kinds])
        cell_reward = np.array(
            [goal_reward if k == "G" else hole_reward if k == "H" else step_reward for k in kinds],
            dtype=np.float64,
        )
        n = len(self.cells)
        transitions = np.zeros((n, 4, n))
        rewards = np.zeros((n, 4, n))
        for s, (r, c) in enumerate(self.cells):
            if self.terminal[s]:
                transitions[s, :, s] = 1.0  # absorbing, no further reward
                continue
            for a in range(4):
                for direction, p in ((a, 1.0 - slip), ((a + 1) % 4, slip / 2), ((a + 3) % 4, slip / 2)):
                    nr, nc = r + _MOVES[direction][0], c + _MOVES[direction][1]
                    target = index.get((nr, nc), s)
                    transitions[s, a, target] += p
                rewards[s, a] = cell_reward
        self.transitions = transitions
        self.reward_table = rewards
        self.observation_space = Discrete(n)
        self.action_space = Discrete(4)
        self.state = None
        self.steps = 0
        self._rng = None

    def to_mdp(self, gamma=0.95):
        """The exact FiniteMDP of this grid (terminal cells absorbing with zero reward)."""
        return FiniteMDP(self.transitions, self.reward_table, gamma)

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.state = self.start_state
        self.steps = 0
        return self.state, {}

    def step(self, action):
        if self.state is None:
            raise RuntimeError("GridWorld: call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(f"GridWorld: action must be an integer in [0, 4), got {action!r}")
        if self.terminal[self.state]:
            raise RuntimeError("GridWorld: the episode has terminated; call reset()")
        rng = self._rng if self._rng is not None else generator()
        probabilities = self.transitions[self.state, int(action)]
        next_state = int(rng.choice(len(probabilities), p=probabilities))
        reward = float(self.reward_table[self.state, int(action), next_state])
        self.state = next_state
        self.steps += 1
        terminated = bool(self.terminal[next_state])
        truncated = self.steps >= self.max_steps and not terminated
        return next_state, reward, terminated, truncated, {}

    def render_policy(self, policy):
        """The map with each non-terminal floor cell replaced by an arrow for ``policy[state]``."""
        arrows = "^>v<"
        out = [list(row) for row in self.grid]
        for s, (r, c) in enumerate(self.cells):
            if not self.terminal[s]:
                out[r][c] = arrows[int(policy[s])]
        return "\n".join("".join(row) for row in out)
