"""`ember.compile`: trace a step once, replay it as generated straight-line code over arrays."""

from __future__ import annotations

import builtins
import functools
import os
import sys
import types
import warnings

import numpy as np

from .. import _tensor
from .._autograd._grad_mode import state as grad_state
from .._tensor import Tensor
from ._capture import Scope, described, growth, is_module, snapshot
from ._codegen import (
    Deviation,
    Miss,
    Namespace,
    bind_locals,
    function_source,
    line_of,
    literal,
    live_instructions,
    merged_guards,
)
from ._optimize import (
    direct_kernels,
    eliminate_common,
    hoist,
    plan_buffers,
    positional_out,
    typed_operands,
)
from ._session import Session
from ._tracer import GraphBreak, TracedScalar, Tracer

CACHE_SIZE = 8
MAX_TRACES = 32


MISS = Miss()


class Entry:
    """One trace: its replay function (which checks the guards first) and its source."""

    def __init__(self, replay, source: str, kernels: int) -> None:
        self.replay = replay
        self.source = source
        self.kernels = kernels


def _wrap_array(data, backend, dtype, device):
    if type(data) is not np.ndarray:
        native = backend.ndarray
        if type(data) is not native:  # a NumPy scalar, a Python number
            data = np.asarray(data) if native is np.ndarray else backend.asarray(data, dtype, device.index)
    return _tensor.wrap(data, backend, dtype, device)


def _wrap_with_node(data, backend, dtype, device, node):
    out = _wrap_array(data, backend, dtype, device)
    out.grad_fn = node
    out._requires_grad = True
    return out


