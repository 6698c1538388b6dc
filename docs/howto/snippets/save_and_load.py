"""Save a model and its optimizer, load them back, look inside the file."""

import json
import os
import pickle
import tempfile
import textwrap
import zipfile

import ember
from ember import nn, optim

ember.manual_seed(0)
os.chdir(tempfile.mkdtemp())  # work in a fresh folder

# --- train a little, then save -----------------------------------------------
model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
inputs, targets = ember.randn(8, 4), ember.randint(0, 3, (8,))
loss = nn.functional.cross_entropy(model(inputs), targets)
optimizer.zero_grad()
loss.backward()
optimizer.step()

checkpoint = {
    "epoch": 1,
    "model": model.state_dict(),
    "optimizer": optimizer.state_dict(),
}
ember.save(checkpoint, "checkpoint.ember")

# --- load into a fresh model and optimizer -----------------------------------
state = ember.load("checkpoint.ember")
restored = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
restored.load_state_dict(state["model"])
restored_optimizer = optim.SGD(restored.parameters(), lr=0.1, momentum=0.9)
restored_optimizer.load_state_dict(state["optimizer"])

print("epoch:", state["epoch"])
print("same predictions:", ember.equal(model(inputs), restored(inputs)))

# --- what is in the file: a ZIP of .npy arrays and one JSON manifest ---------
with zipfile.ZipFile("checkpoint.ember") as archive:
    print(archive.namelist())
    manifest = json.loads(archive.read("ember.json"))
print(manifest["format"], "version", manifest["version"])
model_entry = manifest["root"]["items"][1]  # the ("model", state dict) pair
name, value = model_entry[1]["items"][0]
row = manifest["tensors"][value["index"]]
print(name, "is", json.dumps(value))
print(
    textwrap.fill("tensor row: " + json.dumps(row), 79, subsequent_indent="  ")
)
print("its storage:", json.dumps(manifest["storages"][row["storage"]]))

# --- a pickle (such as a PyTorch .pt checkpoint) is refused, never unpickled
with open("model.pt", "wb") as file:
    pickle.dump({"weights": [1.0, 2.0]}, file)
try:
    ember.load("model.pt")
except RuntimeError as error:
    print(textwrap.fill(f"{type(error).__name__}: {error}", 79))
