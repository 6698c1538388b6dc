"""Write the API reference pages (``api/<module>.rst``) from what each module exports.

The pages are generated on every build, so a function added to ember shows up in the
reference without anyone editing a list. A module's page has one section per group of
members (for ``ember``, by the module that defines them: ``ember.ops.reductions``
becomes "Reductions"), each a summary table followed by the members' documentation.
``ember.Tensor`` gets a page of its own.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

#: The modules of the reference, with their page intros.
MODULES: dict[str, str | None] = {
    # An intro replaces the module's docstring at the top of its page; None keeps it.
    "ember": (
        "Tensors, their creation and every tensor operation, dtypes, devices, "
        "saving and loading. ember is written to be imported as "
        "``import ember as torch``."
    ),
    "ember.autograd": None,
    "ember.autograd.functional": None,
    "ember.cuda": None,
    "ember.distributions": None,
    "ember.distributions.constraints": None,
    "ember.distributions.transforms": None,
    "ember.fft": None,
    "ember.linalg": None,
    "ember.special": None,
    "ember.nn": None,
    "ember.nn.functional": None,
    "ember.nn.init": None,
    "ember.nn.utils": None,
    "ember.nn.utils.rnn": None,
    "ember.nn.parallel": None,
    "ember.optim": None,
    "ember.optim.lr_scheduler": None,
    "ember.optim.swa_utils": None,
    "ember.utils.data": None,
    "ember.distributed": None,
    "ember.distributed.nn.functional": None,
    "ember.backends": None,
    "ember.testing": None,
    "ember.testing.conformance": None,
}

#: Section titles for the modules that define members of ``ember``; others get one from their name.
GROUP_TITLES: dict[str, str] = {
    "ember": "Tensors",  # Tensor and Size live in ember/__init__ ...
    "ember._tensor": "Tensors",
    "ember._size": "Tensors",
    "ember._dtype": "Data types",
    "ember._type_info": "Data types",
    "ember._device": "Devices",
    "ember._creation": "Creating tensors",
    "ember._random": "Random sampling",
    "ember.ops.elementwise": "Pointwise math, comparisons and logic",
    # unary_op/binary_op declare elementwise functions
    "ember.ops._declare": "Pointwise math, comparisons and logic",
    "ember.ops.reductions": "Reductions",
    "ember.ops.linalg": "Linear algebra",
    "ember.ops.decompositions": "Linear algebra",
    "ember.ops.matrix_functions": "Linear algebra",
    "ember.ops.factorizations": "Linear algebra",
    "ember.ops.ldl": "Linear algebra",
    "ember.ops._linalg_errors": "Linear algebra",
    "ember.ops.shape": "Shapes, joining and splitting",
    "ember.ops.views": "Views",
    "ember.ops.indexing": "Indexing, gathering and scattering",
    "ember.ops.gather_scatter": "Indexing, gathering and scattering",
    "ember.ops.conversion": "Conversion",
    "ember.ops.complex": "Complex numbers",
    "ember._signal": "Short-time Fourier transforms",
    "ember.serialization": "Saving and loading",
    "ember._printing": "Printing",
    "ember.autograd.grad_mode": "Gradient modes",
    "ember._autograd._grad_mode": "Gradient modes",
    "ember._autograd._anomaly": "Anomaly detection",
}
#: Section titles by the last part of the defining module's name.
PART_TITLES: dict[str, str] = {
    "module": "Modules",
    "parameter": "Parameters",
    "container": "Containers",
    "linear": "Linear layers",
    "conv": "Convolutions",
    "pooling": "Pooling",
    "adaptive_pooling": "Pooling",
    "upsampling": "Resizing",
    "resize": "Resizing",
    "pixelshuffle": "Resizing",
    "fold": "Sliding blocks",
    "sampling": "Sampling grids",
    "activation": "Activations",
    "batchnorm": "Normalization",
    "sync_batchnorm": "Normalization",
    "normalization": "Normalization",
    "dropout": "Dropout",
    "sparse": "Embeddings",
    "rnn": "Recurrent layers",
    "flatten": "Flattening",
    "loss": "Losses",
    "misc": "Other functions",
}
#: Pages with a section per defining module; others list classes, then functions.
GROUPED_BY_HOME = ("ember", "ember.nn", "ember.nn.functional")
UTILITIES = "Utilities"  # ... while the functions defined in ember/__init__ are small helpers
CONSTANTS = "Constants and objects"
ELSEWHERE = "Documented elsewhere"
GENERIC_ORDER = [
    "Classes",
    "Functions",
    "Exceptions and warnings",
    UTILITIES,
    CONSTANTS,
    ELSEWHERE,
]

#: Members with a page of their own, and that page's extra autodoc options.
OWN_PAGES = {"ember.Tensor": ["   :members:", "   :undoc-members:"]}


@dataclass
class Group:
    title: str
    names: list[str] = field(default_factory=list)


def belongs_to(value: object, module_name: str) -> bool:
    """Whether a module without ``__all__`` defines `value` (itself or in its private submodules)."""
    home = getattr(value, "__module__", None)
    if home is None:  # constants
        return True
    root = "ember" if module_name == "ember" else module_name
    return home == root or home.startswith(root + ".")


def public_members(module: types.ModuleType) -> dict[str, object]:
    """The names a user reaches as ``module.name``: ``__all__``, or the public names it defines."""
    exported = getattr(module, "__all__", None)
    names = (
        exported
        if exported is not None
        else [n for n in vars(module) if not n.startswith("_")]
    )
    members = {}
    for name in sorted(names):
        value = getattr(module, name)
        if (
            isinstance(value, types.ModuleType)
            or type(value).__name__ == "_Feature"
        ):
            continue
        if exported is None and not belongs_to(value, module.__name__):
            continue  # an import the module uses itself
        members[name] = value
    return members


def home_module(value: object) -> str:
    """The module that defines `value`; for generated functions, the ember module that holds them."""
    declared = getattr(value, "__module__", None) or "ember"
    module = sys.modules.get(declared)
    if module is not None and any(v is value for v in vars(module).values()):
        return declared
    for name, candidate in sorted(sys.modules.items()):
        if (
            name.startswith("ember.")
            and candidate is not None
            and any(v is value for v in vars(candidate).values())
        ):
            return name
    return declared


def class_page(value: type, first_seen: str) -> str:
    """The one page that documents a class: the reference module its definition lives in.

    Documenting a class twice (``ember.no_grad`` and ``ember.autograd.no_grad``) would
    describe one object under two names, which Sphinx reports as a duplicate.
    """
    defined_in = f"{value.__module__}."
    owners = [m for m in MODULES if defined_in.startswith(m + ".")]
    return (
        max(owners, key=len)
        if owners and max(owners, key=len) != "ember"
        else first_seen
    )


def section_of(module_name: str, name: str, value: object) -> str:
    if inspect.isclass(value) and issubclass(value, BaseException):
        return "Exceptions and warnings"
    if not callable(value):
        return CONSTANTS
    if module_name not in GROUPED_BY_HOME:
        return "Classes" if inspect.isclass(value) else "Functions"
    home = home_module(value)
    if home == module_name and not inspect.isclass(value):
        return UTILITIES
    part = home.rsplit(".", 1)[-1].strip("_")
    if home in GROUP_TITLES:
        return GROUP_TITLES[home]
    return PART_TITLES.get(part) or part.replace("_", " ").capitalize()


def group_members(
    module_name: str, members: dict[str, object], documented: dict[str, str]
) -> list[Group]:
    groups: dict[str, Group] = {}
    for name, value in members.items():
        title = section_of(module_name, name, value)
        if inspect.isclass(value):
            key = f"{value.__module__}.{value.__qualname__}"
            page = documented.setdefault(key, class_page(value, module_name))
            if page != module_name:
                title = ELSEWHERE
        groups.setdefault(title, Group(title)).names.append(name)
    known = list(dict.fromkeys([*GROUP_TITLES.values(), *PART_TITLES.values()]))

    def rank(group: Group) -> tuple[int, str]:
        if group.title in GENERIC_ORDER:  # the generic sections close the page
            return len(known) + 1 + GENERIC_ORDER.index(
                group.title
            ), group.title
        if group.title in known:
            return known.index(group.title), group.title
        return len(known), group.title  # a new module's section: before them

    return sorted(groups.values(), key=rank)


def dtype_table(
    module: types.ModuleType, members: dict[str, object]
) -> list[str]:
    """ember's dtype objects and their aliases, as a table (instances, so autodoc has nothing to say)."""
    by_dtype: dict[object, list[str]] = {}
    for name, value in members.items():
        if isinstance(value, module.dtype):
            by_dtype.setdefault(value, []).append(name)
    lines = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - dtype",
        "     - also called",
        "     - NumPy dtype",
    ]
    for value, names in by_dtype.items():
        canonical = str(value).removeprefix("ember.")
        aliases = ", ".join(f"``ember.{n}``" for n in names if n != canonical)
        lines += [
            f"   * - ``{value}``",
            f"     - {aliases}",
            f"     - ``numpy.{value.numpy}``",
        ]
    return lines + [""]


