"""``python -m ember``: the installed ember packages, the backends found, and broken plugins.

It never fails because of a plugin: what a backend raises while being described is
printed in its place.
"""

from __future__ import annotations

import os
import platform
import warnings
from importlib import metadata

import ember
from ember.backends import BackendPluginWarning, registry
from ember.backends._registry import ENTRY_POINT_GROUP, INSTALL_HINT
from ember.backends._validation import describe_error, stored

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


def backend_lines(backend, selected: bool) -> list[str]:
    """A backend's name, device type, distribution, state and device count, then its own facts."""
    try:
        return [_head_line(backend, selected), *_fact_lines(backend)]
    except Exception as error:  # NOTE: the registry's checks leave nothing to fail here; this is the last guard
        return [f"  {backend.name} (device type {backend.device_type}): cannot be described: {describe_error(error)}"]


def _head_line(backend, selected: bool) -> str:
    reason = registry.unavailable_reason(backend)
    if reason is None:
        try:
            count = int(backend.device_count())
            state = f"available, {count} device{'' if count == 1 else 's'}"
        except Exception as error:
            state = f"available, device count unknown (error: {describe_error(error)})"
    else:
        state = f"not available: {reason}"
    distribution = stored(backend, "distribution")
    source = " ".join(filter(None, [distribution or "unknown distribution", _version(distribution)]))
    head = f"  {backend.name} (device type {backend.device_type}, from {source}): {state}"
    if selected:
        head += f" [selected for {backend.device_type}]"
    return head


def _fact_lines(backend) -> list[str]:
    """What the backend's optional ``describe()`` tells, or the error it raised."""
    try:
        describe = getattr(backend, "describe", None)
        if describe is None:
            return []
        facts = describe()
        items = facts.items() if isinstance(facts, dict) else [("describe", facts)]
        return [f"      {key}: {value}" for key, value in items]
    except Exception as error:
        return [f"      describe: error: {describe_error(error)}"]


def report() -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BackendPluginWarning)  # failures are listed below instead
        backends = sorted(registry.all(), key=lambda b: (b.device_type, b.name))
        selected = {id(registry.for_device_type(device_type)) for device_type in registry.device_types()}
        backend_listing = [line for backend in backends for line in backend_lines(backend, id(backend) in selected)]
    lines = [f"ember {ember.__version__} (Python {platform.python_version()}, {platform.platform(terse=True)})"]
    if os.environ.get("EMBER_BACKEND"):
        lines.append(f"EMBER_BACKEND={os.environ['EMBER_BACKEND']}")
    lines += ["", "Installed packages:"]
    packages = installed_packages()
    width = max(map(len, packages), default=0)
    lines += [f"  {name.ljust(width)}  {version}" for name, version in packages.items()]
    lines += ["", "Backends:", *backend_listing]
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
