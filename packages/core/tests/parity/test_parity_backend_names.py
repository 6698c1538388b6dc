"""ember.backends' PyTorch switches are spelled as in torch.backends, with its defaults."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import ember  # noqa: E402

NAMES = {
    "cudnn": ["enabled", "benchmark", "deterministic", "allow_tf32", "is_available", "version"],
    "mps": ["is_available", "is_built"],
    "cpu": ["get_cpu_capability"],
    "cuda": ["matmul", "is_built"],
}


@pytest.mark.parametrize("namespace", sorted(NAMES))
def test_each_name_exists_in_both_and_is_alike(namespace):
    for name in NAMES[namespace]:
        ours = getattr(getattr(ember.backends, namespace), name)
        theirs = getattr(getattr(torch.backends, namespace), name)
        assert callable(ours) == callable(theirs), f"{namespace}.{name}"
        if isinstance(theirs, bool):
            assert ours == theirs, f"{namespace}.{name}: default {ours}, PyTorch {theirs}"


def test_cuda_matmul_switches_match_pytorch_defaults():
    for name in ["allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"]:
        assert getattr(ember.backends.cuda.matmul, name) == getattr(torch.backends.cuda.matmul, name), name
