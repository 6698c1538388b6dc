"""Backend plugins: loading through entry points, failures, selection, the no-backend error,
and faulty plugins (incomplete, clashing, raising, interrupted) that must not break the core.

The registry tests build a fresh Registry over fake entry points, so they run anywhere.
The fixture-package tests need the test plugins installed (noxfile.py's TEST_FIXTURES):

    pip install packages/core/tests/fixtures/ember-{toy,broken,raising,clashing,incomplete}-backend

and skip, saying so, where they are not.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import types
import warnings
from importlib import metadata

import ember
import numpy as np
import pytest
from ember.__main__ import backend_lines
from ember.backends import BackendPluginWarning, NoBackendError, NumpyLikeBackend, hookimpl
from ember.backends import _registry as registry_module
from ember.backends._registry import Registry
from ember.testing.conformance import BackendConformance

FIXTURES = "packages/core/tests/fixtures"


def installed(distribution: str) -> bool:
    try:
        metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def needs(distribution: str):
    return pytest.mark.skipif(
        not installed(distribution),
        reason=f"test plugin {distribution} is not installed (pip install {FIXTURES}/{distribution})",
    )


def run_python(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "EMBER_BACKEND"}
    full_env.update(env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, timeout=120)


# --- a registry over fake entry points ----------------------------------------------


class FakeBackend(NumpyLikeBackend):
    def __init__(self, name: str, device_type: str = "cpu", reason: str | None = None) -> None:
        super().__init__(np)
        self.name, self.device_type, self.reason = name, device_type, reason

    def unavailable_reason(self) -> str | None:
        return self.reason


def plugin_module(module_name: str, *backends, hook=None) -> str:
    """Put a plugin module into sys.modules; returns the entry-point value naming it."""
    module = types.ModuleType(module_name)
    if hook is None and backends:

        def hook():
            return list(backends)

    if hook is not None:
        module.ember_backends = hookimpl(hook)
    sys.modules[module_name] = module
    return module_name


class FakeEntryPoint:
    """An entry point naming a module, from the distribution `dist` (None: from none)."""

    def __init__(self, name: str, value: str, dist: str | None = None) -> None:
        self.name, self.value = name, value
        self.dist = None if dist is None else types.SimpleNamespace(name=dist)

    def load(self):
        return importlib.import_module(self.value)


@pytest.fixture
def fake_plugins(monkeypatch):
    """fake_plugins({name: value or (value, distribution)}) -> a fresh Registry that finds exactly those plugins."""
    monkeypatch.delenv("EMBER_BACKEND", raising=False)  # the example-backend session sets it for the suites
    loads = []

    def make(values: dict) -> Registry:
        points = [
            FakeEntryPoint(name, *(value if isinstance(value, tuple) else (value,))) for name, value in values.items()
        ]

        def entry_points(group: str):
            loads.append(group)
            return points if group == registry_module.ENTRY_POINT_GROUP else []

        monkeypatch.setattr(metadata, "entry_points", entry_points)
        return Registry()

    make.loads = loads
    yield make
    for name in [name for name in sys.modules if name.startswith("fake_ember_plugin")]:
        del sys.modules[name]


def test_plugins_load_lazily_and_once(fake_plugins):
    numpy_like = FakeBackend("numpy")
    registry = fake_plugins({"numpy": plugin_module("fake_ember_plugin_np", numpy_like)})
    assert fake_plugins.loads == []
    assert registry.for_device_type("cpu") is numpy_like
    assert registry.all() == [numpy_like] and registry.by_name("numpy") is numpy_like
    assert fake_plugins.loads == ["ember.backends"]


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(fake_plugins):
    good = FakeBackend("numpy")
    registry = fake_plugins(
        {
            "missing": "fake_ember_plugin_that_does_not_exist",
            "numpy": plugin_module("fake_ember_plugin_ok", good),
        }
    )
    with pytest.warns(BackendPluginWarning, match=r"'missing'.*failed to load.*ModuleNotFoundError"):
        assert registry.for_device_type("cpu") is good
    [failure] = registry.failures
    assert failure.name == "missing" and "fake_ember_plugin_that_does_not_exist" in failure.error


def test_a_plugin_without_the_hook_is_reported(fake_plugins):
    registry = fake_plugins({"nohook": plugin_module("fake_ember_plugin_nohook")})
    with pytest.warns(BackendPluginWarning, match="defines no ember_backends"):
        assert registry.all() == []
    assert "hookimpl" in registry.failures[0].error


def test_a_hook_that_raises_is_reported(fake_plugins):
    def hook():
        raise RuntimeError("no device driver")

    registry = fake_plugins({"raising": plugin_module("fake_ember_plugin_raising", hook=hook)})
    with pytest.warns(BackendPluginWarning, match="RuntimeError: no device driver"):
        assert registry.all() == []


def test_a_backend_without_metadata_is_reported(fake_plugins):
    registry = fake_plugins({"nameless": plugin_module("fake_ember_plugin_nameless", object())})
    with pytest.warns(BackendPluginWarning, match="no string attribute 'name'"):
        assert registry.all() == []


def test_two_backends_with_one_name_and_device_type_are_refused(fake_plugins):
    first = FakeBackend("numpy")
    registry = fake_plugins(
        {
            "a": plugin_module("fake_ember_plugin_a", first),
            "b": plugin_module("fake_ember_plugin_b", FakeBackend("numpy")),
        }
    )
    with pytest.warns(BackendPluginWarning, match="'numpy' for 'cpu' is already provided"):
        assert registry.all() == [first]


def test_warnings_as_errors_leave_the_registry_consistent(fake_plugins):
    good = FakeBackend("numpy")
    registry = fake_plugins(
        {"missing": "fake_ember_plugin_absent", "numpy": plugin_module("fake_ember_plugin_g", good)}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", BackendPluginWarning)
        with pytest.raises(BackendPluginWarning):
            registry.all()
    assert registry.for_device_type("cpu") is good


def test_default_preference_and_availability_rank_candidates(fake_plugins):
    other, numpy_like = FakeBackend("aaa"), FakeBackend("numpy")
    registry = fake_plugins(
        {"aaa": plugin_module("fake_ember_plugin_aaa", other), "np": plugin_module("fake_ember_plugin_n", numpy_like)}
    )
    assert registry.for_device_type("cpu") is numpy_like
    broken, working = FakeBackend("x1", "cuda", reason="no GPU"), FakeBackend("x2", "cuda")
    registry = fake_plugins({"x": plugin_module("fake_ember_plugin_x", broken, working)})
    assert registry.for_device_type("cuda") is working


def test_ember_backend_variable_picks_among_plugins(fake_plugins, monkeypatch):
    numpy_like, toy, gpu = FakeBackend("numpy"), FakeBackend("toy"), FakeBackend("gpu", "cuda")
    values = {
        "numpy": plugin_module("fake_ember_plugin_n2", numpy_like),
        "toy": plugin_module("fake_ember_plugin_t", toy),
    }
    values["gpu"] = plugin_module("fake_ember_plugin_gpu", gpu)
    monkeypatch.setenv("EMBER_BACKEND", "toy")
    assert fake_plugins(values).for_device_type("cpu") is toy
    monkeypatch.setenv("EMBER_BACKEND", "gpu, toy")
    registry = fake_plugins(values)
    assert registry.for_device_type("cpu") is toy and registry.for_device_type("cuda") is gpu
    monkeypatch.setenv("EMBER_BACKEND", "tyo")
    registry = fake_plugins(values)
    with pytest.warns(BackendPluginWarning, match=r"EMBER_BACKEND='tyo' names no installed backend.*numpy, toy"):
        assert registry.for_device_type("cpu") is numpy_like


def test_use_selects_and_restores(fake_plugins):
    numpy_like, toy = FakeBackend("numpy"), FakeBackend("toy")
    registry = fake_plugins(
        {"numpy": plugin_module("fake_ember_plugin_n3", numpy_like), "toy": plugin_module("fake_ember_plugin_t3", toy)}
    )
    assert registry.for_device_type("cpu") is numpy_like
    with registry.use("toy"):
        assert registry.for_device_type("cpu") is toy
    assert registry.for_device_type("cpu") is numpy_like
    registry.use("toy", "cpu")
    assert registry.for_device_type("cpu") is toy


def test_use_of_an_unknown_name_lists_what_is_installed(fake_plugins):
    registry = fake_plugins(
        {"numpy": plugin_module("fake_ember_plugin_n4", FakeBackend("numpy")), "broken": "fake_ember_plugin_gone"}
    )
    with pytest.warns(BackendPluginWarning):
        registry.all()
    with pytest.raises(ValueError, match=r"no ember backend named 'broken'.*installed: numpy \(cpu\).*failed to load"):
        registry.use("broken")
    with pytest.raises(ValueError, match="named 'numpy' serving 'cuda'"):
        registry.by_name("numpy", "cuda")


def test_no_backend_error_says_what_to_install(fake_plugins):
    registry = fake_plugins({})
    with pytest.raises(NoBackendError, match="pip install ember-numpy"):
        registry.for_device_type("cpu")
    with pytest.raises(
        NoBackendError, match=r"To get one: on a machine with an NVIDIA GPU, pip install ember-cupy\[cuda12\]"
    ):
        registry.for_device_type("cuda")
    assert issubclass(NoBackendError, RuntimeError)


def test_registered_backends_join_the_installed_ones():
    extra = FakeBackend("extra-test-backend")
    ember.backends.registry.register(extra)
    try:
        assert ember.backends.by_name("extra-test-backend") is extra
        with ember.backends.use("extra-test-backend"):
            assert ember.zeros(2)._backend is extra
        assert ember.zeros(2)._backend is not extra
    finally:
        ember.backends.registry.unregister(extra)
    assert extra not in ember.backends.available()


def test_a_subclass_kernel_replaces_the_xp_one():
    class Doubling(NumpyLikeBackend):
        def add(self, x, y, **kwargs):
            return 2 * np.add(x, y, **kwargs)

    backend = Doubling(np)
    np.testing.assert_array_equal(backend.add(np.ones(2), np.ones(2)), [4.0, 4.0])
    assert backend.multiply is np.multiply and backend.concat is np.concatenate


# --- faulty plugins never break the core ----------------------------------------------------


class Incomplete:
    """Metadata and one creation function: what a half-written backend looks like."""

    name, device_type = "fake", "cpu"
    xp, ndarray = np, np.ndarray

    def is_available(self) -> bool:
        return True

    def unavailable_reason(self) -> None:
        return None

    def device_count(self) -> int:
        return 1

    def zeros(self, shape, dtype, index):
        return np.zeros(shape, dtype=dtype.numpy)


def without(member: str) -> FakeBackend:
    backend = FakeBackend("lacking")
    delattr(backend, member)  # NOTE: kernels are instance attributes of NumpyLikeBackend
    return backend


def test_a_backend_missing_kernels_is_rejected_naming_them(fake_plugins):
    good = FakeBackend("numpy")
    registry = fake_plugins(
        {
            "half": (plugin_module("fake_ember_plugin_half", Incomplete()), "ember-half"),
            "nomatmul": (plugin_module("fake_ember_plugin_nomatmul", without("matmul")), "ember-nomatmul"),
            "numpy": (plugin_module("fake_ember_plugin_np5", good), "ember-numpy"),
        }
    )
    with pytest.warns(BackendPluginWarning) as caught:
        assert registry.all() == [good]
    messages = [str(w.message) for w in caught]
    assert any(
        "plugin 'nomatmul' (from ember-nomatmul)" in m and "lacks members of the backend protocol: matmul (see" in m
        for m in messages
    ), messages
    [half] = [m for m in messages if "plugin 'half' (from ember-half)" in m]
    assert re.search(r"lacks members of the backend protocol: native_dtype, ember_dtype, .*, empty, full, ", half)
    assert re.search(r"and \d+ more", half), "a long list is cut short"
    assert {f.distribution for f in registry.failures} == {"ember-half", "ember-nomatmul"}


def test_register_refuses_an_incomplete_backend():
    with pytest.raises(TypeError, match=r"backend 'lacking' for 'cpu' lacks members of the backend protocol: add \("):
        ember.backends.registry.register(without("add"))
    assert "lacking" not in [b.name for b in ember.backends.available()]


class NamedByProperty(FakeBackend):
    @property
    def name(self) -> str:
        raise RuntimeError("computed names are not allowed")


def test_metadata_must_be_plain_strings_that_reading_cannot_break(fake_plugins):
    registry = fake_plugins({"prop": plugin_module("fake_ember_plugin_prop", NamedByProperty.__new__(NamedByProperty))})
    with pytest.warns(BackendPluginWarning, match=r"no string attribute 'name' \(a plain value, not a property"):
        assert registry.all() == []


class Raising(FakeBackend):
    """A backend whose availability queries raise (a crashing driver probe)."""

    def is_available(self) -> bool:
        raise RuntimeError("probe crashed")

    def unavailable_reason(self) -> str:
        raise RuntimeError("probe crashed")

    def device_count(self) -> int:
        raise OSError("no device nodes")


def test_a_raising_is_available_means_unavailable_reported_once(fake_plugins):
    raising, working = Raising("aaa-raising"), FakeBackend("zzz-working")
    registry = fake_plugins({"both": (plugin_module("fake_ember_plugin_both", raising, working), "ember-both")})
    with pytest.warns(BackendPluginWarning) as caught:
        assert registry.for_device_type("cpu") is working, "the raising one ranks as unavailable"
        assert registry.unavailable_reason(raising) == "its is_available() raised RuntimeError: probe crashed"
        assert registry.is_available(raising) is False
        assert registry.device_count(raising) == 0 and registry.device_count(raising) == 0
    assert [str(w.message) for w in caught] == [
        "ember backend 'aaa-raising' for 'cpu' (from ember-both) is treated as unavailable: "
        "its is_available() raised RuntimeError: probe crashed",
        "ember backend 'aaa-raising' for 'cpu' (from ember-both) is treated as unavailable: "
        "its device_count() raised OSError: no device nodes",
    ]


def test_an_unavailable_backend_without_a_reason_still_gets_one(fake_plugins):
    class Silent(FakeBackend):
        def is_available(self) -> bool:
            return False

    registry = fake_plugins({})
    assert registry.unavailable_reason(Silent("quiet")) == "the 'quiet' backend says it is not available"


@pytest.fixture
def raising_cuda():
    """A CUDA backend whose availability queries raise, registered and chosen for "cuda" during the test."""
    backend = Raising("raising-cuda-test", "cuda")
    ember.backends.registry.register(backend)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BackendPluginWarning)
            with ember.backends.use("raising-cuda-test", "cuda"):
                yield backend
    finally:
        ember.backends.registry.unregister(backend)


def test_ember_cuda_answers_despite_a_raising_cuda_backend(raising_cuda):
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.cuda.unavailable_reason() == "its is_available() raised RuntimeError: probe crashed"
    with pytest.raises(RuntimeError, match=r"cuda:0 was requested, but CUDA is not available: its is_available\(\)"):
        ember.zeros(1, device="cuda")
    ember.cuda.manual_seed_all(0)  # does nothing without CUDA
    assert ember.ones(2).tolist() == [1.0, 1.0]


def test_python_m_ember_describes_a_raising_backend():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendPluginWarning)
        lines = backend_lines(Raising("raising-report"), selected=False)
    assert lines == [
        "  raising-report (device type cpu, from unknown distribution): "
        "not available: its is_available() raised RuntimeError: probe crashed"
    ]


class Unprintable(Exception):
    def __str__(self) -> str:
        raise ValueError("no message")


def test_an_error_that_cannot_be_printed_is_still_reported(fake_plugins):
    def hook():
        raise Unprintable()

    registry = fake_plugins({"odd": plugin_module("fake_ember_plugin_odd", hook=hook)})
    with pytest.warns(BackendPluginWarning, match=r"Unprintable \(its message cannot be printed\)"):
        assert registry.all() == []


class Lazy:
    """Binds its kernels on first use through __getattr__, as ember-cupy does once CuPy is found."""

    device_type, distribution = "cpu", "ember-lazy"

    def __init__(self, name: str, lacking: str | None = None) -> None:
        self.name, self.lacking, self.inner = name, lacking, FakeBackend("inner")

    def is_available(self) -> bool:
        return True

    def unavailable_reason(self) -> None:
        return None

    def device_count(self) -> int:
        return 1

    def __getattr__(self, member: str):
        if member == self.lacking or member.startswith("_"):
            raise AttributeError(member)
        return getattr(self.inner, member)


def test_a_lazy_backend_is_checked_once_it_is_available(fake_plugins):
    complete, lacking = Lazy("lazy-complete"), Lazy("lazy-lacking", lacking="cumsum")
    registry = fake_plugins({"lazy": plugin_module("fake_ember_plugin_lazy", complete, lacking)})
    assert registry.all() == [complete, lacking], "members its __getattr__ gives cannot be checked before"
    assert registry.unavailable_reason(complete) is None
    with pytest.warns(
        BackendPluginWarning, match=r"'lazy-lacking' for 'cpu' \(from ember-lazy\) is ignored: .*: cumsum"
    ):
        assert "lacks members of the backend protocol: cumsum" in registry.unavailable_reason(lacking)
    assert registry.is_available(lacking) is False

    class Unprobed(Lazy):
        is_available = None  # what ember asks first cannot be left to __getattr__

    with pytest.raises(
        TypeError, match="lacks members of the backend protocol: xp, ndarray, is_available, native_dtype"
    ):
        registry.register(Unprobed("unprobed"))


def test_plugins_take_names_in_a_fixed_order_whatever_the_path_order(fake_plugins):
    def load(order):
        own, intruder = FakeBackend("numpy"), FakeBackend("numpy")
        first, second = FakeBackend("shared"), FakeBackend("shared")
        plugins = {
            "numpy": (plugin_module(f"fake_ember_plugin_own{order}", own), "ember-numpy"),
            "evil": (plugin_module(f"fake_ember_plugin_evil{order}", intruder), "aaa-evil"),
            "z": (plugin_module(f"fake_ember_plugin_z{order}", second), "zeta-backends"),
            "a": (plugin_module(f"fake_ember_plugin_a{order}", first), "Alpha_Backends"),
        }
        if order == "reversed":
            plugins = dict(reversed(plugins.items()))
        registry = fake_plugins(plugins)
        with pytest.warns(BackendPluginWarning) as caught:
            assert registry.all() == [own, first]
        return registry, [str(w.message) for w in caught]

    registry, messages = load("forward")
    assert load("reversed")[1] == messages
    assert messages == [
        "ember backend plugin 'evil' (from aaa-evil) failed to load and is ignored: ValueError: backend name 'numpy' "
        "for 'cpu' is already provided by ember-numpy, which keeps it; this one from aaa-evil is ignored (ember's "
        "own distributions take names first, then the others in the order of their names): give it another name",
        "ember backend plugin 'z' (from zeta-backends) failed to load and is ignored: ValueError: backend name "
        "'shared' for 'cpu' is already provided by Alpha_Backends, which keeps it; this one from zeta-backends is "
        "ignored (ember's own distributions take names first, then the others in the order of their names): give "
        "it another name",
    ]
    assert [f.distribution for f in registry.failures] == ["aaa-evil", "zeta-backends"]
    assert registry.for_device_type("cpu").distribution == "ember-numpy"


@pytest.mark.parametrize("interruption", [KeyboardInterrupt, SystemExit])
def test_an_interrupted_load_is_tried_again(fake_plugins, interruption):
    good = FakeBackend("numpy")
    calls = []

    def interrupted_once():
        calls.append(1)
        if len(calls) == 1:
            raise interruption()
        return [FakeBackend("second")]

    registry = fake_plugins(
        {
            "numpy": (plugin_module("fake_ember_plugin_good", good), "ember-numpy"),
            "slow": (plugin_module("fake_ember_plugin_slow", hook=interrupted_once), "ember-slow"),
        }
    )
    with pytest.raises(interruption) as raised:
        registry.for_device_type("cpu")
    assert raised.value.__notes__ == ["(raised while loading the ember backend plugin 'slow' from ember-slow)"]
    assert registry.for_device_type("cpu") is good, "the next need loads the plugins again"
    assert [b.name for b in registry.all()] == ["numpy", "second"] and registry.failures == []
    assert len(calls) == 2 and len(fake_plugins.loads) == 2


INTERRUPT_TOY_IMPORT = """
import sys


