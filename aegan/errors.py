"""Errors a user can cause and fix. Front ends (CLI, app) show their message as one line, no traceback."""


class InputError(ValueError):
    """A value a user sent is not usable; the message says why in one sentence."""


class CheckpointError(RuntimeError):
    """A checkpoint folder or Hub repo is missing, incomplete or does not match its config."""
