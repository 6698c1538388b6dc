"""A traced program as Python source: straight-line calls of the recorded kernels on arrays."""

from __future__ import annotations

import ast
import functools
import math

from ._program import ScalarRef, SlotRef, TypedScalarRef


class Deviation(Exception):
    """A value the trace branched on came out differently: the step must run eagerly."""


class Miss:
    """What a replay function answers when one of its guards fails (the call traces or tries another)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISS"


def same(a, b) -> bool:
    return a == b or (a != a and b != b)


class Namespace:
    """The constants a generated function refers to, by name."""

    def __init__(self) -> None:
        self.values: dict = {"_Deviation": Deviation, "_same": same}  # "_MISS" is set by its user
        self.names: dict = {}

    def known(self, value) -> str | None:
        """value's name, or None when it has none yet."""
        return self.names.get(id(value))

    def name(self, value, hint: str = "c") -> str:
        key = id(value)
        found = self.names.get(key)
        if found is None:
            found = self.names[key] = f"{hint}{len(self.names)}"
            self.values[found] = value
        return found


def literal(value, namespace: Namespace) -> str:
    kind = type(value)
    if kind is SlotRef:
        return f"s{value.index}"
    if kind is ScalarRef:
        return f"f{value.index}"
    if kind is TypedScalarRef:
        return f"f{value.index}_{value.dtype_name}"
    if value is None or kind is bool or kind is int or kind is str:
        return repr(value)
    if kind is float and math.isfinite(value):
        return repr(value)
    if value is Ellipsis:
        return "..."
    if kind is tuple:
        inner = ", ".join(literal(v, namespace) for v in value)
        return f"({inner},)" if value else "()"
    if kind is list:
        return "[" + ", ".join(literal(v, namespace) for v in value) + "]"
    if kind is dict and all(type(k) is str for k in value):
        return "{" + ", ".join(f"{k!r}: {literal(v, namespace)}" for k, v in value.items()) + "}"
    if kind is slice:
        return f"slice({literal(value.start, namespace)}, {literal(value.stop, namespace)}, {literal(value.step, namespace)})"
    return namespace.name(value)


def call_source(instruction, namespace: Namespace) -> str:
    args = []
    for a in instruction.args:  # NOTE: a loop, not a comprehension: no function made per line
        args.append(literal(a, namespace))
    if instruction.kwargs:
        args += [f"{k}={literal(v, namespace)}" for k, v in instruction.kwargs.items()]
    kind = instruction.kind
    if kind == "method":
        return f"{args[0]}.{instruction.callee}({', '.join(args[1:])})"
    if kind == "draw":
        return f"{namespace.name(instruction.callee, 'g')}.native().{instruction.name}({', '.join(args)})"
    if kind == "attr":
        return f"{args[0]}.{instruction.callee}"
    if kind == "scalar" or kind == "check":
        symbol = instruction.callee
        if len(args) == 1:
            return f"{symbol}({args[0]})" if symbol.isalpha() else f"({symbol}{args[0]})"
        if symbol == "round":
            return f"round({args[0]}, {args[1]})"
        return f"({args[0]} {symbol} {args[1]})"
    callee = instruction.callee
    return f"{namespace.known(callee) or namespace.name(callee, _kernel_hint(callee))}({', '.join(args)})"


def _kernel_hint(callee) -> str:
    """The start of a kernel's name in the generated source: its own name where that reads well."""
    name = getattr(callee, "__name__", None)
    return f"{name}_" if type(name) is str and name.isidentifier() and not name.startswith("_") else "k"


def line_of(instruction, namespace: Namespace) -> str:
    source = call_source(instruction, namespace)
    if instruction.kind == "check" or instruction.expected is not None:
        return f"if not _same({source}, {literal(instruction.expected, namespace)}): raise _Deviation"
    outs = instruction.outs
    if not outs:
        return source
    return f"{', '.join(map(_out_name, outs))} = {source}"


def _out_name(out) -> str:
    return f"f{out[1]}" if type(out) is tuple else f"s{out}"


def live_instructions(instructions: list, needed: set) -> list:
    """Drop work whose result nobody reads: keep writes, draws, checks and what they need.

    `needed` names results as instructions' outs do (a slot number, ``("f", n)`` for a scalar); it gains
    what the kept instructions read.
    """
    kept = []
    for instruction in reversed(instructions):
        effect = instruction.writes or instruction.kind in ("draw", "check") or instruction.expected is not None
        if effect or not needed.isdisjoint(instruction.outs):
            kept.append(instruction)
            needed.update(instruction.slots_read())
            needed.update([("f", index) for index in instruction.scalars_read()])
    kept.reverse()
    return kept