class CtrlC:
    armed = True

    def find_spec(self, name, path=None, target=None):
        if name == "ember_toy_backend" and CtrlC.armed:
            CtrlC.armed = False
            raise KeyboardInterrupt
        return None


sys.meta_path.insert(0, CtrlC())
import ember

try:
    ember.ones(2)
except KeyboardInterrupt as interrupt:
    print("interrupted", *interrupt.__notes__)
print(ember.ones(2).tolist(), ember.backends.by_name("toy").name, [f.name for f in ember.backends.failures()])
"""


@needs("ember-toy-backend")
def test_ctrl_c_while_the_first_op_loads_plugins_leaves_ember_usable():
    result = run_python("-W", "ignore", "-c", INTERRUPT_TOY_IMPORT)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "interrupted (raised while loading the ember backend plugin 'toy' from ember-toy-backend)"
    assert lines[1].startswith("[1.0, 1.0] toy [")
    assert "'numpy'" not in lines[1], "ember-numpy, loaded before the interruption, loads again cleanly"


# --- with no backend installed (entry points hidden in a subprocess) -----------------------

HIDE_BACKENDS = """
import importlib.metadata as m
_entry_points = m.entry_points
def entry_points(**params):
    return m.EntryPoints(()) if params.get("group") == "ember.backends" else _entry_points(**params)
