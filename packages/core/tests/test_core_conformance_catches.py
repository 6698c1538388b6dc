"""The conformance suite catches a backend that is right on matching float32/float64 arrays
and subtly wrong elsewhere (the fixture ember-subtly-wrong-backend), one defect at a time.

Each of the fixture's defects breaks ember for its users (``int_tensor < 2.5``,
``float16_tensor + 1``, ``bool_tensor.cumsum(0)``, ...) while every check the suite
makes on float32/float64 inputs of matching dtypes still passes. Needs the fixture:

    pip install packages/core/tests/fixtures/ember-subtly-wrong-backend
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest
from ember.testing._conformance_dtypes import DtypeChecks
from ember.testing._conformance_layouts import LayoutChecks
from ember.testing._conformance_optional import OptionalChecks

FIXTURE = "ember-subtly-wrong-backend"

#: For each defect of the fixture, a line of the suite's report that only that defect causes.
CAUGHT_BY = {
    "scalar-comparison": "less(int8[2, 1, 4], 2.5 (float)): ",
    "half-scalar": "add(float16[2, 1, 4], 2 (int)): dtype float32, NumPy gives float16",
    "bool-arithmetic": "multiply(bool[2, 1, 4], bool[3, 4]): dtype int8, NumPy gives bool",
    "logical-float": "logical_and(float32[2, 1, 4], float32[3, 4]): dtype float32, NumPy gives bool",
    "clip-order": "clip(int64[3, 4], np.int64(3), np.int64(1)): ",
    "scan-dtype": "cumsum(bool[3, 4], axis=0, dtype='int64'): dtype bool, NumPy gives int64",
    "out-written-flat": "out='a transposed view'): ",
    "reads-memory-order": "max(bool[3, 4], axis=1, keepdims=False) on a transposed view: ",
    "empty-sum": "sum(float32[0, 3], axis=None, keepdims=False, dtype=None): dtype int64, NumPy gives float32",
    "zero-dim-float64": "exp(float32[]): dtype float64, NumPy gives float32",
    "softmax-unshifted": "fused_softmax(float16[3, 4], 0 (int)): ",
    "sum-of-squares-float64": "sum_of_squares(float32[3, 4], False (bool)): dtype float64, NumPy gives float32",
    "mask-selects": "mask_multiply(float32[2, 4], bool[2, 4]): ",
    "conv-ignores-dilation": "fused_conv2d(float32[2, 4, 6, 5], float32[8, 2, 3, 2], bias=True, ",
}
#: The checks added to reach every dtype, operand and layout core passes; the kernel checks
#: on float32/float64 arrays of matching dtypes are all the others.
WIDER_CHECKS = {
    name for cls in (DtypeChecks, LayoutChecks, OptionalChecks) for name in vars(cls) if name.startswith("test_")
}


def installed(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


pytestmark = pytest.mark.skipif(not installed(FIXTURE), reason=f"pip install packages/core/tests/fixtures/{FIXTURE}")


def run_suite(tmp_path, defects: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("EMBER_BACKEND", "EMBER_SUBTLY_WRONG")}
    if defects is not None:
        env["EMBER_SUBTLY_WRONG"] = defects
    args = ["--pyargs", "ember.testing.suite", "--ember-backend", "subtly-wrong", "--rootdir", str(tmp_path)]
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", "--tb=short", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)


def test_fixture_without_defects_passes(tmp_path):
    result = run_suite(tmp_path, defects="")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_suite_catches_every_defect(tmp_path):
    from ember_subtly_wrong_backend import DEFECTS

    assert set(CAUGHT_BY) == set(DEFECTS), "each defect of the fixture needs its expected report line"
    result = run_suite(tmp_path, defects=None)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    missed = [defect for defect, line in CAUGHT_BY.items() if line not in result.stdout]
    assert not missed, f"the suite did not report these defects: {missed}\n{result.stdout[-5000:]}"
    failed = {
        line.split("::")[-1].split(" ")[0].split("[")[0]
        for line in result.stdout.splitlines()
        if line.startswith("FAILED")
    }
    assert failed <= WIDER_CHECKS, (
        f"checks on matching float32/float64 inputs failed too ({sorted(failed - WIDER_CHECKS)}): "
        "the fixture should be right there"
    )
