"""Errors a user can cause and fix. Front ends (CLI, app) show their message as one line, no traceback."""


def shown(value) -> str:
    """A value as it can appear inside a one-line message: its repr on one line, cut to 40 characters (a
    script can send a 10,000-character string or a 400-digit integer)."""
    text = " ".join(repr(value).split())
    return text if len(text) <= 40 else text[:37] + "..."


class InputError(ValueError):
    """A value a user sent is not usable; the message says why in one sentence."""


class CheckpointError(RuntimeError):
    """A checkpoint folder or Hub repo is missing, incomplete or does not match its config."""
