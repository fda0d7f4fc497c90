"""Module, Parameter and the containers: registration, traversal, state dicts, modes, conversion."""

import copy

import numpy as np
import pytest

import mathdl as md
from mathdl import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(np.ones(4))
        self.register_buffer("count", md.zeros(1))
        self.plain = md.zeros(2)  # a plain Tensor attribute is not state

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)

    def forward(self, x):
        return self.head(self.block(x))


def test_parameter_defaults():
    p = nn.Parameter(np.zeros((2, 3)))
    assert p.requires_grad and p.dtype == np.float32 and p.is_leaf
    assert nn.Parameter(np.zeros(2), dtype=np.float64).dtype == np.float64
    t = md.tensor(np.arange(3.0))  # a float64 Tensor is shared, dtype kept
    shared = nn.Parameter(t)
    assert shared.dtype == np.float64 and shared.array is t.array
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:")
    assert nn.Parameter().shape == (0,)


def test_registration_and_dotted_names():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "head.weight"]
    assert [name for name, _ in net.named_buffers()] == ["block.count"]
    assert len(list(net.parameters())) == 4
    assert list(net.children()) == [net.block, net.head]
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Block", "Linear", "Linear"]
    assert "plain" not in dict(net.block.named_parameters())
    assert net.head.bias is None


def test_shared_parameter_listed_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_reassignment_moves_between_registries():
    block = Block()
    block.fc = None
    assert "fc" not in dict(block.named_children()) and block.fc is None
    block.scale = None
    assert [n for n, _ in block.named_parameters()] == []
    with pytest.raises(TypeError, match="cannot assign ndarray as parameter 'scale'"):
        block.scale = np.ones(4)
    block.count = md.ones(1)
    assert block.state_dict()["count"].array[0] == 1
    with pytest.raises(TypeError, match="buffer 'count'"):
        block.count = 3.0
    del block.count
    assert "count" not in block.state_dict()


def test_assignment_before_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__\\(\\)"):
        Broken()


def test_state_dict_round_trip_copies_in_place():
    a, b = Net(), Net()
    weight_array = b.block.fc.weight.array
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.block.fc.weight.array is weight_array  # copied into the existing array
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(pa.array, pb.array, err_msg=name)
    # a module's own state comes before its children's, as in PyTorch
    assert list(a.state_dict()) == [
        "block.scale",
        "block.count",
        "block.fc.weight",
        "block.fc.bias",
        "head.weight",
    ]
    state = a.state_dict()
    assert not state["head.weight"].requires_grad
    assert state["head.weight"].array is a.head.weight.array  # shares memory, like PyTorch


def test_load_state_dict_errors_name_keys_and_shapes():
    net = Net()
    state = net.state_dict()
    del state["head.weight"]
    state["extra.weight"] = np.zeros(2)
    with pytest.raises(
        nn.StateDictError, match="missing key\\(s\\): 'head.weight'.*unexpected key\\(s\\): 'extra.weight'"
    ):
        net.load_state_dict(state)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.weight"] and result.unexpected_keys == ["extra.weight"]
    bad = net.state_dict()
    bad["block.fc.weight"] = np.zeros((3, 4))
    before = net.block.scale.array.copy()
    bad["block.scale"] = np.full(4, 7.0)
    with pytest.raises(ValueError, match="size mismatch for 'block.fc.weight'.*\\(3, 4\\).*\\(4, 3\\)"):
        net.load_state_dict(bad)
    np.testing.assert_array_equal(net.block.scale.array, before)  # nothing changed on failure
    with pytest.raises(KeyError):
        net.load_state_dict({"nope": np.zeros(1)})
    with pytest.raises(TypeError, match="mapping"):
        net.load_state_dict([1, 2])


def test_load_state_dict_casts_to_the_parameter_dtype():
    lin = nn.Linear(2, 2)
    lin.load_state_dict({"weight": np.eye(2, dtype=np.float64), "bias": [1.0, 2.0]})
    assert lin.weight.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.array, np.eye(2))
    np.testing.assert_array_equal(lin.bias.array, [1, 2])