def entry(module: types.ModuleType, name: str) -> list[str]:
    """The autodoc directive documenting one member."""
    value = getattr(module, name)
    if inspect.isclass(value):
        bases = (
            [] if value.__bases__ == (object,) else ["   :show-inheritance:"]
        )
        return [
            f".. autoclass:: {name}",
            "   :members:",
            "   :undoc-members:",  # an undocumented method is listed (and docs/tests fail on it)
            *bases,
            "",
        ]
    if callable(value) and is_ember_function(value):
        return [f".. autofunction:: {name}", ""]
    if isinstance(value, (int, float, str, type(None))):
        return [f".. py:data:: {name}", f"   :value: {value!r}", ""]
    description = [f"   {line}" for line in attribute_comment(value, name)]
    return [
        f".. py:data:: {name}",
        f"   :type: {type(value).__name__}",
        "",
        *description,
        "",
    ]


def is_ember_function(value: object) -> bool:
    """Whether `value` is a function (or builtin) rather than a callable object from another library.

    A callable instance (pluggy's ``hookimpl`` marker) is documented as data, by the
    ``#:`` comment where ember makes it, not by its class's docstring.
    """
    return inspect.isroutine(value) or (
        not isinstance(value, type)
        and type(value).__module__.startswith("ember")
    )


