"""Callbacks that run when ``Tensor.backward`` has finished accumulating gradients into ``.grad``.

This is the moment ``nn.parallel.DistributedDataParallel`` averages gradients across ranks
(PyTorch reaches it through hooks on its gradient accumulators). A hook is called as
``hook(leaves)`` with the leaf tensors whose ``.grad`` this backward pass changed. ``md.grad``
(which returns gradients instead of accumulating them) does not run these hooks.
"""

_hooks = {}
_next_id = [0]


class RemovableHandle:
    """What ``register_post_backward_hook`` returns: ``remove()`` unregisters the hook."""

    def __init__(self, key):
        self.key = key

    def remove(self):
        _hooks.pop(self.key, None)


def register_post_backward_hook(hook):
    """Call ``hook(leaves)`` after every ``backward()``; hooks run in registration order."""
    if not callable(hook):
        raise TypeError(f"register_post_backward_hook: hook must be callable, got {type(hook).__name__}")
    _next_id[0] += 1
    _hooks[_next_id[0]] = hook
    return RemovableHandle(_next_id[0])


def run_post_backward_hooks(leaves):
    """Called by the engine at the end of ``backward`` with the leaves it gave gradients to."""
    if not _hooks:
        return
    leaves = list(leaves)
    for hook in list(_hooks.values()):
        hook(leaves)