def test_non_persistent_buffer_is_not_saved():
    m = nn.Module()
    m.register_buffer("temp", md.zeros(2), persistent=False)
    assert list(m.state_dict()) == [] and len(list(m.buffers())) == 1


def test_train_eval_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(TypeError):
        model.train("yes")


def test_zero_grad_sets_none_or_zeros():
    lin = nn.Linear(3, 2)
    lin(md.randn(4, 3)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad(set_to_none=False)
    assert np.all(lin.weight.grad.array == 0)
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_apply_visits_children_first():
    order = []
    model = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert model.apply(lambda m: order.append(type(m).__name__)) is model
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_double_and_float_keep_parameter_identity():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    weight = model[0].weight
    model.double()
    assert model[0].weight is weight and weight.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(md.tensor(np.ones((4, 2)))).dtype == np.float64
    model.float()
    assert weight.dtype == np.float32


def test_repr_is_torch_like():
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=512, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2, inplace=False)\n"
        "  (3): Linear(in_features=512, out_features=10, bias=True)\n"
        ")"
    )
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_forward_missing_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_deepcopy_gives_independent_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    clone.block.fc.weight.array += 1
    assert not np.allclose(clone.block.fc.weight.array, net.block.fc.weight.array)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]


def test_requires_grad_freezes():
    net = Net()
    net.block.requires_grad_(False)
    net(md.randn(2, 3)).sum().backward()
    assert net.block.fc.weight.grad is None and net.head.weight.grad is not None


# ----- containers ------------------------------------------------------------------------------
def test_sequential_indexing_len_append_slice():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    seq.append(c)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert list(seq) == [a, b, c]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    x = md.randn(5, 2)
    np.testing.assert_allclose(seq(x).array, c(b(a(x))).array)
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        seq[3]
    with pytest.raises(TypeError, match="expected a Module"):
        nn.Sequential(nn.ReLU(), lambda x: x)
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1"] and seq[1] is c
    seq.insert(1, b)
    assert list(seq) == [a, b, c]
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)


def test_sequential_from_ordered_dict():
    from collections import OrderedDict

    seq = nn.Sequential(OrderedDict(fc=nn.Linear(2, 2), act=nn.ReLU()))
    assert [n for n, _ in seq.named_parameters()] == ["fc.weight", "fc.bias"]
    assert isinstance(seq.act, nn.ReLU)


def test_module_list_and_dict_register_parameters():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    assert [n for n, _ in layers.named_parameters()][-1] == "3.bias"
    del layers[0]
    assert len(layers) == 3 and [n for n, _ in layers.named_children()] == ["0", "1", "2"]
    heads = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.Linear(1, 2)})
    assert list(heads) == ["a", "b"] and "a" in heads
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    with pytest.raises(KeyError, match="no module named 'c'"):
        heads["c"]


def test_state_dict_survives_save_and_load(tmp_path):
    net = Net()
    net(md.randn(2, 3))
    path = tmp_path / "net.npz"
    md.save(net.state_dict(), path)
    other = Net()
    other.load_state_dict(md.load(path))
    x = md.randn(4, 3)
    np.testing.assert_array_equal(other(x).array, net(x).array)


def test_forward_hooks_record_and_replace():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    seen = {}
    handle = model[1].register_forward_hook(lambda m, args, out: seen.setdefault("relu", out))
    x = md.randn(5, 3)
    y = model(x)
    assert seen["relu"].shape == (5, 4) and np.all(seen["relu"].array >= 0)
    handle.remove()
    seen.clear()
    model(x)
    assert seen == {}
    with model[2].register_forward_hook(lambda m, args, out: out * 0):
        assert np.all(model(x).array == 0)
    np.testing.assert_array_equal(model(x).array, y.array)
    with model[0].register_forward_pre_hook(lambda m, args: (args[0] * 0,)):
        np.testing.assert_allclose(model[0](x).array, np.broadcast_to(model[0].bias.array, (5, 4)))
    with pytest.raises(TypeError, match="callable"):
        model.register_forward_hook(3)
