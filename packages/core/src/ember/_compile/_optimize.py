"""Making a traced program cheaper to replay without changing a bit of what it computes.

- Hoisting: a call that reads only constants is computed once, at trace time (its result, when
  nothing writes it and it is no output, is the same every replay).
- Common subexpressions: a pure call repeated on the same inputs (``x - t`` in the forward and
  again in the backward) is computed once, when nothing writes its inputs in between and
  nothing writes either result: the same kernel on the same arrays gives the same bits.
- Typed constants: a Python number given to a ufunc beside float arrays is converted by NumPy
  to their dtype on every call; when that conversion is exact and the call's result type is
  the same, a 0-d array of that dtype, made once, is passed instead (the same loop, the same bits).
- Direct kernels: a backend kernel wrapped to widen one dtype (ember-numpy's bfloat16 kernels compute
  in float32) calls the kernel it wraps when the traced operand has another dtype: the same call,
  one Python frame fewer.
- Typed settings: a setting read at each replay (the learning rate, a Python float) given to float
  ufuncs is converted to their dtype once per replay, where NumPy would convert it on every call:
  NumPy converts a Python float to the array's dtype first, so the bits are the same.
- Memory planning: a ufunc whose result lives only inside the replay writes it into a buffer
  allocated once (``out=``), shared by results whose lifetimes do not overlap. Views keep their
  base alive: results that share memory form one group with one lifetime.
"""

from __future__ import annotations

import math

import numpy as np

from ._program import Instruction, ScalarRef, SlotRef, TypedScalarRef, may_share_memory


def _all_slots(outs: tuple) -> bool:
    """Whether every result is an array (a slot number), none a scalar."""
    for o in outs:  # NOTE: loops here and below, not all()/any() over generators: each pass asks once per instruction
        if type(o) is not int:
            return False
    return True


def _results_share(outs: tuple, plain: list, arrays: list) -> bool:
    """Whether a result (slot numbers) may share memory with one of arrays."""
    for o in outs:
        if _shares(plain[o], arrays):
            return True
    return False


def _shares(array, arrays: list) -> bool:
    for other in arrays:  # NOTE: a loop, not any() over a generator: the passes ask this ~100 times per trace
        if may_share_memory(array, other):
            return True
    return False


def hoist(body: list, plain: list, scalar_slots: set, kept: list, backends: dict) -> tuple:
    """(the instructions left, {slot: constant value}); `kept` are arrays that must stay live.

    `backends` (native array type -> backend) copies the arrays that have no ``copy()`` of their own.
    """
    others = [plain[s] for i in body for s in i.writes] + kept  # what a hoisted result may not share memory with
    constants: dict = {}
    left = []
    for instruction in body:
        hoistable = (
            instruction.kind in ("call", "method")
            and not instruction.writes
            and instruction.expected is None
            and instruction.outs
            and all(map(constants.__contains__, instruction.slots_read()))
            and _all_slots(instruction.outs)
            and not instruction.scalars_read()
            and not _results_share(instruction.outs, plain, others)
        )
        if not hoistable:
            left.append(instruction)
            continue
        for o in instruction.outs:
            value = plain[o]
            constants[o] = value[()] if o in scalar_slots else _copy_of(value, backends)
    return left, constants


def _copy_of(array, backends: dict):
    """A copy of a native array: its own copy(), or its backend's for one without (array API standard arrays)."""
    own = getattr(array, "copy", None)
    return own() if own is not None else backends[type(array)].copy(array)


def direct_kernels(body: list, plain: list) -> list:
    """body with each widening kernel wrapper replaced by the kernel it wraps where it would pass through."""
    out = []
    for instruction in body:
        callee = instruction.callee
        inner = getattr(callee, "__wrapped__", None) if instruction.kind == "call" else None
        if inner is not None and hasattr(callee, "widened_dtype"):
            index = callee.widened_operand
            if index < len(instruction.args):
                operand = instruction.args[index]
                if type(operand) is SlotRef:
                    operand = plain[operand.index]
                if getattr(operand, "dtype", None) is not callee.widened_dtype:
                    instruction = _copy(instruction, instruction.args, instruction.kwargs, inner)
        out.append(instruction)
    return out


