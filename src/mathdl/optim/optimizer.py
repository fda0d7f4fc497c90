"""Optimizer: the base class of the update rules (SGD, Adagrad, RMSprop, Adam, AdamW).

Parameters come in groups (``param_groups``), each a dict holding its ``params`` and its own
hyper-parameters (``lr``, …), so one model can train parts at different rates. A rule keeps
per-parameter state (momentum buffers, moment estimates, step counts) in ``state[param]``.

``state_dict()`` refers to parameters by their position in the groups (0, 1, … across groups,
as PyTorch does), never by object identity, so it can be saved and loaded into a new optimizer
built over a new copy of the model: a run can be resumed exactly.

Updates are done in place on ``p.array`` with buffers allocated on the first step only; they
never build a graph and never change ``p.grad``. Each update counts as an in-place write of the
parameter (``mathdl.autograd.version.bump``), as in PyTorch: a backward through a graph built
before ``step()`` that needs the old weights raises instead of using the new ones.
"""

import copy
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from mathdl.autograd import grad_mode
from mathdl.autograd.tensor import Tensor
from mathdl.autograd.version import bump
from mathdl.typing import ParamsT


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def check_number(value, name, where, low=0.0, high=None, low_inclusive=True, high_inclusive=False):
    """``value`` as a float, or ValueError naming it when outside [low, high) (or the given ends)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{where}: {name} must be a number, got {value!r}")
    value = float(value)
    too_low = value < low if low_inclusive else value <= low
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high or value != value:
        interval = (
            ("[" if low_inclusive else "(")
            + f"{low}, "
            + ("inf" if high is None else f"{high}")
            + ("]" if high_inclusive or high is None else ")")
        )
        raise ValueError(f"{where}: invalid {name} {value!r}: must be in {interval}")
    return value


class Optimizer:
    """Base class. Subclasses set ``defaults`` and implement ``_update(group, param, grad, state)``.

    params: an iterable of Tensors (Parameters), or of dicts ``{'params': [...], 'lr': ..., …}``
    for per-group options (missing options take the defaults).
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[Tensor, dict[str, np.ndarray]] = {}
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Tensors or of dicts, "
                f"got a single Tensor (wrap it in a list)"
            )
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(
                f"{type(self).__name__}: got an empty parameter list (did the model "
                f"have no parameters, or was a generator already consumed?)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group ``{'params': [...], option: value, …}``; missing options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{type(self).__name__}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"{type(self).__name__}: a parameter group needs a 'params' entry")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    f"{type(self).__name__}: cannot optimize a non-leaf Tensor (one made by "
                    f"an operation); optimize the Parameters it was computed from"
                )
            if p.dtype.kind != "f":
                raise TypeError(
                    f"{type(self).__name__}: parameters must be floating-point, got dtype {p.dtype}"
                )
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter group contains the same parameter twice")
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError(
                f"{type(self).__name__}: some parameters appear in more than one parameter group"
            )
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"{type(self).__name__}: parameter group didn't specify a value of "
                    f"required optimization parameter {name!r}"
                )
            group.setdefault(name, default)
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group):
        """Validate a group's hyper-parameters (subclasses raise ValueError naming the bad one)."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters: to None (default, as PyTorch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.array[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient. ``closure`` (optional) re-evaluates
        the model and returns the loss, which step returns."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad.array
                    if grad.shape != p.array.shape:
                        raise ValueError(
                            f"{type(self).__name__}: gradient of shape {grad.shape} for a "
                            f"parameter of shape {p.array.shape}"
                        )
                    state = self.state.get(p)
                    if state is None:
                        state = self.state[p] = {}
                    self._update(group, p, grad, state)
                    bump(p)
        return loss

    def _update(self, group, param, grad, state):
        raise NotImplementedError(f"{type(self).__name__}._update")

    def _buffer(self, param, name):
        """A scratch array shaped like ``param`` kept between steps (allocated once, not saved)."""
        buffers = self._scratch.get(param)
        if buffers is None:
            buffers = self._scratch[param] = {}
        array = buffers.get(name)
        if array is None or array.shape != param.array.shape or array.dtype != param.array.dtype:
            array = buffers[name] = np.empty_like(param.array)
        return array

    # ----- saving and resuming ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{'state': {index: {name: array or number}}, 'param_groups': [{options, 'params': [indices]}]}``.

        Parameters are numbered by position across the groups, as in PyTorch. Arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            saved = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            saved["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                saved["params"].append(index[id(p)])
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.state[p].items()
                    }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (from this optimizer or one built the same way)."""
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: expected a dict with 'state' and "
                f"'param_groups' (what state_dict() returns)"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the saved state has {len(saved_groups)} "
                f"parameter groups, this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for position, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            saved_params = list(np.asarray(saved["params"]).reshape(-1).tolist())
            if len(saved_params) != len(group["params"]):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: group {position} has "
                    f"{len(saved_params)} parameters in the saved state and "
                    f"{len(group['params'])} here"
                )
            for i, p in zip(saved_params, group["params"]):
                by_index[int(i)] = p
        new_state = {}
        for key, values in state_dict["state"].items():
            key = int(key)
            if key not in by_index:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state for parameter {key}, "
                    f"which no group contains"
                )
            p = by_index[key]
            new_state[p] = {name: self._restored(name, value, key, p) for name, value in values.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            for name, value in saved.items():
                if name != "params":
                    if isinstance(value, np.ndarray):
                        value = value.tolist() if value.ndim else value.item()
                    elif isinstance(value, np.generic):
                        value = value.item()
                    if isinstance(value, list):
                        value = tuple(value)
                    group[name] = value
        self.state = new_state

    def _restored(self, name, value, key, p):
        """A saved state entry as this optimizer keeps it: arrays copied in the parameter's dtype
        (shape checked), scalars as Python numbers."""
        if isinstance(value, Tensor):
            value = value.array
        if isinstance(value, np.ndarray) and value.ndim > 0:
            if value.shape != p.array.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state {name!r} of "
                    f"parameter {key} has shape {value.shape}, the parameter {p.array.shape}"
                )
            return value.astype(p.array.dtype, copy=True)
        if isinstance(value, (np.ndarray, np.generic)):
            return value.item()
        return value

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for position, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {position}")
            for name in sorted(group):
                if name != "params":
                    lines.append(f"    {name}: {group[name]}")
        lines.append(")")
        return "\n".join(lines)
