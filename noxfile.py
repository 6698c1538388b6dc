"""Sessions for every package and backend.

nox -t ci                    # everything CI runs (the README's test command)
nox -s "tests(backend='numpy')"
nox -s parity                # against torch==2.13.0 (CPU)
nox -s distributed           # ember.distributed and DDP under mpiexec -n 2 and -n 4
nox -s demo                  # train the tutorial models, write plots to demo-output/
nox -s example_backend       # core's and nn's suites on the docs' example backend
nox -s array_api_backend     # the conformance suite and nn's suite on ArrayAPIBackend (array-api-strict)
nox -s array_api_core        # core's suite there, as a report
nox -s docs | bench | lint | typecheck | wheels
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CORE, NUMPY_BACKEND, CUPY_BACKEND, NN = (
    "packages/core",
    "packages/backend-numpy",
    "packages/backend-cupy",
    "packages/nn",
)
PACKAGES = [CORE, NUMPY_BACKEND, NN, CUPY_BACKEND]
#: Backend plugins that core's plugin tests install: a good one, then one per way a plugin can be faulty.
TEST_FIXTURES = [
    "packages/core/tests/fixtures/ember-toy-backend",
    "packages/core/tests/fixtures/ember-broken-backend",
    "packages/core/tests/fixtures/ember-raising-backend",
    "packages/core/tests/fixtures/ember-clashing-backend",
    "packages/core/tests/fixtures/ember-incomplete-backend",
    "packages/core/tests/fixtures/ember-subtly-wrong-backend",
]
EXAMPLE_BACKEND = "docs/examples/ember-double-backend"  # the backend of docs/howto/writing_a_backend.rst
STRICT_BACKEND = "packages/core/tests/fixtures/ember-array-api-strict-backend"  # ArrayAPIBackend on array-api-strict
TEST_DEPS = ["pytest>=8", "scikit-learn", "scipy", "matplotlib", "ruff", "safetensors"]  # ruff: the stubs' freshness test
DISTRIBUTED_TESTS = "packages/nn/tests/distributed"  # run under MPI by the distributed session only
TORCH = "torch==2.13.0"
PYTEST = ["pytest", "-q", "-p", "no:cacheprovider", "-ra"]

nox.options.sessions = ["tests(backend='numpy')", "lint"]
nox.options.reuse_existing_virtualenvs = not os.environ.get("CI")


def _existing(paths: list[str]) -> list[str]:
    return [p for p in paths if (ROOT / p / "pyproject.toml").exists()]


def _editable(session: nox.Session, *paths: str) -> None:
    args: list[str] = []
    for path in _existing(list(paths)):
        args += ["-e", path]
    session.install(*args)


def _test_dirs(*packages: str, parity: bool = False) -> list[str]:
    found = []
    for package in packages:
        tests = ROOT / package / "tests"
        if not tests.exists():
            continue
        if parity:
            found += [str(p.relative_to(ROOT)) for p in sorted(tests.rglob("parity")) if p.is_dir()]
        else:
            found.append(str(tests.relative_to(ROOT)))
    return found


def _ignore_parity(*packages: str) -> list[str]:
    return [f"--ignore={d}" for d in _test_dirs(*packages, parity=True)]


def _ignore_distributed() -> list[str]:
    return [f"--ignore={DISTRIBUTED_TESTS}"] if (ROOT / DISTRIBUTED_TESTS).exists() else []


@nox.session(tags=["ci"])
@nox.parametrize("backend", ["numpy", "cupy"])
def tests(session: nox.Session, backend: str) -> None:
    """The main suite on one backend (no torch needed)."""
    session.install(*TEST_DEPS)
    _editable(session, CORE, NUMPY_BACKEND, NN)
    session.install(*[p for p in TEST_FIXTURES if (ROOT / p).exists()])
    if backend == "numpy":
        packages = [CORE, NUMPY_BACKEND, NN]
        bench_smoke = ["benchmarks/tests"] if (ROOT / "benchmarks" / "tests").exists() else []
        session.run(
            *PYTEST,
            *_test_dirs(*packages),
            *_ignore_parity(*packages),
            *_ignore_distributed(),
            *bench_smoke,
            *session.posargs,
        )
    else:
        gpu = shutil.which("nvidia-smi") is not None
        _editable(session, CUPY_BACKEND + ("[cuda12]" if gpu else ""))
        session.run("python", "-m", "ember")
        session.run(*PYTEST, *_test_dirs(CUPY_BACKEND), *session.posargs)


@nox.session(tags=["ci"])
def example_backend(session: nox.Session) -> None:
    """Core's and nn's main suites on the guide's example backend (``EMBER_BACKEND=double``).

    It keeps the conformance suite's promise: a backend that passes it passes ember's own
    tests. The full suites run (about as long as on NumPy); the few tests about the default
    backend check it in a fresh process without ``EMBER_BACKEND``.
    """
    session.install(*TEST_DEPS)
    _editable(session, CORE, NUMPY_BACKEND, NN, EXAMPLE_BACKEND)
    session.install(*[p for p in TEST_FIXTURES if (ROOT / p).exists()])
    session.run(*PYTEST, "--pyargs", "ember.testing.suite", "--ember-backend", "double")
    session.run(*PYTEST, f"{EXAMPLE_BACKEND}/tests")
    packages = [CORE, NN]
    dirs = [*_test_dirs(*packages), *_ignore_parity(*packages)]
    session.run(*PYTEST, *dirs, *session.posargs, env={"EMBER_BACKEND": "double"})


@nox.session(tags=["ci"])
def array_api_backend(session: nox.Session) -> None:
    """ArrayAPIBackend on array-api-strict (``EMBER_BACKEND=strict``): the conformance suite and
    ember-nn's main suite must pass there."""
    session.install(*TEST_DEPS, "array-api-strict")
    _editable(session, CORE, NUMPY_BACKEND, NN, STRICT_BACKEND)
    session.run(*PYTEST, f"{STRICT_BACKEND}/tests")
    dirs = [*_test_dirs(NN), *_ignore_parity(NN), *_ignore_distributed()]
    session.run(*PYTEST, *dirs, *session.posargs, env={"EMBER_BACKEND": "strict"})


