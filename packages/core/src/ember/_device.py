"""Frozen device objects: `ember.device("cuda:0")` with `.type` and `.index`."""

from __future__ import annotations


class device:
    """A device a tensor lives on, with its type and index: ``ember.device("cuda:0")``."""

    __slots__ = {
        "type": "The device type: ``'cpu'``, ``'cuda'``, ...",
        "index": "The device's index among those of its type, or None for the current one.",
    }

    def __init__(self, type: str | device, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            object.__setattr__(self, "type", type.type)
            object.__setattr__(self, "index", type.index if index is None else index)
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() expected a string like 'cpu' or 'cuda:0', got {type!r}")
        kind, sep, number = type.partition(":")
        if sep:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type}"
                )
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if not kind or not kind.replace("_", "").isalnum():
            raise RuntimeError(f"Invalid device string: '{type}'")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("ember.device is immutable")

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other) -> bool:
        if other is self:
            return True
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")


def as_device(value) -> device:
    if isinstance(value, device):
        return value
    if value is None:
        return CPU
    return device(value)