class CompiledFunction:
    """A function or module call traced once per guard set and then replayed.

    Shapes are always specialized (``dynamic`` is accepted, and a new shape traces again);
    ``mode`` and ``backend`` are accepted for compatibility and change nothing.
    """

    def __init__(self, fn, fullgraph: bool = False, dynamic: bool | None = None, mode=None) -> None:
        self._fn = fn
        self.fullgraph = fullgraph
        self.dynamic = dynamic
        self.mode = mode
        self._cache: list = []
        self._runs: list = []  # the cached entries' replay functions, the one to try first first
        self._calls = 0
        self._behind_first: tuple = (None, -1)  # (replay, call number) of the last hit behind the first
        self._eager_reason: str | None = None
        self._traces = 0
        self._last_problem: str | None = None
        functools.update_wrapper(self, fn, updated=())

    def __call__(self, *args, **kwargs):
        if self._eager_reason is not None:
            return self._fn(*args, **kwargs)
        self._calls += 1
        runs = self._runs
        try:
            for run in runs:  # NOTE: each checks its own guards first and answers MISS when one fails
                result = run(args, kwargs)
                if result is not MISS:
                    if run is not runs[0]:
                        self._hit_behind_first(run)
                    return result
        except Deviation:
            pass
        return self._trace(args, kwargs)

    def _hit_behind_first(self, run) -> None:
        """A trace that replays two calls in a row is tried first from then on; one that replays between runs
        of another (each epoch's last, smaller batch) stays behind it, so that the common call misses nothing."""
        if self._behind_first == (run, self._calls - 1):
            index = self._runs.index(run)
            self._cache.insert(0, self._cache.pop(index))
            self._runs = [run, *self._runs[:index], *self._runs[index + 1 :]]
        self._behind_first = (run, self._calls)

    def __get__(self, instance, owner=None):
        return self if instance is None else functools.partial(self, instance)

    # --- introspection ----------------------------------------------------------------------
    def explain(self) -> str:
        """The guards, kernel counts and generated source of each cached trace."""
        name = getattr(self._fn, "__qualname__", type(self._fn).__name__)
        lines = [f"ember.compile({name}): {len(self._cache)} cached trace(s), {self._traces} traced call(s)"]
        if self._eager_reason is not None:
            lines.append(f"runs eagerly: {self._eager_reason}")
        elif self._last_problem is not None:
            lines.append(f"last trace not cached: {self._last_problem}")
        for i, entry in enumerate(self._cache):
            lines.append(f"--- trace {i}: {entry.kernels} kernel calls ---")
            lines.append(entry.source)
        return "\n".join(lines)

    # --- tracing ----------------------------------------------------------------------------
    def _give_up(self, reason: str) -> None:
        if self.fullgraph:
            raise GraphBreak(f"ember.compile(fullgraph=True): {reason}")
        self._eager_reason = reason
        warnings.warn(f"ember.compile: {reason}; running it eagerly from now on", stacklevel=4)

    def _trace(self, args: tuple, kwargs: dict):
        fn = self._fn
        self._traces += 1
        name = getattr(fn, "__qualname__", type(fn).__name__)
        if self._traces > MAX_TRACES:
            self._give_up(f"{name} was traced {MAX_TRACES} times (its guards keep changing)")
            return fn(*args, **kwargs)
        namespace = Namespace()
        scope = Scope(namespace)
        for i, value in enumerate(args):
            scope.walk(value, f"a[{i}]")
        for key, value in kwargs.items():
            scope.walk(value, f"kw[{key!r}]")
        scope.walk(fn, namespace.name(fn, "fn"))
        scope.optimizer_state_tensors()
        guards, verified, grad_checks = _guard_source(scope, args, kwargs, namespace)
        before, grown = snapshot(scope), growth(scope)
        tracer = Tracer(self.fullgraph, name)
        session = Session(tracer, scope)
        try:
            session.enter()
            result = fn(*args, **kwargs)
        except BaseException:
            session.leave()
            session.unwrap_everywhere(None)
            raise
        session.leave()
        try:
            built = (
                _build(tracer, session, scope, namespace, result, verified, guards) if tracer.problem is None else None
            )
        finally:
            session.unwrap_everywhere(result)
        if tracer.problem is not None:
            reason, location = tracer.problem
            self._give_up(f"{name} {reason} at {location}")
            return result
        after = snapshot(scope)
        changed = [key for key in before if after.get(key) != before[key]]
        if changed:
            self._give_up(f"{name} changes {described(changed[0], scope)} when it runs, which a replay would not do")
            return result
        if isinstance(built, str):
            self._give_up(f"{name} {built}")
            return result
        if growth(scope) != grown:
            self._last_problem = "the optimizer state grew (a first step); the next call traces again"
            return result
        lines, kernels, generators, stable, relaxed = built
        namespace.values["_MISS"] = MISS
        dropped = {index for key, index in grad_checks.items() if key in relaxed}
        guards = [check for index, check in enumerate(guards) if index not in dropped]
        checks = list(dict.fromkeys(_identity_guards(guards, stable, namespace, verified)))
        restore = [namespace.name(g, "g") for g in generators] if tracer.checks_after_draws else []
        # NOTE: each argument, and the array of each tensor argument, is read once (a subscript costs more than a local)
        expressions = [f"a[{i}]" for i in range(len(args))] + [f"kw[{key!r}]" for key in kwargs]
        for e, _ in scope.tensors.values():
            expressions.append(f"{e}._data" if e.startswith(("a[", "kw[")) else e)
        for expression, optimizer in scope.optimizers.values():
            expressions += [f"{expression}.param_groups[{g}]" for g in range(len(optimizer.param_groups))]
        for expression, _ in scope.modules.values():
            expressions += [f"{expression}.__dict__", f"{expression}._parameters", f"{expression}._buffers"]
        expressions += tracer.scalar_sources.values()  # NOTE: a learning rate's type is guarded, its value read
        checks = merged_guards(checks)
        bindings, lines = bind_locals([shortened(e, verified) for e in expressions], checks + lines)
        source = function_source(lines[: len(checks)], bindings, lines[len(checks) :], restore)
        source = _cells_as_free_variables(source, namespace)
        entry = Entry(replay_function(source, namespace.values, name), source, kernels)
        self._cache.insert(0, entry)
        del self._cache[CACHE_SIZE:]
        self._runs = [e.replay for e in self._cache]
        self._behind_first = (None, -1)
        self._last_problem = None
        if "compile" in os.environ.get("EMBER_LOGS", "").split(","):
            print(self.explain(), file=sys.stderr)
        return result