m.entry_points = entry_points
"""


def test_no_backend_installed_import_works_and_creation_says_pip_install():
    script = HIDE_BACKENDS + (
        "import ember\n"
        "print('imported; cuda available:', ember.cuda.is_available())\n"
        "try:\n"
        "    ember.tensor([1.0])\n"
        "except ember.backends.NoBackendError as error:\n"
        "    print('RuntimeError' if isinstance(error, RuntimeError) else 'other', error)\n"
    )
    result = run_python("-c", script)
    assert result.returncode == 0, result.stderr
    assert "imported; cuda available: False" in result.stdout
    assert (
        "RuntimeError No ember backend serves device type 'cpu'. To get one: pip install ember-numpy" in result.stdout
    )


# --- the pytest plugin ---------------------------------------------------------------------


def test_pytest_startup_does_not_import_ember(tmp_path):
    script = (
        "import sys, pytest\n"
        f"pytest.main(['-q', '-p', 'no:cacheprovider', '--co', {str(tmp_path)!r}])\n"
        "print('loaded:', '_ember_pytest_plugin' in sys.modules, 'imported:', 'ember' in sys.modules)\n"
    )
    result = run_python("-c", script)
    assert "loaded: True imported: False" in result.stdout, result.stdout + result.stderr


def test_suite_runs_from_the_command_line(tmp_path):
    args = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "ember.testing.suite", "-k", "metadata")
    result = run_python(*args, "--ember-backend", "numpy", "--rootdir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    result = run_python(*args, "--ember-backend", "nope", "--rootdir", str(tmp_path))
    assert result.returncode == 4
    assert "--ember-backend: no ember backend named 'nope' is installed" in result.stderr


WRONG_BACKEND_TESTS = """
import numpy as np
from ember.backends import NumpyLikeBackend, registry
from ember.testing.conformance import BackendConformance