def bind_locals(expressions: list, lines: list) -> tuple:
    """(bindings, lines): each expression the lines (or a longer bound expression) use read once into a local ``t<n>``.

    Longer expressions are replaced first, so that one holding another (an optimizer state
    entry named through its parameter) is replaced whole.
    """
    text, separator = _joined(lines)  # NOTE: searched and edited as one text
    used: list = []  # longest first; a shorter expression met only inside a longer one is bound for _chained
    for expression in sorted(dict.fromkeys(expressions), key=len, reverse=True):  # NOTE: ties in the given order
        if expression in text or any(expression in longer for longer in used):
            used.append(expression)
    bindings = [(f"t{n}", expression) for n, expression in enumerate(used)]
    for local, expression in bindings:
        text = _replaced(text, separator, expression, local)
    bindings.sort(key=lambda item: len(item[1]))
    return _chained(bindings), text.split(separator)


def _chained(bindings: list) -> list:
    """bindings where each expression reads the locals bound before it (``t1 = t0._data`` for ``a[0]._data``)."""
    longest_first = sorted(range(len(bindings)), key=lambda n: len(bindings[n][1]), reverse=True)
    out: list = []
    for index, (local, expression) in enumerate(bindings):
        for n in longest_first:
            earlier, text = bindings[n]
            if n < index and text in expression:
                expression = expression.replace(text, earlier)
        out.append((local, expression))
    return out


def _joined(lines: list) -> tuple:
    """(text, separator): the lines joined by a character that none of them holds (a newline, where none does:
    generated lines and expressions write any other character as an escape)."""
    separator, code = "\n", 0xE000
    text = separator.join(lines)
    while text.count(separator) != len(lines) - 1:
        separator, code = chr(code), code + 1
        text = separator.join(lines)
    return text, separator


def _replaced(text: str, separator: str, expression: str, local: str) -> str:
    """text (lines joined by separator) reading `local` for `expression`, except where a line assigns the
    expression itself."""
    target = f"{separator}{expression} = "
    if target not in text and not text.startswith(target[1:]):  # NOTE: the usual case: no line assigns it
        return text.replace(expression, local)
    parts = f"{separator}{text}".split(target)
    return target.join([part.replace(expression, local) for part in parts])[1:]


def _compared(check: str):
    """(expression, value) when check is ``expression == <a Python literal>``, else None."""
    left, sep, right = check.rpartition(" == ")
    if not sep or " and " in left or " or " in left or left.startswith("("):
        return None
    return (left, right) if _is_literal(right) else None


@functools.lru_cache(maxsize=4096)
def _is_literal(text: str) -> bool:
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False
    return True


def _merged(pairs: list) -> list:
    """One tuple comparison of the scalar checks, then each check of a tuple (a shape) on its own.

    NOTE: a tuple of literals is one constant of the compiled code; a tuple nested in the compared
    tuple (a fresh shape against a constant one) costs more to compare than on its own.
    """
    scalars = [(left, right) for left, right in pairs if not right.startswith("(")]
    alone = [f"{left} == {right}" for left, right in pairs if right.startswith("(")]
    if len(scalars) < 2:
        return [f"{left} == {right}" for left, right in scalars] + alone
    lefts, rights = zip(*scalars)
    return [f"({', '.join(lefts)},) == ({', '.join(rights)},)"] + alone


def _on_arguments(expression: str) -> bool:
    return expression.startswith(("a[", "kw[", "len(a)"))


def merged_guards(guards: list) -> list:
    """guards with the ``expression == literal`` checks made tuple comparisons.

    The arguments' come first: a cached trace for another batch size fails there, at once.
    """
    on_arguments, on_the_rest, others = [], [], []
    for guard in guards:
        found = _compared(guard)
        if found is None:
            others.append(guard)
        elif _on_arguments(found[0]):
            on_arguments.append(found)
        else:
            on_the_rest.append(found)
    if len(on_arguments) + len(on_the_rest) < 2:
        return guards
    return _merged(on_arguments) + others + _merged(on_the_rest)


def function_source(guards: list, bindings: list, body: list, restore: list) -> str:
    """The replay function: read the state, check the guards (MISS when one fails), run the body.

    `restore` are the random generators whose states a failed value check must put back.
    """
    out = ["def _replay(a, kw):", "    try:"]
    out += [f"        {local} = {expression}" for local, expression in bindings]
    out.append("        if not (")
    out += [f"            {check}{' and' if i < len(guards) - 1 else ''}" for i, check in enumerate(guards)]
    out += ["        ):", "            return _MISS", "    except Exception:", "        return _MISS"]
    if not restore:
        out += [f"    {line}" for line in body]
        return "\n".join(out) + "\n"
    out.append(f"    _states = ({', '.join(f'{g}.get_state()' for g in restore)},)")
    out.append("    try:")
    out += [f"        {line}" for line in body]
    out.append("    except _Deviation:")
    out += [f"        {g}.set_state(_states[{i}])" for i, g in enumerate(restore)]
    out.append("        raise")
    return "\n".join(out) + "\n"
