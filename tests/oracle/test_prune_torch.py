"""nn.utils.prune against torch.nn.utils.prune on copied layers: masks, state-dict names, remove."""

import numpy as np
import pytest

import mathdl as md
from mathdl import nn
from mathdl.nn.utils import prune


def copy_layer(torch, layer):
    if isinstance(layer, nn.Linear):
        theirs = torch.nn.Linear(layer.in_features, layer.out_features).double()
    else:
        theirs = torch.nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(np.array(layer.weight.array)))
        theirs.bias.copy_(torch.from_numpy(np.array(layer.bias.array)))
    return theirs


def test_l1_unstructured_matches_torch_including_a_second_pruning(torch):
    from torch.nn.utils import prune as tprune

    md.manual_seed(0)
    ours = nn.Linear(7, 5).double()
    theirs = copy_layer(torch, ours)
    prune.l1_unstructured(ours, "weight", amount=0.3)
    tprune.l1_unstructured(theirs, "weight", amount=0.3)
    np.testing.assert_array_equal(ours.weight_mask.array, theirs.weight_mask.numpy())
    prune.l1_unstructured(ours, "weight", amount=4)  # 4 more among the survivors
    tprune.l1_unstructured(theirs, "weight", amount=4)
    np.testing.assert_array_equal(ours.weight_mask.array, theirs.weight_mask.numpy())
    assert int(ours.weight_mask.array.sum()) == 35 - round(0.3 * 35) - 4
    assert list(ours.state_dict()) == list(theirs.state_dict())  # bias, weight_orig, weight_mask
    np.testing.assert_array_equal(ours.weight.array, theirs.weight.detach().numpy())


@pytest.mark.parametrize("n, amount", [(1, 0.5), (2, 2), (np.inf, 0.25)])
def test_ln_structured_prunes_whole_output_channels_like_torch(torch, n, amount):
    from torch.nn.utils import prune as tprune

    md.manual_seed(1)
    ours = nn.Conv2d(3, 8, 3).double()
    theirs = copy_layer(torch, ours)
    prune.ln_structured(ours, "weight", amount=amount, n=n, dim=0)
    tprune.ln_structured(theirs, "weight", amount=amount, n=n, dim=0)
    np.testing.assert_array_equal(ours.weight_mask.array, theirs.weight_mask.numpy())
    channel_alive = ours.weight_mask.array.reshape(8, -1)
    assert np.all((channel_alive == 0).all(axis=1) | (channel_alive == 1).all(axis=1))


def test_global_unstructured_matches_torch(torch):
    from torch.nn.utils import prune as tprune

    md.manual_seed(2)
    ours = [nn.Linear(6, 5).double(), nn.Linear(5, 4).double()]
    theirs = [copy_layer(torch, layer) for layer in ours]
    prune.l1_unstructured(ours[0], "weight", amount=0.2)
    tprune.l1_unstructured(theirs[0], "weight", amount=0.2)
    prune.global_unstructured([(m, "weight") for m in ours], pruning_method=prune.L1Unstructured, amount=0.4)
    tprune.global_unstructured(
        [(m, "weight") for m in theirs], pruning_method=tprune.L1Unstructured, amount=0.4
    )
    for mine, reference in zip(ours, theirs):
        np.testing.assert_array_equal(mine.weight_mask.array, reference.weight_mask.numpy())


def test_remove_makes_pruning_permanent_like_torch(torch):
    from torch.nn.utils import prune as tprune

    md.manual_seed(3)
    ours = nn.Linear(4, 3).double()
    theirs = copy_layer(torch, ours)
    prune.l1_unstructured(ours, "weight", amount=0.5)
    tprune.l1_unstructured(theirs, "weight", amount=0.5)
    assert prune.is_pruned(nn.Sequential(ours)) and tprune.is_pruned(theirs)
    prune.remove(ours, "weight")
    tprune.remove(theirs, "weight")
    assert not prune.is_pruned(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.weight, nn.Parameter)
    np.testing.assert_array_equal(ours.weight.array, theirs.weight.detach().numpy())


def test_pruned_weights_stay_zero_through_optimiser_steps():
    md.manual_seed(4)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    prune.l1_unstructured(model[0], "weight", amount=0.6)
    prune.ln_structured(model[2], "weight", amount=1, n=1, dim=0)
    masks = [model[0].weight_mask.array.copy(), model[2].weight_mask.array.copy()]
    optimizer = md.optim.Adam(model.parameters(), lr=0.1, weight_decay=0.01)
    x, y = md.randn(32, 5), md.randint(0, 3, (32,))
    for _ in range(5):
        optimizer.zero_grad()
        md.nn.functional.cross_entropy(model(x), y).backward()
        assert np.all(model[0].weight_orig.grad.array[masks[0] == 0] == 0)  # ∂L/∂w_orig = ∂L/∂w ⊙ mask
        optimizer.step()
    model(x)
    for layer, mask in zip((model[0], model[2]), masks):
        assert np.all(layer.weight.array[mask == 0] == 0) and np.all(layer.weight.array[mask == 1] != 0)
    assert md.nn.utils.prune.is_pruned(model)


def test_bad_arguments_raise():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match="should be a float in the range"):
        prune.l1_unstructured(layer, "weight", amount=1.5)
    with pytest.raises(ValueError, match="smaller than the number of parameters"):
        prune.l1_unstructured(layer, "weight", amount=7)
    with pytest.raises(ValueError, match="no parameter 'scale'"):
        prune.l1_unstructured(layer, "scale", amount=1)
    with pytest.raises(ValueError, match="has to be pruned before"):
        prune.remove(layer, "weight")
    with pytest.raises(ValueError, match="mask of shape"):
        prune.custom_from_mask(layer, "weight", np.ones((3, 3)))