def plan_buffers(body: list, plain: list, scalar_slots: set, escaping: set, kept: list) -> dict:
    """{instruction index: buffer} for ufunc calls whose results may go into reused buffers."""
    parent = list(range(len(plain)))

    def find(s: int) -> int:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    last_use: dict = {}
    for index, instruction in enumerate(body):
        reads = instruction.slots_read()
        for s in reads:
            last_use[s] = index
        for o in instruction.outs:
            if type(o) is int:
                last_use.setdefault(o, index)
                for s in reads:
                    if s != o and may_share_memory(plain[o], plain[s]):  # NOTE: a slot is in its own group
                        parent[find(o)] = find(s)
    group_end: dict = {}
    members: dict = {}  # group -> its slots
    for s, end in last_use.items():
        group = find(s)
        group_end[group] = max(group_end.get(group, -1), end)
        members.setdefault(group, []).append(s)

    def escapes(group: int) -> bool:
        for s in members[group]:
            if s in escaping or s in scalar_slots or _shares(plain[s], kept):
                return True
        return False

    buffers: dict = {}
    free: dict = {}  # (shape, dtype) -> buffers free now
    releases: dict = {}  # instruction index after which a buffer is free again
    for index, instruction in enumerate(body):
        for key, buffer in releases.pop(index - 1, ()):
            free.setdefault(key, []).append(buffer)
        if not (
            instruction.kind == "call"
            and isinstance(instruction.callee, np.ufunc)
            and not instruction.kwargs
            and len(instruction.args) == instruction.callee.nin
            and len(instruction.outs) == 1
            and instruction.callee.nout == 1
        ):
            continue
        slot = instruction.outs[0]
        array = plain[slot]
        group = find(slot)
        if type(array) is not np.ndarray or array.ndim == 0 or group != slot or escapes(group):
            continue
        if group in map(find, instruction.slots_read()):
            continue
        key = (array.shape, array.dtype, array.strides)
        pool = free.get(key)
        buffer = pool.pop() if pool else np.empty_like(array)
        buffers[index] = buffer
        releases.setdefault(group_end[group], []).append((key, buffer))
    return buffers


def _key(value):
    """A hashable stand-in for an argument structure; None when it has none."""
    kind = type(value)
    if kind is SlotRef:
        return ("s", value.index)
    if kind is ScalarRef:
        return ("f", value.index)
    if kind is tuple or kind is list:
        parts = []
        for item in value:
            part = _key(item)
            if part is None:
                return None
            parts.append(part)
        return (kind.__name__, tuple(parts))
    if kind is dict:
        items = _key(tuple(value.values()))
        return None if items is None else ("dict", tuple(zip(value, items[1])))
    if kind is slice:
        return ("slice", _key((value.start, value.stop, value.step)))
    if value is None or kind in (bool, int, float, str):
        return (kind.__name__, value)
    if isinstance(value, (np.dtype, type)):
        return ("const", value)
    return None  # NOTE: an array or another object given as a constant: not worth proving equal


def _renamed(value, rename: dict):
    kind = type(value)
    if kind is SlotRef:
        index = rename.get(value.index)
        return value if index is None else SlotRef(index)
    if kind is tuple or kind is list:
        return kind(_renamed(v, rename) for v in value)
    if kind is dict:
        return {k: _renamed(v, rename) for k, v in value.items()}
    if kind is slice:
        return slice(*_renamed((value.start, value.stop, value.step), rename))
    return value


def _call_key(instruction):
    """A hashable stand-in for a call, equal for calls of the same callee on the same arguments; None when
    its arguments have none."""
    args = _key(instruction.args)
    kwargs = _key(instruction.kwargs) if instruction.kwargs else ()
    if args is None or kwargs is None:
        return None
    callee = id(instruction.callee) if instruction.kind == "call" else instruction.callee
    return (instruction.kind, callee, args, kwargs)


def eliminate_common(body: list, plain: list, escaping: set) -> list:
    """body with repeated pure calls on the same inputs computed once (their readers renamed)."""
    written = [plain[s] for i in body for s in i.writes]
    rename: dict = {}
    seen: dict = {}  # key -> outs of the first call
    reads: dict = {}  # key -> the arrays that call read
    left = []
    for instruction in body:
        if rename and not rename.keys().isdisjoint(instruction.slots_read()):
            instruction = _copy(instruction, _renamed(instruction.args, rename), _renamed(instruction.kwargs, rename))
        pure = (
            instruction.kind in ("call", "method")
            and not instruction.writes
            and instruction.expected is None
            and not instruction.early
            and instruction.outs
            and _all_slots(instruction.outs)
            and not _results_share(instruction.outs, plain, written)
        )
        key = _call_key(instruction) if pure else None
        first = seen.get(key) if key is not None else None
        if first is not None and len(first) == len(instruction.outs) and not escaping.intersection(instruction.outs):
            for o, f in zip(instruction.outs, first):
                rename[o] = f
            continue
        if key is not None:
            seen[key] = instruction.outs
            reads[key] = list(map(plain.__getitem__, instruction.slots_read()))
        for w in instruction.writes:  # NOTE: a call that read memory written now is not repeated below
            target = plain[w]
            for stale in [k for k in seen if _shares(target, reads[k])]:
                del seen[stale]
        left.append(instruction)
    return left


