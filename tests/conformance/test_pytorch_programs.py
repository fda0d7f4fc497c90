"""Short programs in the style of PyTorch's beginner tutorials, run twice: once with PyTorch's
imports and once with mathdl's, the program text otherwise identical. Each asserts its result.

Covered: a quickstart classifier (a Dataset subclass, DataLoader from ``utils.data``, an
``nn.Module`` with ``nn.Flatten``/``nn.Sequential``, CrossEntropyLoss, SGD, ``no_grad``
evaluation); an ``nn.Module`` written with ``F.*`` calls (conv2d, max_pool2d, dropout, gelu,
log_softmax, nll_loss, normalize, cosine_similarity, pad, one_hot); a training checkpoint dict
with optimizer state saved to a file and to a BytesIO and resumed exactly; samplers
(WeightedRandomSampler rebalancing classes, SubsetRandomSampler splits, BatchSampler,
random_split with fractions, TensorDataset slices, ConcatDataset).
"""

import textwrap

import pytest

TORCH_IMPORTS = """
import torch
from torch import nn
import torch.nn.functional as F
from torch.utils.data import (DataLoader, Dataset, TensorDataset, ConcatDataset, random_split,
    RandomSampler, SequentialSampler, BatchSampler, SubsetRandomSampler, WeightedRandomSampler)
"""
MATHDL_IMPORTS = """
import mathdl as torch
from mathdl import nn
import mathdl.nn.functional as F
from mathdl.utils.data import (DataLoader, Dataset, TensorDataset, ConcatDataset, random_split,
    RandomSampler, SequentialSampler, BatchSampler, SubsetRandomSampler, WeightedRandomSampler)
"""

QUICKSTART = """
torch.manual_seed(0)

class Blobs(Dataset):
    # two Gaussian blobs in 8 dimensions, labels 0 and 1
    def __init__(self, n):
        self.labels = torch.randint(0, 2, (n,))
        self.points = torch.randn(n, 2, 4) + (self.labels.float() * 2.0 - 1.0).reshape(n, 1, 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.points[idx], self.labels[idx]

training_data, test_data = Blobs(512), Blobs(256)
train_dataloader = DataLoader(training_data, batch_size=32, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64)

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork()
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

def train(dataloader, model, loss_fn, optimizer):
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).float().sum().item()
    return test_loss / num_batches, correct / size

for t in range(3):
    train(train_dataloader, model, loss_fn, optimizer)
test_loss, accuracy = test(test_dataloader, model, loss_fn)
assert accuracy > 0.95, accuracy
assert len(train_dataloader) == 16
"""

FUNCTIONAL_MODULE = """
torch.manual_seed(0)

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1), mode="reflect")
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2)
        x = F.gelu(self.conv2(x))
        x = torch.flatten(x, 1)
        x = F.dropout(x, 0.1, training=self.training)
        x = F.normalize(self.fc1(x), dim=1) * 4.0
        return F.log_softmax(self.fc2(x), dim=1)

# three classes of 8x8 images: a bright row, a bright column, a bright diagonal
labels = torch.randint(0, 3, (96,))
images = torch.randn(96, 1, 8, 8) * 0.3
eye = torch.eye(8)
for i in range(96):
    k = int(labels[i])
    pattern = eye if k == 2 else torch.ones(1, 8) * (torch.arange(8) == 3).float().reshape(8, 1)
    images[i, 0] = images[i, 0] + (pattern.T if k == 1 else pattern)

model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
losses = []
for epoch in range(30):
    optimizer.zero_grad()
    loss = F.nll_loss(model(images), labels)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
assert losses[-1] < 0.5 * losses[0], (losses[0], losses[-1])

one_hot = F.one_hot(labels[:5], num_classes=3)
assert one_hot.shape == (5, 3) and one_hot.sum().item() == 5
a = torch.randn(4, 6)
similarity = F.cosine_similarity(a, a * 3.0, dim=1)
assert abs(similarity.sum().item() - 4.0) < 1e-5
"""

CHECKPOINT = """
import io
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
x, y = torch.randn(64, 4), torch.randn(64, 1)

def step():
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss

for epoch in range(5):
    loss = step()
torch.save({
    "epoch": 5,
    "model_state_dict": model.state_dict(),
    "optimizer_state_dict": optimizer.state_dict(),
    "loss": loss.item(),
}, PATH)
buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
for epoch in range(5):
    step()
uninterrupted = [p.detach().clone() for p in model.parameters()]

model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
checkpoint = torch.load(PATH)
model.load_state_dict(checkpoint["model_state_dict"])
optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
assert checkpoint["epoch"] == 5 and isinstance(checkpoint["loss"], float)
model.train()
for epoch in range(5):
    step()
for p, q in zip(model.parameters(), uninterrupted):
    assert (p - q).abs().max().item() < 1e-6

buffer.seek(0)
fresh = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
fresh.load_state_dict(torch.load(buffer))
"""

SAMPLERS = """
torch.manual_seed(0)
labels = torch.cat([torch.zeros(90, dtype=torch.int64), torch.ones(10, dtype=torch.int64)])
features = torch.randn(100, 3)
dataset = TensorDataset(features, labels)

class_count = [90, 10]
weights = [1.0 / class_count[int(label)] for label in labels]
sampler = WeightedRandomSampler(weights, num_samples=2000, replacement=True)
loader = DataLoader(dataset, batch_size=100, sampler=sampler)
minority = sum(int(y.sum()) for _, y in loader)
assert 800 < minority < 1200, minority

indices = list(range(100))
train_loader = DataLoader(dataset, batch_size=16, sampler=SubsetRandomSampler(indices[:80]))
val_loader = DataLoader(dataset, batch_size=16, sampler=SubsetRandomSampler(indices[80:]))
assert sum(len(x) for x, _ in train_loader) == 80 and len(val_loader) == 2

batches = list(BatchSampler(SequentialSampler(range(10)), batch_size=4, drop_last=False))
assert batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
assert len(list(RandomSampler(range(10), replacement=True, num_samples=25))) == 25

train_set, val_set = random_split(dataset, [0.8, 0.2])
assert len(train_set) == 80 and len(val_set) == 20
x, y = dataset[10:20]
assert x.shape == (10, 3) and y.shape == (10,)
both = ConcatDataset([train_set, val_set])
assert len(both) == 100 and len(DataLoader(both, batch_size=30, drop_last=True)) == 3
"""

PROGRAMS = {
    "quickstart": QUICKSTART,
    "functional": FUNCTIONAL_MODULE,
    "checkpoint": CHECKPOINT,
    "samplers": SAMPLERS,
}


def _run(imports, program, tmp_path):
    namespace = {"PATH": str(tmp_path / "model.pt")}
    exec(compile(textwrap.dedent(imports) + program, "<program>", "exec"), namespace)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_runs_with_mathdl(name, tmp_path):
    _run(MATHDL_IMPORTS, PROGRAMS[name], tmp_path)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_the_same_text_runs_with_pytorch(torch, name, tmp_path):
    _run(TORCH_IMPORTS, PROGRAMS[name], tmp_path)