@nox.session
def array_api_core(session: nox.Session) -> None:
    """ember-core's main suite on array-api-strict, as a report: it lists the core functions that
    still need more of a namespace than the array API standard defines (the session does not fail)."""
    session.install(*TEST_DEPS, "array-api-strict")
    _editable(session, CORE, NUMPY_BACKEND, STRICT_BACKEND)
    dirs = [*_test_dirs(CORE), *_ignore_parity(CORE)]
    session.run(*PYTEST, *dirs, *session.posargs, env={"EMBER_BACKEND": "strict"}, success_codes=[0, 1])


@nox.session(tags=["ci"])
def parity(session: nox.Session) -> None:
    """Values and gradients against PyTorch 2.13 (CPU)."""
    session.install(TORCH, *TEST_DEPS)
    _editable(session, CORE, NUMPY_BACKEND, NN)
    dirs = _test_dirs(CORE, NUMPY_BACKEND, NN, parity=True)
    session.run(*PYTEST, *dirs, *session.posargs)


@nox.session(tags=["ci"])
def distributed(session: nox.Session) -> None:
    """ember.distributed and DDP under MPI (mpi4py + MPICH wheels): the suite on 2 and 4 ranks, then in
    one process, where the fault and launcher tests start their own jobs. mpiexec ends non-zero when
    any rank's pytest fails."""
    session.install(*TEST_DEPS)
    _editable(session, CORE, NUMPY_BACKEND, CUPY_BACKEND)  # ember-cupy: its simulated CUDA, for CUDA-aware MPI
    session.install("-e", f"{NN}[mpi]")
    for ranks in ("2", "4"):
        session.run("mpiexec", "-n", ranks, *PYTEST, DISTRIBUTED_TESTS, *session.posargs)
    session.run(*PYTEST, DISTRIBUTED_TESTS, *session.posargs)


@nox.session(tags=["ci"])
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole repo."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(tags=["ci"])
def typecheck(session: nox.Session) -> None:
    """mypy (mypy.ini) on the docs tutorials and a typed user script, against ember's stubs."""
    session.install("mypy", "pytest>=8", "matplotlib")
    _editable(session, CORE, NUMPY_BACKEND, NN, CUPY_BACKEND)
    session.run(*PYTEST, "packages/core/tests/typecheck", *session.posargs)


