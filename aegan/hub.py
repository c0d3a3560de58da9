"""Publish a checkpoint folder to the Hugging Face Hub as it is: the project's model card (README.md) and
every file beside the weights (samples.png, latent_directions.safetensors, metrics.json, training.json, the
training film).

`PyTorchModelHubMixin.push_to_hub` saves the model object afresh (config.json + model.safetensors) beside
the mixin's template card, so it leaves out everything only the folder holds. `publish` uploads the folder
through huggingface_hub's `HfApi.upload_folder`, which stores large files as the Hub requires.

    python -m aegan.hub checkpoints/mnist-cgan you/mnist-cgan [--private]

    >>> publish("checkpoints/mnist-cgan", "you/mnist-cgan")   # the repo's URL
    >>> load_model("you/mnist-cgan")                           # aegan.models: the same images as the folder's

The token is the usual one: `hf auth login` or HF_TOKEN. Every fault is a PublishError of one line.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

# Loading reads safetensors only, so a pickle in the folder would be dead weight on the Hub at best.
# (upload_folder leaves out .git/ and its own cache by itself.)
NEVER_UPLOADED = ["__pycache__/*", "*/__pycache__/*", "*.pyc", "*.bin", "*.pt", "*.pth", "*.pkl", "*.ckpt"]
REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class PublishError(RuntimeError):
    """The folder cannot be published, or the Hub refused it; the message says why in one line."""


def check_repo_id(repo_id: str) -> str:
    if not isinstance(repo_id, str) or not REPO_ID.match(repo_id) or len(repo_id) > 96:
        raise PublishError(f"{repo_id!r} is not a Hub repo id: write OWNER/NAME (letters, digits, '-', '_', '.')")
    return repo_id


def require_token() -> str:
    """The Hugging Face token (HF_TOKEN, else the stored login), or a PublishError saying how to get one."""
    from huggingface_hub import get_token

    try:
        token = get_token()
    except Exception as error:  # an OIDC exchange (HF_OIDC_RESOURCE) that failed
        raise PublishError(f"no usable Hugging Face token ({_reason(error)})") from None
    if not token:
        raise PublishError("no Hugging Face token: run `hf auth login` or set HF_TOKEN")
    return token


def upload(folder: Path | str, repo_id: str, *, repo_type: str = "model", private: bool = False,
           space_sdk: str | None = None, mirror: bool = False, commit_message: str | None = None) -> str:
    """Create `repo_id` if needed and upload every file of `folder` to it in one commit; returns its URL.

    mirror=True also deletes the repo's files that the folder no longer has (a Space is then exactly the
    folder). private=True makes an existing repo private as well; a public one is never made so silently.
    """
    from huggingface_hub import HfApi

    folder = Path(folder)
    check_repo_id(repo_id)
    api = HfApi(token=require_token())
    try:
        url = api.create_repo(repo_id, repo_type=repo_type, private=private or None, exist_ok=True,
                              space_sdk=space_sdk)
        if private:
            api.update_repo_settings(repo_id, private=True, repo_type=repo_type)
        api.upload_folder(repo_id=repo_id, repo_type=repo_type, folder_path=folder,
                          commit_message=commit_message or f"Upload {folder.name}",
                          ignore_patterns=NEVER_UPLOADED, delete_patterns="*" if mirror else None)
    except Exception as error:  # no network, a refused token, a name taken by another repo type, Hub down
        raise PublishError(f"publishing {folder} to {repo_id} failed: {_reason(error)}") from None
    return str(url)


def publish(folder: Path | str, repo_id: str, *, private: bool = False) -> str:
    """Upload a checkpoint folder (config.json + model.safetensors + README.md card + the rest) to a model
    repo; returns its URL. The card must have its YAML block (aegan.modelcard writes it)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise PublishError(f"{folder}: checkpoint folder not found")
    for name in ("config.json", "model.safetensors", "README.md"):
        if not (folder / name).is_file():
            raise PublishError(f"{folder / name}: file is missing (a checkpoint folder holds config.json, "
                               "model.safetensors and its README.md card)")
    if not (folder / "README.md").read_text(errors="replace").startswith("---\n"):
        raise PublishError(f"{folder / 'README.md'}: the card has no YAML block (regenerate it with "
                           "aegan.modelcard.write_model_card)")
    return upload(folder, repo_id, private=private, commit_message=f"Upload the {folder.name} checkpoint")


def _reason(error: Exception) -> str:
    from huggingface_hub import constants, errors

    if isinstance(error, errors.OfflineModeIsEnabled) or constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set (unset it to publish)"
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status == 401:
        return "the Hub refused the token (HTTP 401); log in again with `hf auth login`"
    if status == 403:
        return "the token may not write there (HTTP 403): use a token with write access, or your own namespace"
    text = " ".join(str(error).split()) or type(error).__name__
    # DNS, refused, timed out: matched by class name, since huggingface_hub's HTTP client has changed
    # between releases (requests, httpx, httpx2) and each names these errors so.
    network = {"TransportError", "ConnectionError", "Timeout", "TimeoutException"}
    if isinstance(error, (ConnectionError, TimeoutError)) or network & {c.__name__ for c in type(error).__mro__}:
        return f"cannot reach {constants.ENDPOINT} ({text[:160]})"
    return f"{type(error).__name__}: {text[:200]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aegan.hub", description="Publish a checkpoint folder.")
    parser.add_argument("folder", type=Path, help="a checkpoint folder, e.g. checkpoints/mnist-cgan")
    parser.add_argument("repo_id", help="OWNER/NAME of the model repo (created if it does not exist)")
    parser.add_argument("--private", action="store_true", help="make the repo private")
    args = parser.parse_args(argv)
    try:
        print(publish(args.folder, args.repo_id, private=args.private))
    except PublishError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
