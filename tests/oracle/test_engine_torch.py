"""The engine's bookkeeping against PyTorch's: accumulation into .grad over several backward
calls, a second pass over a retained graph, retain_grad on intermediates, gradients of
several outputs, and create_graph accumulation."""

import numpy as np
import pytest

import mathdl as md


def small_network(lib, x, w1, w2):
    h = lib.tanh(x @ w1)
    return h, lib.log_softmax(h @ w2, -1)


def test_accumulation_over_several_backward_calls_like_torch(torch, rng):
    x = rng.standard_normal((4, 3))
    w1, w2 = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    ours = [md.tensor(a, requires_grad=True) for a in (w1, w2)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (w1, w2)]
    for step in range(3):
        _, out = small_network(md, md.tensor(x * (step + 1)), *ours)
        (out[:, 0] * (step + 1.0)).sum().backward()
        _, t_out = small_network(torch, torch.tensor(x * (step + 1)), *theirs)
        (t_out[:, 0] * (step + 1.0)).sum().backward()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_second_pass_over_a_retained_graph_like_torch(torch, rng):
    # as PyTorch: a second pass needs retain_graph=True on the first (without it, it raises)
    x = rng.standard_normal((4, 3))
    w = [rng.standard_normal((3, 5)), rng.standard_normal((5, 2))]
    ours = [md.tensor(a, requires_grad=True) for a in w]
    theirs = [torch.tensor(a, requires_grad=True) for a in w]
    loss = -small_network(md, md.tensor(x), *ours)[1][:, 1].mean()
    t_loss = -small_network(torch, torch.tensor(x), *theirs)[1][:, 1].mean()
    loss.backward(retain_graph=True)
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()
    t_loss.backward(retain_graph=True)
    t_loss.backward()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_retain_grad_like_torch(torch, rng):
    x = rng.standard_normal((4, 3))
    w = [rng.standard_normal((3, 5)), rng.standard_normal((5, 2))]
    ours = [md.tensor(a, requires_grad=True) for a in w]
    theirs = [torch.tensor(a, requires_grad=True) for a in w]
    h, out = small_network(md, md.tensor(x), *ours)
    h.retain_grad()
    (out**2).sum().backward()
    t_h, t_out = small_network(torch, torch.tensor(x), *theirs)
    t_h.retain_grad()
    (t_out**2).sum().backward()
    np.testing.assert_allclose(h.grad.array, t_h.grad.numpy(), rtol=1e-12, atol=1e-14)
    assert out.grad is None


def test_retain_grad_across_an_in_place_write_like_torch(torch):
    # the engine looks for retained outputs only on Functions that Tensor.retain_grad flagged; an
    # in-place write gives the tensor a new node, which must carry the flag (y.grad is then the
    # gradient of the written y, as in PyTorch), and a retained tensor made before the flag was
    # set (retain_grad after further ops) still gets its gradient
    def run(lib, values):
        x = lib.tensor(values, requires_grad=True)
        y = x * 2.0
        y.retain_grad()
        y.mul_(3.0)
        z = y * x
        w = z + 1.0
        z.retain_grad()
        (w * w).sum().backward()
        return y.grad, z.grad, x.grad

    values = np.array([1.0, -2.0, 0.5])
    for ours, theirs in zip(run(md, values), run(torch, values)):
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-12)


def test_grad_of_several_outputs_like_torch(torch, rng):
    a = rng.standard_normal((3,))
    x = md.tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    outs = [md.exp(x), x.sum() * 2.0, md.sigmoid(x) * x]
    t_outs = [torch.exp(t), t.sum() * 2.0, torch.sigmoid(t) * t]
    weights = [rng.standard_normal(o.shape) for o in outs]
    (g,) = md.grad(outs, x, [md.tensor(w) for w in weights])
    (tg,) = torch.autograd.grad(t_outs, t, [torch.tensor(w) for w in weights])
    np.testing.assert_allclose(g.array, tg.numpy(), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_create_graph_backward_accumulates_like_torch(torch):
    values = np.array([0.3, -1.2])
    x = md.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    md.tanh(x).sum().backward(create_graph=True)
    torch.tanh(t).sum().backward(create_graph=True)
    # now x.grad = 1 − tanh²(x) carries a graph; differentiate it again into .grad
    x.grad.sum().backward()
    t.grad.sum().backward()
    np.testing.assert_allclose(x.grad.array, t.grad.detach().numpy(), rtol=1e-12)
