"""What loading raises: `CheckpointError` for the user, `Damaged` inside (the caller adds the file's name)."""

from __future__ import annotations


class CheckpointError(RuntimeError):
    """The file is not a readable ember checkpoint."""


CheckpointError.__module__ = "ember.serialization"


class Damaged(Exception):
    """A checkpoint's content contradicts itself; the message says how (load turns it into CheckpointError)."""


class PlacementFailed(Exception):
    """Wraps an error raised while moving a loaded tensor (map_location's own code): load re-raises it as it was."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class MissingDevice(Exception):
    """A tensor cannot be put where it was saved from (or where map_location says): that device is not here."""