_CODE: dict = {}  # source -> code object: a step traced again (a new model, a new run) compiles once
_CODE_SIZE = 256


def _code_of(source: str, name: str):
    code = _CODE.get(source)
    if code is None:
        if len(_CODE) >= _CODE_SIZE:
            del _CODE[next(iter(_CODE))]
        code = _CODE[source] = builtins.compile(source, f"<ember.compile replay of {name}>", "exec")
    return code


def _cells_as_free_variables(source: str, namespace: Namespace) -> str:
    """source reading each closure cell it names (``cell2.cell_contents``) as a free variable (``cell2``).

    NOTE: reading a free variable is one instruction; a cell's ``cell_contents`` is an attribute load
    CPython 3.11 does not specialize.
    """
    for key, value in namespace.values.items():
        if type(value) is types.CellType and f"{key}.cell_contents" in source:
            source = source.replace(f"{key}.cell_contents", key)
    return source


def replay_function(source: str, values: dict, name: str):
    """The ``_replay`` function that source defines, in the globals `values`; the cells of `values` that it
    names are its free variables."""
    cells = [key for key, value in values.items() if type(value) is types.CellType and key in source]
    if not cells:
        exec(_code_of(source, name), values)
        return values["_replay"]
    inner = "".join(f"    {line}\n" for line in source.splitlines())
    module = _code_of(f"def _closure():\n    {' = '.join(cells)} = None\n{inner}    return _replay\n", name)
    closure = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    code = next(c for c in closure.co_consts if isinstance(c, types.CodeType) and c.co_name == "_replay")
    return types.FunctionType(code, values, "_replay", None, tuple(values[cell] for cell in code.co_freevars))


# --- guards -----------------------------------------------------------------------------------


def _value_guards(value, expression: str, namespace: Namespace, out: list, depth: int = 0) -> None:
    if isinstance(value, Tensor):
        out.append(f"type({expression}) is {namespace.name(type(value), 'T')}")
        out.append(f"{expression}._data.shape == {value._data.shape!r}")
        out.append(_strides_guard(expression, value._data, value._backend))
        out.append(f"{expression}.dtype is {namespace.name(value.dtype, 'd')}")
        device = namespace.name(value.device, "v")
        out.append(f"({expression}.device is {device} or {expression}.device == {device})")
        out.append(f"{expression}._requires_grad is {value._requires_grad}")
    elif type(value) in (int, float, bool, str) or value is None:
        out.append(f"type({expression}) is {type(value).__name__}")
        out.append(f"{expression} == {literal(value, namespace)}")
    elif type(value) in (list, tuple) and depth < 3:
        out.append(f"type({expression}) is {type(value).__name__} and len({expression}) == {len(value)}")
        for i, item in enumerate(value):
            _value_guards(item, f"{expression}[{i}]", namespace, out, depth + 1)
    else:
        out.append(f"{expression} is {namespace.name(value)}")


def _plain_object(value) -> bool:
    """A user object whose attributes the step may read (not a function, class, module or tensor)."""
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, (Tensor, type, types.FunctionType, types.MethodType, types.ModuleType))
        and not is_module(value)
        and not callable(value)
    )


def _attribute(owner, expression: str, name: str) -> str:
    return f"{expression}.{name}"


def _setting_guards(owner, expression: str, namespace: Namespace, out: list, read=_attribute) -> None:
    """Guards on an object's Python number and string attributes (Dropout's p, a config's scale); `read`
    gives the source that reads one of them."""
    for name, value in vars(owner).items():
        if type(value) in (int, float, bool, str) and name != "training" and name.isidentifier():
            out.append(f"{read(owner, expression, name)} == {literal(value, namespace)}")


def _module_attribute(module, expression: str, name: str) -> str:
    """The source that reads module.name: from its __dict__ where that is what the attribute lookup finds.

    NOTE: a module's class defines __getattr__, which keeps CPython from specializing its attribute
    loads; a subscript of its __dict__ (one local, read once per replay) is several times cheaper.
    """
    if name in vars(module) and not _data_descriptor(type(module), name):
        return f"{expression}.__dict__[{name!r}]"
    return f"{expression}.{name}"


