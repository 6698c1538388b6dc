"""The benchmark table: one row per workload, with its targets (ratios of medians)."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import workloads as w


@dataclass(frozen=True)
class Target:
    """ember's median time must be at most `ratio` times the other's (throughput rows say so)."""

    ratio: float
    throughput: bool = False

    def describe(self) -> str:
        return f">= {1 / self.ratio:.2f}x samples/s" if self.throughput else f"<= {self.ratio:.2f}x"

    def met(self, ratio: float) -> bool:
        return ratio <= self.ratio + 1e-9


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    framework: object  # builder(fw, **kwargs) for ember and PyTorch
    numpy: object | None  # builder(**kwargs), hand-written
    kwargs: dict = field(default_factory=dict)
    smoke_kwargs: dict = field(default_factory=dict)
    vs_torch: Target | None = None
    vs_numpy: Target | None = None
    unit_samples: int | None = None  # samples per step, for throughput rows


ROWS = [
    Row("add", "a + b, 2x2 float32, no grad", w.add_framework, w.add_numpy, vs_torch=Target(1.0)),
    Row(
        "add_grad",
        "a + b, 2x2, requires_grad=True (forward only)",
        w.add_framework,
        w.add_numpy,
        {"requires_grad": True},
        {"requires_grad": True},
        vs_torch=Target(1.0),
    ),
    Row(
        "expr_2x2",
        "((x*w + b).relu()**2).mean() + backward, 2x2",
        w.expression_framework,
        w.expression_numpy,
        vs_torch=Target(0.3),
    ),
    Row(
        "expr_256",
        "((x*w + b).relu()**2).mean() + backward, 256x256",
        w.expression_framework,
        w.expression_numpy,
        {"size": 256},
        {"size": 16},
        vs_torch=Target(1.0),
        vs_numpy=Target(1.2),
    ),
    Row(
        "expr_2x2_compiled",
        "the 2x2 expression + backward, ember.compile (PyTorch eager)",
        w.expression_compiled_framework,
        w.expression_numpy,
        vs_torch=Target(0.15),
        vs_numpy=Target(0.8),
    ),
    Row(
        "expr_256_compiled",
        "the 256x256 expression + backward, ember.compile (PyTorch eager)",
        w.expression_compiled_framework,
        w.expression_numpy,
        {"size": 256},
        {"size": 16},
        vs_numpy=Target(1.0),
    ),
    Row(
        "linreg",
        "tutorial linear regression: Linear(1,1), MSE, SGD, 1000 epochs on 50 points",
        w.linear_regression_framework,
        w.linear_regression_numpy,
        {},
        {"epochs": 3},
        vs_torch=Target(0.25),
        vs_numpy=Target(3.0),
    ),
    Row(
        "linreg_compiled",
        "tutorial linear regression, epoch under ember.compile (PyTorch eager), tracing included",
        w.linear_regression_compiled_framework,
        w.linear_regression_numpy,
        {},
        {"epochs": 3},
        vs_torch=Target(0.1),
        vs_numpy=Target(1.0),
    ),
    Row(
        "dataloader",
        "tutorial TensorDataset + DataLoader(16, shuffle), 100 epochs on 100 samples",
        w.dataloader_regression_framework,
        w.dataloader_regression_numpy,
        {},
        {"epochs": 2},
        vs_torch=Target(0.25),
        vs_numpy=Target(3.0),
    ),
    Row(
        "dataloader_compiled",
        "the DataLoader tutorial with each batch's step under ember.compile (PyTorch eager)",
        w.dataloader_regression_compiled_framework,
        w.dataloader_regression_numpy,
        {},
        {"epochs": 2},
        vs_numpy=Target(1.5),
    ),
    Row(
        "mlp_128",
        "MLP 784-256-10, CE, SGD momentum, 1 epoch of 60,000, batch 128",
        w.mlp_framework,
        w.mlp_numpy,
        {"batch_size": 128},
        {"batch_size": 128, "samples": 256},
        vs_torch=Target(1.0, throughput=True),
        vs_numpy=Target(1 / 0.85, throughput=True),
        unit_samples=60000,
    ),
    Row(
        "mlp_128_compiled",
        "the MLP epoch with each batch's step under ember.compile (PyTorch eager)",
        w.mlp_compiled_framework,
        w.mlp_numpy,
        {"batch_size": 128},
        {"batch_size": 128, "samples": 256},
        vs_numpy=Target(1 / 0.95, throughput=True),
        unit_samples=60000,
    ),
    Row(
        "mlp_512",
        "same, batch 512",
        w.mlp_framework,
        w.mlp_numpy,
        {"batch_size": 512},
        {"batch_size": 512, "samples": 1024},
        vs_torch=Target(1.0, throughput=True),
        unit_samples=60000,
    ),
    Row(
        "cnn_digits",
        "small CNN (conv-relu-pool x2, linear) on 8x8 digits, 1 epoch",
        w.cnn_framework,
        None,
        {},
        {"batch_size": 512},
        vs_torch=Target(1.0),
    ),
    Row(
        "cnn_digits_compiled",
        "the CNN epoch with each batch's step under ember.compile (PyTorch eager)",
        w.cnn_compiled_framework,
        None,
        {},
        {"batch_size": 512},
        vs_torch=Target(0.8),
    ),
]

BY_ID = {row.id: row for row in ROWS}
