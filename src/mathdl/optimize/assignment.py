"""The linear assignment problem, solved as SciPy's ``linear_sum_assignment`` solves it.

Given a cost matrix C (n_rows × n_cols), choose k = min(n_rows, n_cols) entries, at most one per
row and per column, minimising their sum:

    min Σᵢⱼ Cᵢⱼ Xᵢⱼ   over Xᵢⱼ ∈ {0, 1},  Σⱼ Xᵢⱼ ≤ 1,  Σᵢ Xᵢⱼ ≤ 1,  Σᵢⱼ Xᵢⱼ = k.

Method: the shortest augmenting path algorithm (Jonker & Volgenant 1987, in the rectangular form of
Crouse 2016, the one SciPy implements). Rows are added one at a time; for each, a Dijkstra-like
search over reduced costs Cᵢⱼ − uᵢ − vⱼ ≥ 0 finds the cheapest path to a free column, the
matching is flipped along the path, and the dual potentials (u, v) are updated so that reduced
costs stay non-negative. Each row costs O(n_cols²) (the inner scan over columns is vectorised).
A wide-or-square problem is solved as given; a tall one on its transpose.

+inf entries mean "not allowed". NaN or −inf entries (after negation for ``maximize``) are invalid,
and a matrix with no complete assignment of finite cost is infeasible: both raise ValueError, as SciPy.
"""

import numpy as np

from mathdl.autograd.tensor import Tensor


def _cost_matrix(cost_matrix, maximize):
    array = cost_matrix.array if isinstance(cost_matrix, Tensor) else np.asarray(cost_matrix)
    if array.ndim != 2:
        raise ValueError(f"linear_sum_assignment: expected a matrix (2-D array), got a {array.ndim}-D array")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"linear_sum_assignment: the cost matrix must be numeric, got dtype {array.dtype}")
    cost = array.astype(np.float64)
    if maximize:
        cost = -cost
    if np.isnan(cost).any() or np.isneginf(cost).any():
        raise ValueError("linear_sum_assignment: matrix contains invalid numeric entries (NaN or -inf)")
    return cost


def _shortest_augmenting_path(cost, u, v, row4col, start_row):
    """Dijkstra over reduced costs from ``start_row`` to the nearest free column.

    Returns (sink column, path predecessors, shortest path costs, visited rows, visited columns,
    final distance). Ties prefer a free column (so a path ends as early as possible), as SciPy."""
    n_rows, n_cols = cost.shape
    remaining = np.arange(n_cols - 1, -1, -1)  # reversed: a constant matrix gives the identity
    count = n_cols
    shortest = np.full(n_cols, np.inf)
    path = np.full(n_cols, -1)
    visited_rows = np.zeros(n_rows, dtype=bool)
    visited_cols = np.zeros(n_cols, dtype=bool)
    distance, row = 0.0, start_row
    while True:
        visited_rows[row] = True
        columns = remaining[:count]
        reduced = distance + cost[row, columns] - u[row] - v[columns]
        better = reduced < shortest[columns]
        path[columns[better]] = row
        shortest[columns[better]] = reduced[better]
        candidates = shortest[columns]
        lowest = candidates.min()
        if lowest == np.inf:
            return None
        ties = np.flatnonzero(candidates == lowest)
        free = ties[row4col[columns[ties]] == -1]
        index = free[-1] if free.size else ties[0]
        distance = lowest
        column = columns[index]
        visited_cols[column] = True
        count -= 1
        remaining[index] = remaining[count]
        if row4col[column] == -1:
            return column, path, shortest, visited_rows, visited_cols, distance
        row = row4col[column]


def _solve(cost):
    """Assignment of every row of a wide-or-square cost matrix: col4row (n_rows,)."""
    n_rows, n_cols = cost.shape
    u, v = np.zeros(n_rows), np.zeros(n_cols)
    col4row = np.full(n_rows, -1)
    row4col = np.full(n_cols, -1)
    for current in range(n_rows):
        found = _shortest_augmenting_path(cost, u, v, row4col, current)
        if found is None:
            raise ValueError("linear_sum_assignment: cost matrix is infeasible")
        sink, path, shortest, visited_rows, visited_cols, distance = found
        # dual update: keeps every reduced cost ≥ 0 and the matched ones at 0
        u[current] += distance
        others = np.flatnonzero(visited_rows)
        others = others[others != current]
        u[others] += distance - shortest[col4row[others]]
        v[visited_cols] -= distance - shortest[visited_cols]
        column = sink
        while True:  # flip the matching along the path
            row = path[column]
            row4col[column] = row
            col4row[row], column = column, col4row[row]
            if row == current:
                break
    return col4row


def linear_sum_assignment(cost_matrix, maximize=False):
    """Solve the linear assignment problem: ``(row_ind, col_ind)`` int64 arrays of length
    min(n_rows, n_cols), ``row_ind`` sorted, so that ``cost_matrix[row_ind, col_ind].sum()`` is
    minimal (maximal with ``maximize=True``). SciPy's signature and results.

    Args:
        cost_matrix: (n_rows, n_cols) array or Tensor; +inf marks a forbidden pair.
        maximize: maximise the total instead.

    >>> cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    >>> linear_sum_assignment(cost)
    (array([0, 1, 2]), array([1, 0, 2]))
    """
    cost = _cost_matrix(cost_matrix, maximize)
    n_rows, n_cols = cost.shape
    if n_rows == 0 or n_cols == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if n_cols < n_rows:
        rows_of_columns = _solve(cost.T)  # for each original column, its row
        order = np.argsort(rows_of_columns, kind="stable")
        return rows_of_columns[order].astype(np.int64), order.astype(np.int64)
    return np.arange(n_rows, dtype=np.int64), _solve(cost).astype(np.int64)
