"""PyTorch beginner-tutorial code run as written, with only the imports changed
(``import mathdl as torch``, ``from mathdl import nn``, ``import mathdl.nn.functional as F``).

Each test is a short script in the style of PyTorch's tutorials: the tensors tutorial, the
autograd tutorial, the hand-written training loop of "What is torch.nn really?" and its nn.Module
refactor, an nn.Module using dim= reductions, max(dim), size(0) and to(device), and in-place
updates. Each asserts a result, so a habit that silently meant something else would fail here.
(The DataLoader-based quickstart lives with the data conformance cases.)
"""

import math

import numpy as np
import pytest

import mathdl as torch
import mathdl.nn.functional as F
from mathdl import nn


@pytest.fixture
def torch_module(torch):
    """Real PyTorch (the ``torch`` fixture), under another name: ``torch`` is mathdl here."""
    return torch


def test_tensors_tutorial():
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    assert x_data.dtype == torch.int64 and x_ones.dtype == torch.int64 and x_rand.dtype == torch.float32
    assert x_np.tolist() == data

    shape = (2, 3)
    rand_tensor, ones_tensor, zeros_tensor = torch.rand(shape), torch.ones(shape), torch.zeros(shape)
    assert rand_tensor.shape == ones_tensor.shape == zeros_tensor.shape == (2, 3)

    tensor = torch.rand(3, 4)
    assert tensor.shape == (3, 4) and tensor.dtype == torch.float32 and tensor.device == "cpu"
    if torch.cuda.is_available():
        tensor = tensor.to("cuda")
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())

    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    assert t1.shape == (4, 12) and t1.sum().item() == 36

    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    assert (y1 == y2).all() and (z1 == z2).all() and y1[0, 0].item() == 3

    agg = tensor.sum()
    agg_item = agg.item()
    assert agg_item == 12.0 and isinstance(agg_item, float)

    tensor.add_(5)
    assert tensor[0, 1].item() == 5 and tensor[0, 0].item() == 6

    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)  # a change in the tensor reflects in the NumPy array
    assert n.tolist() == [2.0] * 5
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)  # and the other way round
    assert t.tolist() == [2.0] * 5


def test_autograd_tutorial():
    torch.manual_seed(0)
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    assert z.grad_fn is not None and loss.grad_fn is not None

    loss.backward()
    sigma = 1 / (1 + np.exp(-z.detach().numpy()))
    np.testing.assert_allclose(b.grad.numpy(), sigma / 3, rtol=1e-5)
    np.testing.assert_allclose(w.grad.numpy(), np.outer(np.ones(5), sigma / 3), rtol=1e-5)

    z = torch.matmul(x, w) + b
    assert z.requires_grad
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    assert not z.requires_grad
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    assert not z_det.requires_grad

    inp = torch.eye(4, 5, requires_grad=True)
    out = (inp + 1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    first = inp.grad.clone()
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_array_equal(inp.grad.numpy(), 2 * first.numpy())
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    np.testing.assert_array_equal(inp.grad.numpy(), first.numpy())
    np.testing.assert_array_equal(first.numpy(), 2 * (np.eye(4, 5) + 1))


def fashion_subset(n=2000):
    (x_train, y_train), (x_valid, y_valid) = torch.data.load_fashion_mnist_subset()
    return (
        (x_train[:n].reshape(n, 784) / 255.0).astype(np.float32),
        y_train[:n].astype(np.int64),
        (x_valid.reshape(-1, 784) / 255.0).astype(np.float32),
        y_valid.astype(np.int64),
    )


def train_by_hand(torch, arrays, initial_weights):
    """The hand-written loop of "What is torch.nn really?", for either library."""
    x_train, y_train, x_valid, y_valid = map(torch.tensor, arrays)
    n, c = x_train.shape

    weights = torch.tensor(initial_weights)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    bs, lr, epochs = 64, 0.1, 4  # (lr 0.5 of the MNIST tutorial is chaotic on Fashion-MNIST)
    start_loss = loss_func(model(x_valid), y_valid).item()
    for epoch in range(epochs):  # noqa: B007  (as the tutorial writes it)
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)

            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()

    assert weights.is_leaf and weights.requires_grad
    return start_loss, loss_func(model(x_valid), y_valid).item(), accuracy(model(x_valid), y_valid).item()