def _data_descriptor(cls: type, name: str) -> bool:
    """Whether the class attribute `name` (if any) comes before an instance's own attribute of that name."""
    for klass in cls.__mro__:
        if name in vars(klass):
            kind = type(vars(klass)[name])
            return hasattr(kind, "__set__") or hasattr(kind, "__delete__")
    return False


def _guard_source(scope: Scope, args: tuple, kwargs: dict, namespace: Namespace) -> tuple:
    checks = [
        f"len(a) == {len(args)}" if args else "not a",
        f"sorted(kw) == {sorted(kwargs)!r}" if kwargs else "not kw",
    ]
    checks.append(f"{namespace.name(grad_state, 'grad_mode')}.enabled is {grad_state.enabled}")
    for i, value in enumerate(args):
        _value_guards(value, f"a[{i}]", namespace, checks)
    for key, value in kwargs.items():
        _value_guards(value, f"kw[{key!r}]", namespace, checks)
    verified = []  # (expression, constant): once checked, later expressions read the constant directly
    grad_checks: dict = {}  # id(tensor) -> index of the check on what its .grad holds
    for _, where, value in scope.watched:
        if type(value) in (int, float, bool, str) or value is None:
            checks.append(f"{where} == {literal(value, namespace)}")
        elif isinstance(value, Tensor):  # NOTE: a global rebound to each new batch is read at replay, not frozen
            _value_guards(value, where, namespace, checks)
        else:
            checks.append(f"{where} is {namespace.name(value)}")
            verified.append((where, namespace.name(value)))
    start = len(checks)
    for expression, module in scope.modules.values():
        checks.append(f"{_module_attribute(module, expression, 'training')} is {bool(module.training)}")
        _setting_guards(module, expression, namespace, checks, _module_attribute)
    for _, where, value in scope.watched:
        if _plain_object(value):
            _setting_guards(value, where, namespace, checks)
    for expression, tensor in scope.tensors.values():
        if expression.startswith(("a[", "kw[")):
            continue
        checks.append(f"{expression}._data.shape == {tensor._data.shape!r}")
        checks.append(f"{expression}._requires_grad is {tensor._requires_grad}")
        grad = tensor._grad
        grad_checks[id(tensor)] = len(checks)
        if grad is None:
            checks.append(f"{expression}._grad is None")
        else:
            checks.append(f"{expression}._grad is not None and {expression}._grad._data.shape == {grad._data.shape!r}")
    for expression, optimizer in scope.optimizers.values():
        checks.append(f"len({expression}.param_groups) == {len(optimizer.param_groups)}")
        checks.append(f"len({expression}.state) == {len(optimizer.state)}")
        for g, group in enumerate(optimizer.param_groups):
            for key, value in group.items():
                setting = f"{expression}.param_groups[{g}][{key!r}]"
                if key == "params":
                    checks.append(f"len({setting}) == {len(value)}")
                elif key == "lr" and type(value) is float:
                    checks.append(f"type({setting}) is float")
                elif type(value) in (int, float, bool, str, tuple) or value is None:
                    checks.append(f"{setting} == {literal(value, namespace)}")
        for parameter, entries in optimizer.state.items():
            found = scope.tensors.get(id(parameter))
            if found is not None and isinstance(entries, dict):
                checks.append(f"len({expression}.state[{found[0]}]) == {len(entries)}")
    checks[start:] = shortened_lines(checks[start:], verified)
    return checks, verified, grad_checks


def _strides_guard(expression: str, array, backend) -> str:
    """The guard on the strides of `expression`'s array, now `array`'s: the backend reads those of an array
    without its own ``strides`` (array API standard arrays)."""
    if hasattr(array, "strides"):
        return f"{expression}._data.strides == {array.strides!r}"
    return f"{expression}._backend.strides({expression}._data) == {backend.strides(array)!r}"


