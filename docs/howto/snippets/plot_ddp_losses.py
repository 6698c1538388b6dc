"""The training loss of the digits classifier, trained by 1 and by 2 processes (64 samples per step in both)."""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

here = Path(sys.argv[0]).resolve().parent
losses = {}
with tempfile.TemporaryDirectory() as folder:
    for ranks in (1, 2):
        out = Path(folder) / f"losses{ranks}.json"
        launch = [
            sys.executable,
            "-m",
            "ember.distributed.run",
            "-n",
            str(ranks),
        ]
        subprocess.run(
            [*launch, str(here / "ddp_digits.py"), "--losses", str(out)],
            check=True,
            capture_output=True,
        )
        losses[ranks] = json.loads(out.read_text())

fig, ax = plt.subplots(figsize=(6, 3.2))
epochs = range(1, len(losses[1]) + 1)
ax.plot(
    epochs,
    losses[1],
    "o-",
    label="1 process, 64 samples per step",
    linewidth=3,
    alpha=0.5,
)
ax.plot(
    epochs,
    losses[2],
    "x--",
    label="2 processes, 32 samples each per step",
    color="black",
)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_yscale("log")
ax.legend()
fig.tight_layout()
plt.show()