def _copy(instruction, args, kwargs, callee=None):
    i = instruction
    callee = i.callee if callee is None else callee
    return Instruction(i.kind, callee, args, kwargs, i.outs, i.writes, i.name, i.expected, i.early)


_KEYWORD_OUT = frozenset({"maximum", "minimum"})  # NOTE: NumPy deprecates a positional out for these two


def positional_out(instruction):
    """A ufunc call with ``out=(x,)`` as ``ufunc(a, b, x)``: the same call, without the keyword's cost."""
    kwargs = instruction.kwargs
    callee = instruction.callee
    if (
        instruction.kind != "call"
        or not isinstance(callee, np.ufunc)
        or callee.nout != 1
        or callee.__name__ in _KEYWORD_OUT
        or len(kwargs) != 1
        or len(instruction.args) != callee.nin
    ):
        return instruction
    out = kwargs.get("out")
    if type(out) is tuple and len(out) == 1:
        out = out[0]
    if type(out) is not SlotRef:
        return instruction
    return _copy(instruction, (*instruction.args, out), {})


_SAME_TYPES: dict = {}


def _same_result_type(ufunc, dtype, value) -> bool:
    key = (ufunc, dtype, type(value))
    found = _SAME_TYPES.get(key)
    if found is None:
        probe = np.ones((), dtype)
        typed = np.asarray(value, dtype)
        try:
            found = ufunc(probe, value).dtype == ufunc(probe, typed).dtype == ufunc(typed, probe).dtype
        except Exception:  # NOTE: a ufunc that refuses the probe keeps its Python number
            found = False
        _SAME_TYPES[key] = found
    return found


def _retyped_operands(body: list, plain: list, retype) -> list:
    """body with, in each two-operand ufunc call on one float array, the other operand replaced by
    `retype(ufunc, the array's dtype, operand)` where that gives something (None keeps the operand)."""
    out = []
    for instruction in body:
        callee = instruction.callee
        args = instruction.args
        if instruction.kind == "call" and isinstance(callee, np.ufunc) and callee.nin == 2 and len(args) >= 2:
            first_is_array = type(args[0]) is SlotRef
            if first_is_array is not (type(args[1]) is SlotRef):
                array, other = (0, 1) if first_is_array else (1, 0)
                dtype = plain[args[array].index].dtype
                replacement = retype(callee, dtype, args[other]) if dtype.kind == "f" else None
                if replacement is not None:
                    changed = list(args)
                    changed[other] = replacement
                    instruction = _copy(instruction, tuple(changed), instruction.kwargs)
        out.append(instruction)
    return out


def typed_operands(body: list, plain: list, floats: set) -> tuple:
    """(body, [TypedScalarRef]): typed constants and typed settings (see above), in one pass over body.

    The Python numbers float ufunc calls read become 0-d arrays of the arrays' dtype, made once; the
    settings in `floats` (Python floats at every replay) they read become TypedScalarRefs, each converted
    once per replay.
    """
    constants: dict = {}
    settings: dict = {}

    def typed(ufunc, dtype, value):
        found = _typed_constant(constants, ufunc, dtype, value)
        return _setting_ref(settings, floats, ufunc, dtype, value) if found is None else found

    return _retyped_operands(body, plain, typed), list(settings.values())


def _typed_constant(made: dict, ufunc, dtype, value):
    """value as a 0-d array of dtype (one per value in `made`) where that changes no bit; else None."""
    if type(value) not in (int, float) or not math.isfinite(value) or float(dtype.type(value)) != value:
        return None
    if not _same_result_type(ufunc, dtype, value):
        return None
    key = (dtype, type(value), value)
    found = made.get(key)
    if found is None:
        found = made[key] = np.asarray(value, dtype)
    return found


def _setting_ref(made: dict, floats: set, ufunc, dtype, ref):
    """ref, a setting in `floats`, as a TypedScalarRef of dtype (one per setting and dtype in `made`); else None."""
    if type(ref) is not ScalarRef or ref.index not in floats or not _same_result_type(ufunc, dtype, 1.0):
        return None
    typed = made.get((ref.index, dtype))
    if typed is None:
        typed = made[(ref.index, dtype)] = TypedScalarRef(ref.index, dtype)
    return typed