def _identity_guards(guards: list, stable: list, namespace: Namespace, verified: list) -> list:
    """guards where a captured tensor's array checks are one identity check first.

    The array a replay keeps (a parameter's) passes at once: the same array object has the same
    shape, strides, dtype and device. Another array (a global rebound to each batch) is checked as before,
    all its checks in one.
    """
    out: list = list(dict.fromkeys(guards))
    subjects = [
        (e, namespace.name(array, "data"), _implied_prefixes(e))
        for expression, array in stable
        for e in dict.fromkeys((expression, shortened(expression, verified)))
    ]
    # NOTE: only guards on a subject can change below (one pass over all of them, not one per subject)
    subject_starts = tuple(start for e, _, _ in subjects for start in (f"{e}.", f"({e}."))
    candidates = [i for i, g in enumerate(out) if g.startswith(subject_starts)]
    for e, name, implied in subjects:
        found = [i for i in candidates if out[i] is not None and out[i].startswith(implied)]
        if not found:
            continue
        checks = " and ".join(out[i] for i in found)
        out[found[0]] = f"({e}._data is {name} or {checks})"
        for i in found[1:]:
            out[i] = None
    return [g for g in out if g is not None]


def _implied_prefixes(e: str) -> tuple:
    """The starts of the guards on `e`'s array that its identity implies."""
    return (
        f"{e}._data.shape == ",
        f"{e}._data.strides == ",
        f"{e}._backend.strides({e}._data) == ",
        f"{e}.dtype is ",
        f"({e}.device is ",
    )


def shortened(expression: str, verified: list) -> str:
    """expression with the globals and closure cells the guard has checked read as constants."""
    for where, constant in verified:
        expression = expression.replace(where, constant)
    return expression


def shortened_lines(lines: list, verified: list) -> list:
    """Each line shortened, as one text where no line holds a newline (one replace per constant, not per line)."""
    text = "\n".join(lines)
    if text.count("\n") != len(lines) - 1:
        return [shortened(line, verified) for line in lines]
    return shortened(text, verified).split("\n")


# --- the replay function ---------------------------------------------------------------------------


def _slot(tracer, array):
    return tracer.slot_of.get(id(array))


def _typed_setting(memo: list, value: float, dtype):
    """value (a learning rate read at replay) as a 0-d array of dtype, made again only when the setting holds
    another float object (a scheduler's new rate): memo holds the last float and its array."""
    memo[:] = value, np.asarray(value, dtype)
    return memo[1]


def _wrap_call(tracer, tensor, slot: int, namespace: Namespace) -> str:
    constants = ", ".join(
        namespace.name(v, h) for v, h in ((tensor._backend, "b"), (tensor.dtype, "d"), (tensor.device, "v"))
    )
    node = tensor.grad_fn
    if node is not None:
        return f"_wrap_node(s{slot}, {constants}, {namespace.name(node, 'node')})"
    return f"{'_wrap' if slot in tracer.scalar_slots else '_wrap_array'}(s{slot}, {constants})"


def _output(tracer, value, namespace: Namespace, needed: set, depth: int = 0):
    """The source of the replayed return value; a str starting with '!' says why it cannot be replayed."""
    if isinstance(value, Tensor):
        slot = _slot(tracer, value._data)
        if slot is None:
            return "!returns a tensor whose data the trace did not follow"
        if value._requires_grad:
            node = value.grad_fn
            if node is None or id(node) not in tracer.backpropagated:
                return (
                    "!returns a tensor that still needs its backward (compile the whole training step, backward "
                    "and optimizer step included, or return loss.detach())"
                )
        needed.add(slot)
        return _wrap_call(tracer, value, slot, namespace)
    if type(value) is TracedScalar:
        needed.add(("f", value.index))
        return f"f{value.index}"
    if type(value) in (tuple, list) and depth < 4:
        parts = [_output(tracer, v, namespace, needed, depth + 1) for v in value]
        for part in parts:
            if part.startswith("!"):
                return part
        inner = ", ".join(parts)
        return f"({inner},)" if type(value) is tuple else f"[{inner}]"
    if isinstance(value, (int, float, bool, str)) or value is None:
        return literal(value, namespace)
    return "!returns a value ember.compile cannot rebuild at replay"


