"""md.set_num_threads/get_num_threads through threadpoolctl, the per-rank default, and the
post-backward hook that DistributedDataParallel reduces gradients from."""

import builtins

import numpy as np
import pytest

import mathdl as md
from mathdl import backend
from mathdl.autograd import backward_hooks


def test_set_and_get_num_threads():
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is not installed (pip install threadpoolctl)")
    before = backend.get_num_threads()
    try:
        backend.set_num_threads(1)
        assert backend.get_num_threads() == 1
        a = np.ones((64, 64), np.float32)
        np.testing.assert_array_equal(a @ a, 64.0)
    finally:
        backend.set_num_threads(before)
        backend._threads["chosen"] = None
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="positive integer"):
            backend.set_num_threads(bad)


def test_default_threads_per_rank():
    assert backend.default_num_threads(1, cores=8) <= 8
    assert backend.default_num_threads(64, cores=8) == 1
    assert backend.default_num_threads(2, cores=2) == 1
    with pytest.raises(ValueError, match="ranks_on_node"):
        backend.default_num_threads(0)


def test_default_respects_the_users_choice(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    assert backend.apply_default_num_threads(2) is None


def test_without_threadpoolctl_the_message_says_what_to_do(monkeypatch):
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("no threadpoolctl")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(ImportError, match="pip install threadpoolctl.*OPENBLAS_NUM_THREADS"):
        backend.set_num_threads(1)
    for name in backend._THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert backend.apply_default_num_threads(2) is None  # quietly leaves BLAS alone


def test_post_backward_hook_sees_the_accumulated_gradients():
    seen = []
    w = md.tensor([1.0, 2.0], requires_grad=True)
    handle = backward_hooks.register_post_backward_hook(
        lambda leaves: seen.append([(leaf is w, leaf.grad.array.tolist()) for leaf in leaves])
    )
    try:
        (w * w).sum().backward()
        (w * 3).sum().backward()
        md.grad((w * w).sum(), [w])  # returns gradients, accumulates nothing: no hook
    finally:
        handle.remove()
    (w * w).sum().backward()
    assert seen == [[(True, [2.0, 4.0])], [(True, [5.0, 7.0])]]
    with pytest.raises(TypeError, match="callable"):
        backward_hooks.register_post_backward_hook(3)
