"""A timing worker: one process per framework, driven over a pipe by the runner."""

from __future__ import annotations

import time

FRAMEWORKS = ("ember", "torch", "numpy")


def load_framework(name: str):
    """The module a workload runs on (None for hand-written NumPy)."""
    if name == "numpy":
        return None
    if name == "torch":
        import torch
        import torch.nn
        import torch.optim
        import torch.utils.data

        torch.set_num_threads(2)
        return torch
    import ember
    import ember.nn
    import ember.optim
    import ember.utils.data

    return ember


def build(row, framework, smoke: bool):
    kwargs = row.smoke_kwargs if smoke else row.kwargs
    if framework is None:
        return row.numpy(**kwargs)
    return row.framework(framework, **kwargs)


def time_once(step, inner: int) -> float:
    """Seconds per call of step, over `inner` calls."""
    start = time.perf_counter()
    for _ in range(inner):
        step()
    return (time.perf_counter() - start) / inner


SLICES = 5


def time_repeat(step, inner: int) -> float:
    """One repeat: the fastest of up to SLICES timings that share the `inner` calls.

    Load from elsewhere on the machine only ever adds time, so a burst of it spoils a slice,
    not the repeat (as `timeit` advises, the minimum is the estimate least disturbed).
    """
    slices = min(SLICES, inner)
    return min(time_once(step, inner // slices) for _ in range(slices))


def calibrate(step, budget: float = 0.2) -> int:
    """How many calls make one measurement of about `budget` seconds (after a warm-up call)."""
    step()
    single = time_once(step, 1)
    return max(1, min(100_000, int(budget / max(single, 1e-7))))


def serve(name: str, connection) -> None:
    from .rows import BY_ID

    framework = load_framework(name)
    steps: dict = {}
    while True:
        message = connection.recv()
        command = message[0]
        if command == "stop":
            return
        try:
            if command == "build":
                _, row_id, smoke = message
                step = build(BY_ID[row_id], framework, smoke)
                steps[row_id] = (step, calibrate(step) if not smoke else 1)
                connection.send(("ok", steps[row_id][1]))
            elif command == "time":
                step, inner = steps[message[1]]
                connection.send(("ok", time_repeat(step, inner)))
            elif command == "drop":
                steps.pop(message[1], None)
                connection.send(("ok", None))
        except Exception as error:  # report to the runner, keep serving
            connection.send(("error", f"{type(error).__name__}: {error}"))