def _read_by(body: list) -> tuple:
    """(slots, scalar numbers) the instructions of body read."""
    slots, scalars = set(), set()
    for instruction in body:
        slots.update(instruction.slots_read())
        scalars.update(instruction.scalars_read())
    return slots, scalars


def _build(tracer, session: Session, scope: Scope, namespace: Namespace, result, verified: list, guards: list):
    """(body lines, kernel count, generators, tensors whose data stays), or a str saying why the trace cannot be replayed."""
    namespace.values["_wrap"] = _wrap_array
    namespace.values["_wrap_node"] = _wrap_with_node
    namespace.values["_asarray"] = np.asarray
    namespace.values["_typed_setting"] = _typed_setting
    namespace.values["_wrap_array"] = _tensor.wrap
    needed: set = set()  # slots, and ("f", n) for scalars, as instructions name their outs
    tail: list = []
    stable: list = []  # (expression, array) of captured tensors whose data a replay keeps
    reached = {id(t) for _, t in scope.tensors.values()}
    for variable in tracer.accumulated:
        if variable not in reached:
            return "fills the .grad of a tensor ember.compile cannot reach from the function"
    by_tensor = {id(item.tensor): item for item in session.swapped}
    for item in session.swapped:
        tensor, expression = item.tensor, item.expression
        slot = _slot(tracer, tensor._data)
        if slot is None:
            return f"replaces the data of {expression} with an array the trace did not follow"
        if slot == item.slot:  # NOTE: the array it held (an argument's too): nothing to put back
            if not expression.startswith(("a[", "kw[")):
                stable.append((expression, item.original))
        else:
            needed.add(slot)
            data = f"s{slot}" if slot not in tracer.scalar_slots else f"_asarray(s{slot})"
            tail.append(f"{expression}._data = {data}")
        delta = tensor._version[0] - item.version
        if delta:
            tail.append(f"{expression}._version[0] += {delta}")
    relaxed = set()  # tensors whose .grad the step set before reading: replay need not guard what it held
    for expression, tensor in scope.tensors.values():
        before = by_tensor[id(tensor)].grad
        grad = tensor._grad
        key = id(tensor)
        if key in session.grad_set_first and key not in session.grad_read_first and grad is not before:
            relaxed.add(key)
        if grad is None:
            if before is not None or key in relaxed:
                tail.append(f"{expression}._grad = None")
        elif grad is not before:
            slot = _slot(tracer, grad._data)
            if slot is None or grad._requires_grad:
                return f"gives {expression} a gradient the trace cannot rebuild"
            needed.add(slot)
            tail.append(f"{expression}._grad = {_wrap_call(tracer, grad, slot, namespace)}")
    for expression, module, kind, name, before in scope.entries:
        now = getattr(module, kind).get(name)
        if now is before:
            continue
        slot = None if now is None else _slot(tracer, now._data)
        if kind == "_parameters" or (now is not None and (slot is None or now._requires_grad)):
            return f"replaces {expression}.{kind[1:-1]} {name!r} with a tensor the trace cannot rebuild"
        if now is None:
            tail.append(f"{expression}.{kind}[{name!r}] = None")
            continue
        needed.add(slot)
        tail.append(f"{expression}.{kind}[{name!r}] = {_wrap_call(tracer, now, slot, namespace)}")
    for expression, optimizer in scope.optimizers.values():
        for parameter, entries in optimizer.state.items():
            found = scope.tensors.get(id(parameter))
            if found is None or not isinstance(entries, dict):
                continue
            for key, item in entries.items():
                if isinstance(item, Tensor) and id(item) not in by_tensor:
                    slot = _slot(tracer, item._data)
                    if slot is None:
                        return "stores optimizer state the trace did not follow"
                    needed.add(slot)
                    tail.append(
                        f"{expression}.state[{found[0]}][{key!r}] = {_wrap_call(tracer, item, slot, namespace)}"
                    )
    returned = _output(tracer, result, namespace, needed)
    if returned.startswith("!"):
        return returned[1:]
    escaping = {slot for slot in needed if type(slot) is int} | set(tracer.root_slots)
    kept = [tracer.plain[slot] for slot in escaping]
    body = direct_kernels(live_instructions(tracer.instructions, needed), tracer.plain)
    body, constants = hoist(body, tracer.plain, tracer.scalar_slots, kept, tracer.backends)
    for slot, value in constants.items():
        namespace.values[f"s{slot}"] = value  # NOTE: a global of the replay function: never assigned there
    floats = {i for i, s in tracer.scalar_sources.items() if f"type({shortened(s, verified)}) is float" in guards}
    body, typed = typed_operands(eliminate_common(body, tracer.plain, escaping), tracer.plain, floats)
    buffers = plan_buffers(body, tracer.plain, tracer.scalar_slots, escaping, kept)
    lines = [line_of(i, namespace) for i in body if i.early]
    for index, instruction in enumerate(body):
        if instruction.early:
            continue
        line = line_of(positional_out(instruction), namespace)
        if index in buffers:  # NOTE: the ufunc's output argument, by position where allowed (the fastest call)
            keyword = "out=" if instruction.callee.__name__ in ("maximum", "minimum") else ""
            line = f"{line[:-1]}, {keyword}{namespace.name(buffers[index], 'buf')})"
        lines.append(line)
    used, scalars_used = _read_by(body)
    for key in needed:
        if type(key) is int:
            used.add(key)
        else:
            scalars_used.add(key[1])
    for index, setting in tracer.scalar_sources.items():
        # NOTE: a setting no recorded call reads may have reached the arrays as a plain float (math.sqrt(lr))
        if index in tracer.frozen_settings or index not in scalars_used:
            value = next(value for group, value, traced in session.learning_rates if traced.index == index)
            guards.append(shortened(f"{setting} == {literal(value, namespace)}", verified))
    head = [f"s{slot} = {source}" for slot, source in sorted(tracer.root_slots.items()) if slot in used]
    head += [f"f{index} = {source}" for index, source in sorted(tracer.scalar_sources.items())]
    for ref in typed:
        memo = namespace.name([None, None], "m")
        typed_value = f"_typed_setting({memo}, f{ref.index}, {namespace.name(ref.dtype, 'd')})"
        head.append(f"{literal(ref, namespace)} = {memo}[1] if f{ref.index} is {memo}[0] else {typed_value}")
    lines = shortened_lines(head + lines + tail, verified) + [f"return {returned}"]
    generators = []
    kernels = 0
    for instruction in body:
        if instruction.kind == "draw" and instruction.callee not in generators:
            generators.append(instruction.callee)
        if instruction.kind not in ("scalar", "check"):
            kernels += 1
    return lines, kernels, generators, stable, relaxed


def compile(
    model=None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend="inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
):
    """Trace a function (or a module's call) once and replay it as straight-line array code."""
    if model is None:
        return lambda fn: compile(
            fn, fullgraph=fullgraph, dynamic=dynamic, backend=backend, mode=mode, options=options, disable=disable
        )
    if disable:
        return model
    if is_module(model):
        return OptimizedModule(model, CompiledFunction(model, fullgraph, dynamic, mode))
    if not callable(model):
        raise TypeError(f"ember.compile expects a function or an nn.Module, got {type(model).__name__}")
    return CompiledFunction(model, fullgraph, dynamic, mode)


class OptimizedModule:
    """A module whose calls are compiled; everything else passes through to the module."""

    def __init__(self, module, compiled: CompiledFunction) -> None:
        object.__setattr__(self, "_orig_mod", module)
        object.__setattr__(self, "_compiled", compiled)

    def __call__(self, *args, **kwargs):
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._orig_mod, name, value)

    def explain(self) -> str:
        """The guards, kernel counts and generated source of each cached trace."""
        return self._compiled.explain()

    def __repr__(self) -> str:
        return f"OptimizedModule(\n  (_orig_mod): {self._orig_mod!r}\n)"