@nox.session(tags=["ci"])
def wheels(session: nox.Session) -> None:
    """Build every package as a wheel into dist/, check their metadata, install the wheels
    (not editables) and run the tests; then install the README's two ways, from the clone's
    paths and from `--find-links dist`, each in a fresh venv that trains a model."""
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build")
    for package in _existing(PACKAGES):
        session.run("python", "-m", "build", "--wheel", "--outdir", str(dist), package)
    built = sorted(str(p) for p in dist.glob("*.whl"))
    session.install(*TEST_DEPS, *built)
    session.install(*[str(ROOT / p) for p in TEST_FIXTURES if (ROOT / p).exists()])
    session.run("python", "-m", "ember")
    packages = [CORE, NUMPY_BACKEND, NN]
    session.run(
        *PYTEST,
        "--import-mode=importlib",
        *_test_dirs(*packages),
        *_ignore_parity(*packages),
        *_ignore_distributed(),
        env={"EMBER_WHEELHOUSE": str(dist)},  # test_wheel_metadata.py reads the wheels there
    )
    clone_paths = [str(ROOT / p) for p in (CORE, NUMPY_BACKEND, NN)]
    _install_and_train(session, "from-clone", clone_paths)
    _install_and_train(session, "from-wheelhouse", ["--find-links", str(dist), "ember-core", "ember-numpy", "ember-nn"])


def _install_and_train(session: nox.Session, name: str, requirements: list[str]) -> None:
    """In a fresh venv (no pip of its own: the session's pip installs into it, with its cache),
    `pip install` the requirements, show the installed license and train a model."""
    venv = Path(session.create_tmp()) / name
    shutil.rmtree(venv, ignore_errors=True)
    session.run("python", "-m", "venv", "--without-pip", str(venv))
    python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    session.run("python", "-m", "pip", "--python", python, "install", *requirements)
    shown = session.run("python", "-m", "pip", "--python", python, "show", "ember-core", silent=True)
    if "License-Expression: MIT" not in (shown or ""):
        session.error(f"pip show ember-core prints no license:\n{shown}")
    session.run(python, "-I", str(ROOT / ".ci" / "smoke_train.py"), external=True)


@nox.session
def demo(session: nox.Session) -> None:
    """Train the tutorials' models on the NumPy backend; print losses, write plots to demo-output/."""
    session.install("matplotlib", "scikit-learn")
    _editable(session, CORE, NUMPY_BACKEND, NN)
    session.run("python", "examples/tutorial_demo.py", "--out", "demo-output", *session.posargs)


@nox.session(tags=["ci"])
def docs(session: nox.Session) -> None:
    """Build the Sphinx site in English and Chinese with warnings as errors, then test it.

    The tutorials run once, in the first build; the second reuses their pages. The
    message catalogs of the current text (docs/_build/gettext) let the tests find
    sentences whose translation is missing or out of date.
    """
    if not (ROOT / "docs" / "conf.py").exists():
        session.skip("docs/ is not there yet")
    session.install("-r", "docs/requirements.txt")
    _editable(session, CORE, NUMPY_BACKEND, NN, CUPY_BACKEND, "docs/examples/ember-double-backend")
    build = ["sphinx-build", "-W", "--keep-going"]
    session.run(*build, "-b", "html", "docs", "docs/_build/html")
    session.run(*build, "-b", "html", "-D", "language=zh_CN", "docs", "docs/_build/html/zh_CN")
    session.run(*build, "-q", "-b", "gettext", "docs", "docs/_build/gettext")
    session.run(*PYTEST, "docs/tests")


@nox.session
def bench(session: nox.Session) -> None:
    """ember vs PyTorch CPU vs hand-written NumPy, side by side; writes bench-results/latest.json."""
    session.install(TORCH, "threadpoolctl", "psutil")
    _editable(session, CORE, NUMPY_BACKEND)
    session.install("-e", f"{NN}[mpi]")  # the distributed rows run under mpiexec
    session.run("python", "-m", "benchmarks", *session.posargs)
