"""``python -m ember``: the installed ember packages, the backends found, and broken plugins."""

from __future__ import annotations

import os
import platform
import warnings
from importlib import metadata

import ember
from ember.backends import BackendPluginWarning, registry
from ember.backends._registry import ENTRY_POINT_GROUP, INSTALL_HINT

KNOWN_PACKAGES = ("ember-core", "ember-numpy", "ember-nn", "ember-cupy")


def installed_packages() -> dict[str, str]:
    """ember's own distributions that are installed, then those providing backend plugins."""
    names = list(KNOWN_PACKAGES)
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if entry_point.dist is not None and entry_point.dist.name not in names:
            names.append(entry_point.dist.name)
    found = {}
    for name in names:
        version = _version(name)
        if version is not None:
            found[name] = version
    return found


def _version(distribution: str | None) -> str | None:
    if distribution is None:
        return None
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _ask(question) -> str:
    """A backend's answer, or the error it raised (a report must survive a faulty backend)."""
    try:
        return question()
    except Exception as error:
        return f"error: {type(error).__name__}: {error}"


def backend_lines(backend, selected: bool) -> list[str]:
    """A backend's name, device type, distribution, state and device count, then its own facts."""
    reason = _ask(backend.unavailable_reason)
    if reason is None:
        count = _ask(backend.device_count)
        if isinstance(count, int):
            state = f"available, {count} device{'' if count == 1 else 's'}"
        else:
            state = f"available, device count unknown ({count})"
    else:
        state = f"not available: {reason}"
    source = " ".join(filter(None, [backend.distribution or "unknown distribution", _version(backend.distribution)]))
    head = f"  {backend.name} (device type {backend.device_type}, from {source}): {state}"
    if selected:
        head += f" [selected for {backend.device_type}]"
    lines = [head]
    describe = getattr(backend, "describe", None)
    if describe is not None:
        facts = _ask(describe)
        items = facts.items() if isinstance(facts, dict) else [("describe", facts)]
        lines.extend(f"      {key}: {value}" for key, value in items)
    return lines


def report() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendPluginWarning)  # failures are listed below instead
        backends = sorted(registry.all(), key=lambda b: (b.device_type, b.name))
        selected = {registry.for_device_type(device_type) for device_type in registry.device_types()}
    lines = [f"ember {ember.__version__} (Python {platform.python_version()}, {platform.platform(terse=True)})"]
    if os.environ.get("EMBER_BACKEND"):
        lines.append(f"EMBER_BACKEND={os.environ['EMBER_BACKEND']}")
    lines += ["", "Installed packages:"]
    packages = installed_packages()
    width = max(map(len, packages), default=0)
    lines += [f"  {name.ljust(width)}  {version}" for name, version in packages.items()]
    lines += ["", "Backends:"]
    for backend in backends:
        lines += backend_lines(backend, backend in selected)
    if not backends:
        lines.append(f"  none installed. To get one: {INSTALL_HINT['cpu']}")
    lines += ["", "Plugins that failed to load:"]
    for failure in registry.failures:
        source = failure.distribution or "unknown distribution"
        version = _version(failure.distribution)
        lines.append(f"  {failure.name} (from {source}{' ' + version if version else ''}): {failure.error}")
    if not registry.failures:
        lines.append("  none")
    return "\n".join(lines)


def main() -> None:
    print(report())


if __name__ == "__main__":
    main()