def initial_weights():
    return (np.random.default_rng(0).standard_normal((784, 10)) / math.sqrt(784)).astype(np.float32)


def test_what_is_torch_nn_really_hand_written_loop():
    start_loss, end_loss, acc = train_by_hand(torch, fashion_subset(), initial_weights())
    assert end_loss < 0.6 * start_loss and acc > 0.55, (start_loss, end_loss, acc)


def test_the_hand_written_loop_gives_pytorchs_numbers(torch_module):
    ours = train_by_hand(torch, fashion_subset(), initial_weights())
    theirs = train_by_hand(torch_module, fashion_subset(), initial_weights())
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_what_is_torch_nn_really_module_refactor():
    torch.manual_seed(0)
    x_train, y_train, x_valid, y_valid = map(torch.tensor, fashion_subset())
    n = x_train.size(0)

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = nn.Parameter(torch.randn(784, 10) / math.sqrt(784))
            self.bias = nn.Parameter(torch.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias

    model = Mnist_Logistic()
    loss_func = F.cross_entropy
    bs, lr = 64, 0.1
    before = loss_func(model(x_valid), y_valid).item()
    for epoch in range(4):  # noqa: B007
        for i in range((n - 1) // bs + 1):
            xb, yb = x_train[i * bs : i * bs + bs], y_train[i * bs : i * bs + bs]
            loss = loss_func(model(xb), yb)
            loss.backward()
            with torch.no_grad():
                for p in model.parameters():
                    p -= p.grad * lr
                model.zero_grad()
    after = loss_func(model(x_valid), y_valid).item()
    assert after < 0.6 * before, (before, after)


def test_module_with_dim_reductions_max_size_and_device():
    device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    torch.manual_seed(0)

    class AttentionPool(nn.Module):
        """Scores each time step, pools the sequence with softmax(dim=1) weights, standardises."""

        def __init__(self, features, classes):
            super().__init__()
            self.score = nn.Linear(features, 1)
            self.head = nn.Linear(features, classes)

        def forward(self, x):
            batch = x.size(0)
            weights = F.softmax(self.score(x).squeeze(-1), dim=1)
            pooled = (weights.unsqueeze(-1) * x).sum(dim=1)
            centred = pooled - pooled.mean(dim=-1, keepdim=True)
            normed = centred / (centred.std(dim=-1, keepdim=True) + 1e-5)
            return self.head(normed.view(batch, -1))

    # class k: the time step that carries the signal is in feature block k
    x = torch.randn(256, 6, 8) * 0.1
    y = torch.randint(0, 4, (256,))
    x[torch.arange(256), torch.randint(0, 6, (256,)), y * 2] += 3.0
    x, y = x.to(device), y.to(device)

    model = AttentionPool(8, 4).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for step in range(60):  # noqa: B007
        pred = model(x)
        loss = F.cross_entropy(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.eval()
    with torch.no_grad():
        logits = model(x)
        values, indices = logits.max(dim=1)
        correct = (logits.argmax(1) == y).type(torch.float).sum().item()
    assert values.shape == (256,) and indices.dtype == torch.int64
    assert (indices == logits.argmax(dim=1)).all() and (values == logits.amax(dim=1)).all()
    assert correct / y.size(0) > 0.9 and next(model.parameters()).device == "cpu"


def test_in_place_updates():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    # an exponential moving average of the weights, updated in place
    ema = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(0.0).add_(1.0)
        for e, p in zip(ema, model.parameters()):
            e.mul_(0.9).add_(p.detach(), alpha=0.1)
    assert all((p == 1).all() for p in model.parameters())
    np.testing.assert_allclose(ema[1].numpy(), 0.9 * ema_start(model) + 0.1, rtol=1e-5)

    # a buffer zeroed and filled in place, a clamp in place, augmented assignment on a batch
    buffer = torch.empty(3).fill_(7.0)
    buffer.zero_()
    images = torch.rand(2, 3) * 2 - 0.5
    images.clamp_(0, 1)
    images *= 255
    assert buffer.sum().item() == 0 and images.min() >= 0 and images.max() <= 255

    # a non-leaf modified in place stays differentiable, as in PyTorch
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    h += 1
    h.clamp_(min=0)
    h.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def ema_start(model):
    # the bias before the in-place updates, recovered from the seed (the same draws as above)
    torch.manual_seed(0)
    return nn.Linear(4, 2).bias.detach().numpy()
