"""The comparison behind the op oracle tests: mathdl against PyTorch on the same float64 inputs."""

import numpy as np

import mathdl as md


def compare_with_torch(torch, md_fn, torch_fn, arrays, seed=0, rtol=1e-10, atol=1e-12):
    """Forward values and ∂⟨g, f(x)⟩/∂x (for a random g) of mathdl and PyTorch agree in float64."""
    xs = [md.tensor(a, dtype=np.float64, requires_grad=True) for a in arrays]
    y = md_fn(*xs)
    assert y.dtype == np.float64
    g = np.random.default_rng(seed).standard_normal(y.shape)
    grads = md.grad(y, xs, md.tensor(g), allow_unused=True)
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    ty = torch_fn(*ts)
    t_grads = torch.autograd.grad(ty, ts, torch.tensor(g), allow_unused=True)
    assert y.shape == tuple(ty.shape)
    np.testing.assert_allclose(y.array, ty.detach().numpy(), rtol=rtol, atol=atol)
    for x, ours, theirs in zip(xs, grads, t_grads):
        ours = np.zeros(x.shape) if ours is None else ours.array
        theirs = np.zeros(x.shape) if theirs is None else theirs.numpy()
        assert ours.shape == x.shape
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)


def copy_weights(torch_module, module):
    """Copy a torch module's parameters into the mathdl module with the same parameter names."""
    ours = dict(module.named_parameters())
    theirs = dict(torch_module.named_parameters())
    assert set(ours) == set(theirs)
    for name, p in theirs.items():
        assert ours[name].shape == tuple(p.shape)
        ours[name].array[...] = p.detach().numpy()