def attribute_comment(value: object, name: str) -> list[str]:
    """The ``#:`` comment above the assignment that made `value`, in whichever ember module made it.

    (autodoc reads these comments only from the module being documented, and a re-exported
    object has none there; it would fall back to the docstring of the value's type.)
    """
    from sphinx.errors import PycodeError
    from sphinx.pycode import ModuleAnalyzer

    for module_name, module in sorted(sys.modules.items()):
        if (
            not module_name.startswith("ember")
            or getattr(module, name, None) is not value
        ):
            continue
        try:
            comments = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except PycodeError:  # no source to read, so no comment
            continue
        if ("", name) in comments:
            return [line for line in comments[("", name)] if line.strip()]
    return []


def render_page(
    module_name: str, intro: str | None, documented: dict[str, str]
) -> str:
    title = f"``{module_name}``"
    lines = [title, "=" * len(title), ""]
    if intro is None:  # the module's docstring introduces the page
        lines += [f".. automodule:: {module_name}", "   :no-members:", ""]
    else:
        lines += [f".. py:module:: {module_name}", "", intro, ""]
    try:
        module = importlib.import_module(module_name)
    except (
        ImportError
    ):  # autodoc reports it (an error under -W); the rest still builds
        report = [] if intro is None else [f".. automodule:: {module_name}"]
        return "\n".join([*lines, *report, ""])
    lines += [f".. currentmodule:: {module_name}", ""]
    members = public_members(module)
    if module_name == "ember":
        lines += ["Data types", "----------", "", *dtype_table(module, members)]
        members = {
            n: v for n, v in members.items() if not isinstance(v, module.dtype)
        }
    for group in group_members(module_name, members, documented):
        lines += [group.title, "-" * len(group.title), ""]
        if group.title == ELSEWHERE:
            for name in group.names:
                value = getattr(module, name)
                target = f"{documented[f'{value.__module__}.{value.__qualname__}']}.{value.__name__}"
                lines.append(
                    f"- ``{module_name}.{name}``: see :class:`{target}`"
                )
            lines.append("")
            continue
        if group.title != CONSTANTS:
            lines += [
                ".. autosummary::",
                "   :nosignatures:",
                "",
                *(f"   {n}" for n in group.names),
                "",
            ]
        for name in group.names:
            if f"{module_name}.{name}" not in OWN_PAGES:
                lines += entry(module, name)
    return "\n".join(lines)


