"""The rule for a prompt, in one place for the app, the command line and the text model. No torch here,
so the app can show the limit in its text box before torch has loaded."""

from __future__ import annotations

from .errors import InputError, shown

MAX_PROMPT_CHARS = 200  # the encoder reads at most 256 tokens; a picture is described well within this


def check_prompt(prompt) -> str:
    """The prompt with its white space tidied, or an InputError saying in one sentence what is wrong."""
    if not isinstance(prompt, str):
        raise InputError(f"a prompt must be text, not {shown(prompt)}")
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in prompt).split())
    if not text:
        raise InputError("type a sentence first, for example 'a pair of running shoes'")
    if len(text) > MAX_PROMPT_CHARS:
        raise InputError(f"the prompt is {len(text):,} characters long; keep it under {MAX_PROMPT_CHARS}")
    if not any(ch.isalnum() for ch in text):
        raise InputError("the prompt has no words in it, only symbols or emoji; describe the picture in words")
    return text