class Wrong(NumpyLikeBackend):
    name = "wrong"

    def __init__(self):
        super().__init__(np)
        self.add = np.subtract

    def index_add(self, target, index, values):
        target[index] += values  # duplicates do not accumulate


registry.register(Wrong())


class TestWrong(BackendConformance):
    backend_name = "wrong"
"""


def test_suite_catches_a_wrong_backend(tmp_path):
    (tmp_path / "test_wrong_backend.py").write_text(WRONG_BACKEND_TESTS)
    selection = "metadata or binary_broadcasting or index_add or train"
    result = run_python("-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", selection, str(tmp_path), "-rf")
    failed = sorted(
        line.split("::TestWrong::")[1].split(" - ")[0]  # NOTE: the reason follows " - " when the terminal is wide
        for line in result.stdout.splitlines()
        if line.startswith("FAILED")
    )
    assert failed == [
        "test_binary_broadcasting[add]",
        "test_index_add_accumulates_duplicates[duplicates]",
        "test_index_add_accumulates_duplicates[pairs]",
        "test_index_add_accumulates_duplicates[rows]",
        "test_index_add_accumulates_duplicates[slice then array]",
        "test_tensors_train_on_the_backend",
    ], result.stdout
    assert "add((3, 1, 4), (5, 4))" in result.stdout, "the failure names the kernel and shapes"


# --- the fixture packages ------------------------------------------------------------------


@pytest.fixture
def toy():
    return ember.backends.by_name("toy")


@needs("ember-toy-backend")
def test_toy_backend_is_found_through_its_entry_point(toy):
    assert toy.device_type == "cpu" and toy.distribution == "ember-toy-backend"
    assert isinstance(toy, NumpyLikeBackend)
    default = run_python("-c", "import ember; print(ember.backends.get('cpu').name)")  # without EMBER_BACKEND
    assert default.stdout.split() == ["numpy"], "numpy stays the default CPU backend"


@needs("ember-toy-backend")
def test_use_toy_makes_tensors_and_ops_run_on_it(toy):
    before = ember.backends.get("cpu")
    with ember.backends.use("toy"):
        x = ember.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
        toy.calls.clear()
        y = (x @ x + 1).relu().sum()
        y.backward()
        assert toy.calls["matmul"] >= 1 and toy.calls["add"] >= 1 and toy.calls["maximum"] >= 1
    assert x._backend is toy and y._backend is toy and x.grad._backend is toy
    host = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_allclose(y.item(), np.maximum(host @ host + 1, 0).sum())
    assert ember.zeros(1)._backend is before, "the with block restores the previous choice"


@needs("ember-toy-backend")
def test_ember_backend_variable_selects_toy():
    script = "import ember\nx = ember.ones(3)\nprint(x._backend.name, (x * 2 + x).tolist(), ember.backends.get().calls['multiply'])"
    result = run_python("-c", script, env={"EMBER_BACKEND": "toy"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["toy", "[3.0,", "3.0,", "3.0]", "1"]


@needs("ember-broken-backend")
def test_broken_plugin_warns_and_import_still_works():
    script = "import ember\nprint('imported')\nprint(ember.zeros(2).tolist())"
    result = run_python("-W", "always", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["imported", "[0.0, 0.0]"]
    assert (
        "BackendPluginWarning: ember backend plugin 'broken' (from ember-broken-backend) failed to load"
        in result.stderr
    )
    assert "ImportError: ember_broken_backend needs the array library" in result.stderr
    assert "broken" in [failure.name for failure in ember.backends.failures()]


@needs("ember-toy-backend")
@needs("ember-broken-backend")
def test_python_m_ember_lists_both_fixtures():
    result = run_python("-m", "ember")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^  ember-toy-backend\s+0\.1\.0$", result.stdout, re.M)
    assert re.search(r"^  ember-broken-backend\s+0\.1\.0$", result.stdout, re.M)
    assert "  toy (device type cpu, from ember-toy-backend 0.1.0): available, 1 device\n" in result.stdout
    failed = result.stdout.split("Plugins that failed to load:\n")[1]
    assert failed.startswith("  broken (from ember-broken-backend 0.1.0): ImportError: ember_broken_backend needs")
    assert "BackendPluginWarning" not in result.stderr, "the report lists failures instead of warning"
    selected = run_python("-m", "ember", env={"EMBER_BACKEND": "toy"}).stdout
    assert "EMBER_BACKEND=toy" in selected and "1 device [selected for cpu]" in selected.split("  toy ")[1]


@needs("ember-toy-backend")
class TestToyConformance(BackendConformance):
    """The toy fixture backend passes the conformance suite too."""

    backend_name = "toy"


# --- the faulty fixture packages -------------------------------------------------------------


@needs("ember-raising-backend")
def test_an_installed_raising_backend_does_not_stop_cpu_ops():
    assert ember.ones(2).tolist() == [1.0, 1.0]
    raising = ember.backends.by_name("raising")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendPluginWarning)
        reason = ember.backends.registry.unavailable_reason(raising)
    assert reason == "its is_available() raised RuntimeError: the raising backend's device probe crashed"


#: Leaves toy and raising as the CPU backends: none is the preferred "numpy", so each one's availability is asked.
ONLY_THE_TOY_AND_RAISING_BACKENDS = """
import importlib.metadata as m
_entry_points = m.entry_points
def entry_points(**params):
    found = _entry_points(**params)
    if params.get("group") == "ember.backends":
        kept = ("ember-toy-backend", "ember-raising-backend")  # the CPU choice is between these two only
        found = m.EntryPoints(p for p in found if p.dist.name in kept)
    return found