def render_own_page(fullname: str, options: list[str]) -> str:
    """A class on a page of its own, with a table of all its public members at the top."""
    module_name, name = fullname.rsplit(".", 1)
    cls = getattr(importlib.import_module(module_name), name)
    title = f"``{fullname}``"
    lines = [
        title,
        "=" * len(title),
        "",
        f".. currentmodule:: {module_name}",
        "",
        f".. autoclass:: {name}",
        *options,
    ]
    lines += [
        "",
        "   .. rubric:: Members at a glance",
        "",
        "   .. autosummary::",
        "      :nosignatures:",
        "",
    ]
    lines += [
        f"      ~{name}.{member}"
        for member in sorted(dir(cls))
        if not member.startswith("_")
    ]
    return "\n".join([*lines, ""])


def write_if_changed(page: Path, text: str) -> None:
    if (
        not page.exists() or page.read_text() != text
    ):  # unchanged pages keep Sphinx's cache valid
        page.write_text(text)


def write_pages(api_dir: Path) -> None:
    """Write one page per module, and the members' own pages, into `api_dir`."""
    documented: dict[
        str, str
    ] = {}  # class (canonical name) -> the module page documenting it
    for module_name, intro in MODULES.items():
        write_if_changed(
            api_dir / f"{module_name}.rst",
            render_page(module_name, intro, documented),
        )
    for fullname, options in OWN_PAGES.items():
        write_if_changed(
            api_dir / f"{fullname}.rst", render_own_page(fullname, options)
        )


# --- what autodoc shows of a member -------------------------------------------------------
#: ``<module 'numpy' from '/path/...'>``, the repr of a module default: the path is the build machine's.
MODULE_REPR = re.compile(r"<module '([\w.]+)'(?: from '[^']*')?>")


def is_alias_attribute(cls: type, name: str) -> bool:
    """Whether ``cls.name`` is a staticmethod holding a function defined elsewhere (an
    implementation detail, as ``nn.Sigmoid.function = staticmethod(F.sigmoid)``)."""
    raw = inspect.getattr_static(cls, name, None)
    return isinstance(raw, staticmethod) and not getattr(
        raw.__func__, "__qualname__", ""
    ).startswith(f"{cls.__name__}.")


def skip_member(app, what, name, obj, skip, options):  # noqa: ANN001, ANN201
    """Leave out a layer's alias of its functional form (``nn.Sigmoid.function``), and data
    attributes that nothing documents (``Conv2d.spatial``)."""
    if what != "class" or skip:
        return None
    function = getattr(obj, "__func__", obj)
    if (
        inspect.isfunction(function)
        and function.__module__.startswith("ember.nn.functional")
        and function.__name__ != name
    ):
        return True
    if type(obj).__module__ == "builtins" and not callable(obj):
        return True  # a plain value (a flag, a name): the class's docstring says what matters
    return None


def plain_signature(
    app, what, name, obj, options, signature, return_annotation
):  # noqa: ANN001, ANN201
    """A module default shows as its name, not as its repr with the file it was loaded from."""
    if signature is None:
        return None
    return MODULE_REPR.sub(r"\1", signature), return_annotation


def public_bases(app, name, obj, options, bases: list) -> None:  # noqa: ANN001
    """A class's private base (``_ConvNd``) is shown as that base's first public ancestor."""
    for i, base in enumerate(bases):
        if isinstance(base, type) and base.__name__.startswith("_"):
            bases[i] = next(
                (b for b in base.__mro__ if not b.__name__.startswith("_")),
                object,
            )
    unique = list(dict.fromkeys(bases))
    bases[:] = [b for b in unique if b is not object] or [object]


def setup(app) -> dict[str, object]:  # noqa: ANN001
    app.connect("autodoc-skip-member", skip_member)
    app.connect("autodoc-process-signature", plain_signature)
    app.connect("autodoc-process-bases", public_bases)
    return {"parallel_read_safe": True}
