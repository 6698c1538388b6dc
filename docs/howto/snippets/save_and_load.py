"""Save a model and its optimizer with ember.save, load them back, and look inside the file."""

import json
import pickle
import tempfile
import zipfile
from pathlib import Path

import ember
from ember import nn, optim

ember.manual_seed(0)
folder = Path(tempfile.mkdtemp())

# --- train a little, then save ------------------------------------------------------------
model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
inputs, targets = ember.randn(8, 4), ember.randint(0, 3, (8,))
loss = nn.functional.cross_entropy(model(inputs), targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()

checkpoint = {"epoch": 1, "model": model.state_dict(), "optimizer": optimizer.state_dict()}
ember.save(checkpoint, folder / "checkpoint.ember")

# --- load into a fresh model and optimizer ---------------------------------------------------
state = ember.load(folder / "checkpoint.ember")
restored = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
restored.load_state_dict(state["model"])
restored_optimizer = optim.SGD(restored.parameters(), lr=0.1, momentum=0.9)
restored_optimizer.load_state_dict(state["optimizer"])

print("epoch:", state["epoch"])
print("same predictions:", ember.equal(model(inputs), restored(inputs)))

# --- what is in the file: a ZIP of .npy arrays and one JSON manifest ----------------------------
with zipfile.ZipFile(folder / "checkpoint.ember") as archive:
    print(archive.namelist())
    manifest = json.loads(archive.read("ember.json"))
print(json.dumps(manifest["root"]["items"][1], indent=1)[:400], "...")

# --- a pickle (such as a PyTorch .pt checkpoint) is refused, never unpickled --------------------
(folder / "model.pt").write_bytes(pickle.dumps({"weights": [1.0, 2.0]}))
try:
    ember.load(folder / "model.pt")
except RuntimeError as error:
    print(type(error).__name__, ":", error)
