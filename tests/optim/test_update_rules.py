"""Optimizers: the update formulas by hand, hyper-parameter checks, in-place updates, dtype,
param groups, state_dict save/resume, and convergence on a quadratic."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn, optim

ALL = [
    (optim.SGD, dict(lr=0.1)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5)),
    (optim.Adagrad, dict(lr=0.5, lr_decay=0.01, weight_decay=0.01)),
    (optim.RMSprop, dict(lr=0.01)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
    (optim.Adam, dict(lr=0.1)),
    (optim.Adam, dict(lr=0.1, amsgrad=True, weight_decay=0.01)),
    (optim.AdamW, dict(lr=0.1)),
    (optim.Adadelta, dict(lr=1.0, eps=1e-3, weight_decay=0.01)),  # ε sets its first steps (√ε)
    (optim.Adamax, dict(lr=0.1, weight_decay=0.01)),
    (optim.NAdam, dict(lr=0.1, weight_decay=0.01)),
]


def param(values, dtype=np.float64):
    return nn.Parameter(np.array(values, dtype=dtype), dtype=dtype)


def set_grad(p, g):
    p.grad = md.tensor(np.asarray(g, dtype=p.dtype))


def test_sgd_momentum_by_hand():
    p = param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    set_grad(p, [1.0, 1.0])
    opt.step()  # b = g; p -= lr b
    np.testing.assert_allclose(p.array, [0.9, -2.1])
    opt.step()  # b = 0.9 b + g = 1.9
    np.testing.assert_allclose(p.array, [0.9 - 0.19, -2.1 - 0.19])


def test_adam_first_step_is_lr_times_sign():
    p = param([1.0, -2.0, 3.0])
    opt = optim.Adam([p], lr=0.01)
    set_grad(p, [0.5, -3.0, 1e-3])
    opt.step()  # m̂ = g, v̂ = g²  ⇒ step = lr g/(|g| + ε)
    g = np.array([0.5, -3.0, 1e-3])
    np.testing.assert_allclose(p.array, [1.0, -2.0, 3.0] - 0.01 * g / (np.abs(g) + 1e-8), rtol=1e-14)


def test_rmsprop_by_hand():
    p = param([1.0])
    opt = optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8)
    v = 0.0
    expected = 1.0
    for g in (2.0, -1.0, 0.5):
        set_grad(p, [g])
        opt.step()
        v = 0.9 * v + 0.1 * g * g
        expected -= 0.01 * g / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(p.array, [expected], rtol=1e-12)


def test_adagrad_by_hand():
    p = param([1.0])
    opt = optim.Adagrad([p], lr=0.1)
    total, expected = 0.0, 1.0
    for g in (1.0, 2.0):
        set_grad(p, [g])
        opt.step()
        total += g * g
        expected -= 0.1 * g / (np.sqrt(total) + 1e-10)
    np.testing.assert_allclose(p.array, [expected], rtol=1e-12)


def test_adamw_decouples_weight_decay():
    p = param([2.0])
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    set_grad(p, [0.0])
    opt.step()  # zero gradient: only the decay p(1 − lr λ) acts
    np.testing.assert_allclose(p.array, [2.0 * (1 - 0.05)])


@pytest.mark.parametrize("cls,options", ALL)
def test_updates_in_place_without_new_buffers(cls, options):
    p = param(np.linspace(-1, 1, 6).reshape(2, 3), np.float32)
    opt = cls([p], **options)
    data = p.array
    set_grad(p, np.ones((2, 3)))
    grad_before = p.grad.array.copy()
    opt.step()
    opt.step()  # (the first step may copy g as the momentum buffer)
    buffers = {name: id(value) for name, value in opt.state[p].items() if isinstance(value, np.ndarray)}
    scratch = {name: id(value) for name, value in opt._scratch.get(p, {}).items()}
    for _ in range(3):
        opt.step()
    assert p.array is data and p.dtype == np.float32  # in place, float32 kept
    np.testing.assert_array_equal(p.grad.array, grad_before)  # the gradient is not modified
    assert {
        name: id(value) for name, value in opt.state[p].items() if isinstance(value, np.ndarray)
    } == buffers
    assert {name: id(value) for name, value in opt._scratch.get(p, {}).items()} == scratch
    assert all(value.dtype == np.float32 for value in opt.state[p].values() if isinstance(value, np.ndarray))


@pytest.mark.parametrize("cls,options", ALL)
def test_minimises_a_quadratic(cls, options):
    # f(p) = ½ Σ aᵢ (pᵢ − cᵢ)², an ill-conditioned bowl
    a, c = np.array([1.0, 10.0]), np.array([3.0, -2.0])
    p = param([0.0, 0.0])
    opt = cls([p], **options)
    start = 0.5 * np.sum(a * c**2)
    for _ in range(300):
        opt.zero_grad()
        loss = (md.tensor(a * 0.5) * (p - md.tensor(c)) ** 2).sum()
        loss.backward()
        opt.step()
    final = 0.5 * np.sum(a * (p.array - c) ** 2)
    assert final < 1e-2 * start


def test_parameters_without_grad_are_skipped():
    p, q = param([1.0]), param([2.0])
    opt = optim.Adam([p, q])
    set_grad(p, [1.0])
    opt.step()
    assert q.array[0] == 2.0 and q not in opt.state


def test_param_groups_have_their_own_options():
    a, b = param([1.0]), param([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    set_grad(a, [1.0])
    set_grad(b, [1.0])
    opt.step()
    np.testing.assert_allclose([a.array[0], b.array[0]], [0.9, 0.5])
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["momentum"] == 0.0
    c = param([0.0])
    opt.add_param_group({"params": c, "lr": 2.0})
    assert opt.param_groups[2]["params"] == [c]
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_zero_grad():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)
    set_grad(p, [3.0])
    opt.zero_grad(set_to_none=False)
    assert p.grad.array[0] == 0
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_returns_the_loss():
    p = param([3.0])
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0 and p.array[0] == pytest.approx(3.0 - 0.25 * 6.0)


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda p: optim.SGD(p, lr=-0.1), "invalid learning rate -0.1"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "invalid momentum"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum requires a momentum > 0"),
        (lambda p: optim.SGD(p), "required optimization parameter 'lr'"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "invalid beta parameter at index 0"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), "invalid beta parameter at index 1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "invalid epsilon value"),
        (lambda p: optim.AdamW(p, weight_decay=-0.01), "invalid weight_decay value"),
        (lambda p: optim.RMSprop(p, alpha=1.5), "invalid alpha"),
        (lambda p: optim.RMSprop(p, eps=-1), "invalid eps"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "invalid lr_decay"),
        (lambda p: optim.Adam([], lr=0.1), "empty parameter list"),
        (lambda p: optim.Adadelta(p, rho=1.5), "invalid rho value"),
        (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "invalid beta parameter at index 1"),
        (lambda p: optim.NAdam(p, momentum_decay=-1), "invalid momentum_decay value"),
    ],
)
def test_bad_hyper_parameters_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make([param([1.0])])


def test_bad_parameters_raise():
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(param([1.0]), lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.zeros(2)], lr=0.1)
    p = param([1.0])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="same parameter twice"):
        optim.SGD([p, p], lr=0.1)


@pytest.mark.parametrize("cls,options", ALL)
def test_state_dict_resume_continues_the_same_trajectory(cls, options, rng):
    grads = rng.standard_normal((8, 2, 3))

    def run(model, opt, steps):
        for g in steps:
            for q, sign in zip(model.parameters(), (1.0, -1.0)):
                q.grad = md.tensor(sign * g if q.ndim == 2 else sign * g[:, 0])
            opt.step()

    def build():
        md.manual_seed(0)
        model = nn.Linear(3, 2).double()
        return model, cls(model.parameters(), **options)

    straight, straight_opt = build()
    run(straight, straight_opt, grads)

    first, first_opt = build()
    run(first, first_opt, grads[:4])
    saved_model, saved_opt = first.state_dict(), first_opt.state_dict()
    saved_model = {k: v.array.copy() for k, v in saved_model.items()}
    run(first, first_opt, grads[4:5])  # later steps must not leak into the saved state

    resumed, resumed_opt = build()
    resumed.load_state_dict(saved_model)
    resumed_opt.load_state_dict(saved_opt)
    run(resumed, resumed_opt, grads[4:])
    for a, b in zip(straight.parameters(), resumed.parameters()):
        np.testing.assert_array_equal(a.array, b.array)


def test_state_dict_layout_is_pytorchs():
    model = nn.Linear(2, 1)
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(md.randn(3, 2)).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert state["param_groups"][0]["params"] == [0, 1]
    assert state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(state["state"]) == {0, 1}
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and state["state"][0]["step"] == 1
    with pytest.raises(ValueError, match="1 parameter groups.*2"):
        optim.Adam([{"params": [model.weight]}, {"params": [model.bias]}]).load_state_dict(state)


def test_state_dict_survives_save_and_load(tmp_path):
    model = nn.Linear(2, 2)
    opt = optim.RMSprop(model.parameters(), lr=0.01, momentum=0.5)
    model(md.randn(3, 2)).sum().backward()
    opt.step()
    path = tmp_path / "opt.npz"
    md.save(opt.state_dict(), path)
    loaded = md.load(path)
    fresh = optim.RMSprop(model.parameters(), lr=0.5)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[0]["lr"] == 0.01 and fresh.state[model.weight]["step"] == 1
    np.testing.assert_array_equal(
        fresh.state[model.weight]["square_avg"], opt.state[model.weight]["square_avg"]
    )


@pytest.mark.parametrize("cls,options", ALL)
def test_a_step_allocates_no_arrays(cls, options):
    import tracemalloc

    p = param(np.ones((300, 300)), np.float32)
    set_grad(p, np.full((300, 300), 0.5))
    opt = cls([p], **options)
    opt.step()
    opt.step()  # buffers exist from here on
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - before < p.array.nbytes // 20  # 360 kB parameter; a step may use only bookkeeping bytes
