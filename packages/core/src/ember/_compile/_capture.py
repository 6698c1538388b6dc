"""What a step can reach: its tensors, modules and optimizers, and the Python state it may change.

Found from the arguments, the function's closure, the globals its code names (and the code of the
functions those name), bound methods' objects, modules' parameters, buffers and submodules, and
optimizers' param_groups and state. Each tensor gets a source expression, read again at replay.
"""

from __future__ import annotations

import functools
import types

from .._tensor import Tensor

_SCALARS = (int, float, bool, str, type(None))


def is_module(value) -> bool:
    return hasattr(value, "_parameters") and hasattr(value, "_modules") and hasattr(value, "training")


def is_optimizer(value) -> bool:
    return hasattr(value, "param_groups") and hasattr(value, "state") and hasattr(value, "zero_grad")


class Scope:
    """The reachable tensors (by id: (expression, tensor)), modules, optimizers and watched names."""

    def __init__(self, namespace) -> None:
        self.namespace = namespace
        self.tensors: dict = {}
        self.modules: dict = {}
        self.optimizers: dict = {}
        self.watched: list = []  # (description, expression, value) of globals, closure cells, module attributes
        self.containers: dict = {}  # id -> (expression, list/dict), watched for appends
        self.entries: list = []  # (module expression, module, "_parameters"/"_buffers", name, tensor before)
        self.seen: set = set()

    def walk(self, value, expression: str, depth: int = 0) -> None:
        if depth > 6 or isinstance(value, _SCALARS):
            return
        key = id(value)
        if key in self.seen:
            return
        self.seen.add(key)
        if isinstance(value, Tensor):
            self.tensors[key] = (expression, value)
        elif is_module(value):
            self.modules[key] = (expression, value)
            for kind in ("_parameters", "_buffers"):
                self.entries.extend((expression, value, kind, n, t) for n, t in getattr(value, kind).items())
            for name, parameter in value._parameters.items():
                if parameter is not None:
                    self.walk(parameter, f"{expression}._parameters[{name!r}]", depth + 1)
            for name, buffer in value._buffers.items():
                if buffer is not None:
                    self.walk(buffer, f"{expression}._buffers[{name!r}]", depth + 1)
            for name, child in value._modules.items():
                if child is not None:
                    self.walk(child, f"{expression}._modules[{name!r}]", depth + 1)
            for name, hooks in vars(value).items():
                if name.endswith("hooks") and isinstance(hooks, dict):
                    for hook in hooks.values():  # NOTE: their globals and closures are watched too
                        self.walk(hook, f"{expression}.{name}", depth + 1)
        elif is_optimizer(value):
            self.optimizers[key] = (expression, value)
            for g, group in enumerate(value.param_groups):
                for i, parameter in enumerate(group["params"]):
                    self.walk(parameter, f"{expression}.param_groups[{g}]['params'][{i}]", depth + 1)
        elif isinstance(value, (list, tuple)) and len(value) <= 256:
            if isinstance(value, list):
                self.containers[key] = (expression, value)
            for i, item in enumerate(value):
                self.walk(item, f"{expression}[{i}]", depth + 1)
        elif isinstance(value, dict) and len(value) <= 256:
            self.containers[key] = (expression, value)
            for name, item in value.items():
                if isinstance(name, str):
                    self.walk(item, f"{expression}[{name!r}]", depth + 1)
        elif isinstance(value, types.MethodType):
            self.walk(value.__self__, f"{expression}.__self__", depth + 1)
            self.walk_function(value.__func__, depth + 1)
        elif isinstance(value, types.FunctionType):
            self.walk_function(value, depth + 1)

    def walk_function(self, function, depth: int) -> None:
        if depth > 6:
            return
        self.seen.add(id(function))
        for i, cell in enumerate(function.__closure__ or ()):
            try:
                content = cell.cell_contents
            except ValueError:
                continue
            where = f"{self.namespace.name(cell, 'cell')}.cell_contents"  # NOTE: a function's cells never change
            self.watched.append((f"the closure variable {function.__code__.co_freevars[i]!r}", where, content))
            self.walk(content, where, depth + 1)
        globals_name = self.namespace.name(function.__globals__, "gl")
        for global_name in sorted(_names_used(function.__code__)):
            if global_name in function.__globals__:
                content = function.__globals__[global_name]
                if isinstance(content, types.ModuleType) or isinstance(content, type):
                    continue
                where = f"{globals_name}[{global_name!r}]"
                self.watched.append((f"the global {global_name!r}", where, content))
                self.walk(content, where, depth + 1)

    def optimizer_state_tensors(self) -> None:
        """Optimizer state tensors, named through their parameter's expression."""
        for expression, optimizer in list(self.optimizers.values()):
            for parameter, entries in optimizer.state.items():
                found = self.tensors.get(id(parameter))
                if found is None or not isinstance(entries, dict):
                    continue
                for name, item in entries.items():
                    if isinstance(item, Tensor) and id(item) not in self.tensors:
                        self.tensors[id(item)] = (f"{expression}.state[{found[0]}][{name!r}]", item)


def _names_used(code) -> set:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_used(constant)
    return names


def snapshot(scope: Scope) -> dict:
    """The Python state a step must not change for its trace to be replayable.

    Its keys are (template, *parts): `described` puts the words together when one changed.
    """
    state = {}
    for description, where, _ in scope.watched:
        state[("{}", description)] = id(eval(_code(where), scope.namespace.values))  # noqa: S307 (our own expression)
    for expression, container in scope.containers.values():
        items = container.items() if isinstance(container, dict) else enumerate(container)
        state[(_CONTENTS, expression)] = tuple((k, id(v)) for k, v in items)
    for expression, module in scope.modules.values():
        state[("the training flag of {}", expression)] = module.training
        for name, value in vars(module).items():
            if name not in ("_parameters", "_buffers", "_modules") and not isinstance(value, Tensor):
                state[("the attribute {}.{}", expression, name)] = value if isinstance(value, _SCALARS) else id(value)
    for expression, optimizer in scope.optimizers.values():
        for g, group in enumerate(optimizer.param_groups):
            for name, value in group.items():
                if name != "params":
                    state[("the setting {}.param_groups[{}][{!r}]", expression, g, name)] = (
                        float.__float__(value) if isinstance(value, float) else value
                    )
    return state


_CONTENTS = "the contents of {}"


def described(key: tuple, scope: Scope) -> str:
    """The words for a key of `snapshot`'s state (a container is named by the global or cell that holds it)."""
    template, *parts = key
    if template is _CONTENTS:
        expression = parts[0]
        parts = [next((d for d, where, _ in scope.watched if expression.startswith(where)), expression)]
    return template.format(*parts)


@functools.lru_cache(maxsize=1024)
def _code(expression: str):
    """The compiled expression (the same text compiles to the same code, whatever namespace reads it)."""
    return compile(expression, "<ember.compile expression>", "eval")


def growth(scope: Scope) -> dict:
    """Optimizer state structure: it grows on a first step, which then needs a second trace."""
    state = {}
    for expression, optimizer in scope.optimizers.values():
        state[expression] = sorted(
            (id(p), tuple(entries) if isinstance(entries, dict) else ()) for p, entries in optimizer.state.items()
        )
    return state
