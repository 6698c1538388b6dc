"""What the bundled backend bases share: their repr, and one device that is always available."""

from __future__ import annotations


class SingleDeviceBasics:
    """The metadata of a backend with one device that is always there; subclasses override what differs."""

    name: str
    device_type: str

    def __repr__(self) -> str:
        return f"<ember backend {self.name!r} for {self.device_type!r}>"

    def is_available(self) -> bool:
        return self.unavailable_reason() is None

    def unavailable_reason(self) -> str | None:
        return None

    def device_count(self) -> int:
        return 1
