"""Write the intersphinx inventories of NumPy and CuPy that the docs build reads offline.

    python docs/_inventories/make_inventories.py

The build has no network, so instead of fetching ``objects.inv`` from numpy.org and
docs.cupy.dev this script lists NumPy's public names (CuPy mirrors NumPy's API) and
writes, with Sphinx's own inventory writer, where each one is documented under the
projects' URL patterns::

    https://numpy.org/doc/stable/reference/generated/numpy.<name>.html
    https://docs.cupy.dev/en/stable/reference/generated/cupy.<name>.html

Run it again after a NumPy upgrade and commit the two ``.inv`` files.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from sphinx.util.inventory import InventoryFile

HERE = Path(__file__).parent

#: (fullname, object type) of CuPy's own API that NumPy has no counterpart for.
CUPY_ONLY = [
    ("cupy.asnumpy", "function"),
    ("cupy.get_array_module", "function"),
    ("cupy.get_default_memory_pool", "function"),
    ("cupy.fuse", "function"),
    ("cupy.ElementwiseKernel", "class"),
    ("cupy.ReductionKernel", "class"),
    ("cupy.RawKernel", "class"),
    ("cupy.cuda.Device", "class"),
    ("cupy.cuda.Stream", "class"),
    ("cupy.cuda.MemoryPool", "class"),
    ("cupy.cuda.PinnedMemoryPool", "class"),
]


def numpy_names() -> Iterator[tuple[str, str]]:
    """(name relative to the package, object type) for NumPy's documented public API."""
    for name in sorted(np.__all__):
        value = getattr(np, name)
        if inspect.ismodule(value):
            continue
        if inspect.isclass(value):
            yield name, "class"
        elif callable(
            value
        ):  # functions and ufuncs: both are called like functions
            yield name, "function"
    for name in sorted(dir(np.ndarray)):
        if name.startswith("_"):
            continue
        kind = "method" if callable(getattr(np.ndarray, name)) else "attribute"
        yield f"ndarray.{name}", kind
    for name in sorted(np.linalg.__all__):
        if callable(getattr(np.linalg, name)) and not inspect.isclass(
            getattr(np.linalg, name)
        ):
            yield f"linalg.{name}", "function"


def is_scalar_type(name: str) -> bool:
    value = getattr(np, name, None)
    return inspect.isclass(value) and issubclass(value, np.generic)


def numpy_entries() -> Iterator[tuple[str, str, str]]:
    """(fullname, object type, page) for the NumPy inventory."""
    for name, kind in numpy_names():
        # NOTE: scalar types (numpy.float32, ...) share one page rather than a generated one each.
        page = (
            "reference/arrays.scalars"
            if is_scalar_type(name)
            else f"reference/generated/numpy.{name}"
        )
        yield f"numpy.{name}", kind, page


def cupy_entries() -> Iterator[tuple[str, str, str]]:
    """(fullname, object type, page) for the CuPy inventory: NumPy's names under ``cupy.``, then CuPy's own."""
    for name, kind in numpy_names():
        if not is_scalar_type(name):
            yield f"cupy.{name}", kind, f"reference/generated/cupy.{name}"
    for fullname, kind in CUPY_ONLY:
        yield fullname, kind, f"reference/generated/{fullname}"


class _PythonObjects:
    """The part of Sphinx's Python domain that the inventory writer reads: its name and objects."""

    name = "py"

    def __init__(self, entries: list[tuple[str, str, str]]) -> None:
        self.entries = entries

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        for fullname, kind, page in self.entries:
            yield fullname, fullname, kind, page, fullname, 1


def write_inventory(
    path: Path, project: str, entries: list[tuple[str, str, str]]
) -> None:
    """Write `entries` as a version-2 ``objects.inv`` with Sphinx's ``InventoryFile.dump``."""
    domain = _PythonObjects(entries)
    env = SimpleNamespace(
        config=SimpleNamespace(project=project, version="stable"),
        domains=SimpleNamespace(sorted=lambda: [domain]),
    )
    builder = SimpleNamespace(get_target_uri=lambda page: f"{page}.html")
    InventoryFile.dump(path, env, builder)


def main() -> None:
    write_inventory(HERE / "numpy.inv", "NumPy", list(numpy_entries()))
    write_inventory(HERE / "cupy.inv", "CuPy", list(cupy_entries()))


if __name__ == "__main__":
    main()