m.entry_points = entry_points
"""


@needs("ember-raising-backend")
@needs("ember-toy-backend")
def test_the_cpu_choice_skips_a_backend_whose_is_available_raises():
    script = ONLY_THE_TOY_AND_RAISING_BACKENDS + (
        "import ember\n"
        "print(ember.ones(2).tolist(), ember.ones(1)._backend.name, ember.cuda.is_available())\n"
        "print(ember.backends.registry.is_available(ember.backends.by_name('raising')))\n"
    )
    result = run_python("-W", "always::ember.backends.BackendPluginWarning", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[1.0, 1.0] toy False", "False"]
    warning = (
        "BackendPluginWarning: ember backend 'raising' for 'cpu' (from ember-raising-backend) is treated as "
        "unavailable: its is_available() raised RuntimeError: the raising backend's device probe crashed"
    )
    assert result.stderr.count(warning) == 1, result.stderr


REVERSE_ENTRY_POINTS = """
import importlib.metadata as m
_entry_points = m.entry_points
def entry_points(**params):
    found = _entry_points(**params)
    return m.EntryPoints(reversed(tuple(found))) if params.get("group") == "ember.backends" else found
m.entry_points = entry_points
"""


@needs("ember-clashing-backend")
@pytest.mark.parametrize("order", ["found", "reversed"])
def test_a_plugin_naming_its_backend_numpy_does_not_displace_ember_numpy(order):
    script = (REVERSE_ENTRY_POINTS if order == "reversed" else "") + (
        "import ember\n"
        "x = ember.ones(2)\n"
        "print(x.tolist(), x._backend.distribution, ember.backends.by_name('numpy').distribution)\n"
        "print([f.distribution for f in ember.backends.failures() if \"name 'numpy'\" in f.error])\n"
    )
    result = run_python("-W", "always::ember.backends.BackendPluginWarning", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["[1.0, 1.0] ember-numpy ember-numpy", "['ember-clashing-backend']"]
    assert (
        "BackendPluginWarning: ember backend plugin 'clashing' (from ember-clashing-backend) failed to load and is "
        "ignored: ValueError: backend name 'numpy' for 'cpu' is already provided by ember-numpy, which keeps it"
    ) in result.stderr


@needs("ember-incomplete-backend")
def test_an_incomplete_cuda_plugin_is_rejected_and_cuda_stays_unavailable():
    [failure] = [f for f in ember.backends.failures() if f.distribution == "ember-incomplete-backend"]
    assert failure.name == "incomplete"
    assert failure.error.startswith(
        "BackendRejected: backend 'incomplete' for 'cuda' lacks members of the backend protocol: native_dtype, "
        "ember_dtype, device_index, asarray, full, arange,"
    )
    assert "incomplete" not in [backend.name for backend in ember.backends.available()]
    with pytest.raises(ValueError, match="the plugin 'incomplete' from ember-incomplete-backend failed to load"):
        ember.backends.use("incomplete")
    if not any(backend.device_type == "cuda" for backend in ember.backends.available()):
        assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
        with pytest.raises(NoBackendError, match="No ember backend serves device type 'cuda'"):
            ember.zeros(1, device="cuda")


@needs("ember-raising-backend")
@needs("ember-clashing-backend")
@needs("ember-incomplete-backend")
def test_python_m_ember_lists_every_faulty_plugin():
    result = run_python("-m", "ember")
    assert result.returncode == 0, result.stderr
    assert (
        "  raising (device type cpu, from ember-raising-backend 0.1.0): not available: its is_available() raised "
        "RuntimeError: the raising backend's device probe crashed\n"
    ) in result.stdout
    failed = result.stdout.split("Plugins that failed to load:\n")[1]
    assert "  clashing (from ember-clashing-backend 0.1.0): ValueError: backend name 'numpy' for 'cpu'" in failed
    assert "  incomplete (from ember-incomplete-backend 0.1.0): BackendRejected: backend 'incomplete'" in failed
    assert "numpy (device type cpu, from ember-numpy" in result.stdout.split("Backends:\n")[1]
    assert result.stderr == ""
