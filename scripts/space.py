"""Stage a Hugging Face Space: a folder holding exactly what the Space runs; optionally publish it.

    python scripts/space.py --out DIR [--hardware cpu|zerogpu|gpu] [--repo-id OWNER/NAME] [--private]

The folder holds
- README.md: the Space card, i.e. this repository's README front matter (its sdk_version must equal the
  gradio pin of requirements.txt) above a short description;
- app.py and the local packages it imports, found by reading every import statement of every file they
  hold (imports inside functions too), so packages the app never imports (training/, tests/, benchmarks/)
  stay out;
- checkpoints/: every model folder the app can load (not the evaluation classifiers);
- requirements.txt: requirements.txt's runtime list for the chosen hardware;
- .gitattributes: LFS rules that cover every binary file in the folder.

--hardware: cpu (the default, for CPU Basic: CPU torch from PyTorch's own index), zerogpu (the Python and
torch versions ZeroGPU runs), gpu (a GPU Space: PyPI's CUDA torch). The Space's hardware itself is chosen
in its settings on the Hub; the card only suggests it.

--repo-id creates the Space if needed and makes it exactly this folder (files it no longer holds are
deleted), through huggingface_hub's HfApi.create_repo and upload_folder, which store large files through
LFS/Xet as the Hub requires. The token is the usual one: `hf auth login` or HF_TOKEN.

Errors are one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
ENTRY = "app.py"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Files inside the app's packages that the app never runs: the script that regenerates ui/examples/*.npz
# from the datasets.
NOT_SHIPPED = {"ui/examples/make_examples.py"}
# Checkpoint folders only `python -m aegan evaluate` loads; the app never does.
CHECKPOINTS_NOT_SERVED = {"classifiers"}
# The Hub stores a file plainly only below this size when it is binary; above, it must go through LFS/Xet.
PLAIN_BINARY_LIMIT = 1_000_000


@dataclass(frozen=True)
class Flavour:
    """What differs between kinds of Space hardware: the card's suggestion and the requirements."""

    hardware: str  # the card's suggested_hardware, a value of huggingface_hub.SpaceHardware
    index: str | None = None  # an extra package index for pip, first line of requirements.txt
    python: str | None = None  # the card's python_version; None keeps the README's
    pins: dict[str, str] = field(default_factory=dict)  # requirement name -> the exact version it needs here
    from_dev: tuple[str, ...] = ()  # requirements-dev.txt lines (by name) this hardware needs at run time


FLAVOURS = {
    # PyTorch's CPU index serves torch==X as X+cpu, which pip prefers to PyPI's CUDA build of X (a local
    # version sorts above its public one): the same code without several GB of nvidia wheels.
    "cpu": Flavour("cpu-basic", index=CPU_INDEX),
    # ZeroGPU runs only the Python and torch versions it lists (huggingface/hub-docs, docs/hub/spaces-zerogpu.md,
    # "Supported versions": Python 3.10.13 and 3.12; torch 2.13.0 the newest when this was written, not the
    # 2.14.1 pinned for the rest). torchvision 0.28.0 is the release built for torch 2.13.0.
    # `spaces` (the GPU decorator) as requirements-dev.txt bounds it; a Gradio Space may have it already.
    "zerogpu": Flavour("zero-a10g", python="3.12", pins={"torch": "2.13.0", "torchvision": "0.28.0"},
                       from_dev=("spaces",)),
    "gpu": Flavour("t4-small"),
}


class SpaceError(RuntimeError):
    """A one-line reason the Space cannot be staged or published."""


# --- the card -------------------------------------------------------------------------------------------

def split_front_matter(text: str) -> tuple[list[str], str]:
    """README text -> (the lines between its two '---' lines, the rest)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---" or "---" not in (s.strip() for s in lines[1:]):
        raise SpaceError("README.md does not start with a YAML block between '---' lines (the Space card)")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    return lines[1:end], "\n".join(lines[end + 1 :])


def card_fields(text: str) -> dict[str, str]:
    """The top-level `key: value` pairs of a README's front matter, as plain strings (quotes removed)."""
    fields = {}
    for line in split_front_matter(text)[0]:
        match = re.match(r"^([A-Za-z_][\w-]*):\s*(.*?)\s*$", line)
        if match:
            fields[match[1]] = match[2].strip("'\"")
    return fields


def gradio_pin(requirements: str) -> str | None:
    """The exact version requirements.txt pins gradio to (gradio==X), or None."""
    match = re.search(r"^\s*gradio\s*==\s*([\w.+-]+)\s*(?:#.*)?$", requirements, re.M | re.I)
    return match[1] if match else None


def check_card(readme: str, requirements: str) -> dict[str, str]:
    """The card's fields, after checking what a Gradio Space needs of them."""
    fields = card_fields(readme)
    pin = gradio_pin(requirements)
    if fields.get("sdk") != "gradio":
        raise SpaceError(f"README.md's card says sdk: {fields.get('sdk')!r}; this app needs sdk: gradio")
    if not pin:
        raise SpaceError("requirements.txt has no exact gradio pin (gradio==X) to match the card's sdk_version")
    if fields.get("sdk_version") != pin:
        raise SpaceError(f"README.md's card says sdk_version {fields.get('sdk_version')} but requirements.txt "
                         f"pins gradio=={pin}: make them equal (the Space installs the card's version)")
    if fields.get("app_file", ENTRY) != ENTRY:
        raise SpaceError(f"README.md's card says app_file: {fields['app_file']}; the app is {ENTRY}")
    return fields


def space_card(readme: str, flavour: Flavour, checkpoints: list[str]) -> str:
    """The README's front matter (python_version and suggested_hardware set for `flavour`) over a short body:
    the README's title and first paragraph (its pictures live in docs/, which the Space does not hold)."""
    front, body = split_front_matter(readme)
    wanted = {"python_version": f'"{flavour.python}"' if flavour.python else None,
              "suggested_hardware": flavour.hardware}
    out = []
    for line in front:
        key = line.split(":", 1)[0].strip()
        if key in wanted:
            if wanted[key] is not None:
                out.append(f"{key}: {wanted.pop(key)}")
            else:
                out.append(line)
                wanted.pop(key)
        else:
            out.append(line)
    out += [f"{key}: {value}" for key, value in wanted.items() if value is not None]
    paragraphs = [p.strip() for p in body.strip().split("\n\n") if p.strip()]
    title = next((p for p in paragraphs if p.startswith("# ")), "# AE-GAN Studio")
    intro = next((p for p in paragraphs if not p.startswith(("#", "!", "|", "```", "<"))), "")
    models = "\n".join(f"- `checkpoints/{name}`" for name in checkpoints)
    return "\n".join(["---", *out, "---", "", title, "", intro, "",
                      "The models this Space serves (each folder's README.md is its model card):", "", models,
                      "", "Staged by `scripts/space.py` from the project's repository, which also holds the "
                      "training code, the tests and the full README.", ""])


# --- what the app needs --------------------------------------------------------------------------------

def imported_names(path: Path) -> set[str]:
    """Top-level names of every absolute import in a Python file, at any depth (inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def project_files(root: Path, under: str) -> list[str]:
    """Files under `under` (relative to root) that belong to the project: tracked or new, but not ignored
    by .gitignore (so no __pycache__, runs/, stubs); every file when root is not a git checkout."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", under],
                                cwd=root, capture_output=True, check=True, timeout=60).stdout.decode()
        names = sorted({n for n in listed.split("\0") if n and (root / n).is_file()})
    except (OSError, subprocess.SubprocessError):
        names = sorted(p.relative_to(root).as_posix() for p in (root / under).rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyi"))
    return [n for n in names if n not in NOT_SHIPPED]


def app_sources(root: Path = REPO_ROOT) -> list[str]:
    """app.py and every file of the local packages (or modules) it imports, transitively."""

    def local(name: str) -> list[str]:
        if (root / f"{name}.py").is_file():
            return [f"{name}.py"]
        if (root / name).is_dir() and any((root / name).rglob("*.py")):
            return project_files(root, name)
        return []

    files, seen, todo = {ENTRY}, {ENTRY}, [ENTRY]
    while todo:
        for name in imported_names(root / todo.pop()):
            if name in seen:
                continue
            seen.add(name)
            found = local(name)
            files.update(found)
            todo += [f for f in found if f.endswith(".py")]
    return sorted(files)


def served_checkpoints(root: Path = REPO_ROOT) -> list[str]:
    """Names of the checkpoint folders the app can load: every folder with config.json + model.safetensors,
    but the evaluation classifiers."""
    folder = root / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name not in CHECKPOINTS_NOT_SERVED
                  and (p / "config.json").is_file() and (p / "model.safetensors").is_file())


def space_requirements(requirements: str, flavour: Flavour, name: str, dev: str = "") -> str:
    """requirements.txt for the Space: the same lines, the flavour's pins swapped in, its index on top, and
    the lines of requirements-dev.txt (`dev`) it needs at run time."""
    out = [f"# Staged by scripts/space.py (--hardware {name}) from the repository's requirements.txt."]
    if flavour.index:
        out.append(f"--extra-index-url {flavour.index}")
    pins = {_normal(k): v for k, v in flavour.pins.items()}
    for line in requirements.splitlines():
        stripped = line.strip()
        if stripped.startswith(("-r", "-c", "--requirement", "--constraint")):
            raise SpaceError(f"requirements.txt includes another file ({stripped}); the Space would not have it")
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", stripped)
        if match and _normal(match[1]) in pins:
            comment = f"  # {line.split('#', 1)[1].strip()}" if "#" in line else ""
            line = f"{match[1]}=={pins.pop(_normal(match[1]))}{comment}"
        out.append(line)
    if pins:
        raise SpaceError(f"requirements.txt does not name {', '.join(sorted(pins))}, which --hardware {name} pins")
    for wanted in flavour.from_dev:
        line = next((line.strip() for line in dev.splitlines()
                     if _normal(re.split(r"[\s<>=!~;\[#]", line.strip(), maxsplit=1)[0]) == _normal(wanted)), None)
        if line is None:
            raise SpaceError(f"requirements-dev.txt does not name {wanted}, which --hardware {name} needs")
        out.append(line)
    return "\n".join(out).rstrip("\n") + "\n"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# --- binaries and LFS ------------------------------------------------------------------------------------

def is_binary(path: Path) -> bool:
    """As git decides: a NUL byte in the first 8000 bytes; also anything that is not UTF-8 text."""
    head = path.read_bytes()[:8000]
    if b"\0" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < len(head) - 4  # a character cut at the 8000-byte mark is still text
    return False


def lfs_patterns(gitattributes: str) -> list[str]:
    """The patterns a .gitattributes file sends through LFS (filter=lfs)."""
    patterns = []
    for line in gitattributes.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#") and "filter=lfs" in parts[1:]:
            patterns.append(parts[0])
    return patterns


def lfs_covers(patterns: list[str], relative: str) -> bool:
    """Whether a path matches one of the patterns as git matches .gitattributes at the top of a tree: a
    pattern without '/' matches the file's name in any folder; one with '/' matches the path from the top.
    (tests/test_space.py checks the staged folder with `git check-attr` itself.)"""
    name = relative.rsplit("/", 1)[-1]
    for pattern in patterns:
        if "/" not in pattern.rstrip("/"):
            if fnmatch.fnmatchcase(name, pattern):
                return True
        elif fnmatch.fnmatchcase(relative, pattern.lstrip("/").replace("**/", "*")):
            return True
    return False


def space_gitattributes(root: Path, out: Path, files: list[str]) -> str:
    """The repository's .gitattributes, plus a rule for any binary file in the folder it does not cover."""
    source = root / ".gitattributes"
    text = source.read_text() if source.is_file() else ""
    patterns = lfs_patterns(text)
    extra = []
    for relative in files:
        if is_binary(out / relative) and not lfs_covers(patterns + extra, relative):
            name = relative.rsplit("/", 1)[-1]
            extra.append(f"*{Path(name).suffix}" if Path(name).suffix else relative)
    if extra:
        text = text.rstrip("\n") + "\n# Binary files of the Space that the repository's rules do not name\n"
        text += "".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n" for p in extra)
    return text


# --- staging and publishing -----------------------------------------------------------------------------

def stage(out: Path, hardware: str = "cpu", root: Path = REPO_ROOT, overwrite: bool = False) -> list[str]:
    """Write the Space into `out` (absent or empty, or replaced with overwrite=True); returns its files."""
    flavour = FLAVOURS[hardware]
    out = out.resolve()
    readme, requirements = (_read(root / name) for name in ("README.md", "requirements.txt"))
    check_card(readme, requirements)
    sources, checkpoints = app_sources(root), served_checkpoints(root)
    if not checkpoints:
        raise SpaceError(f"{root / 'checkpoints'} holds no model folder (config.json + model.safetensors)")
    copied = sources + [f for name in checkpoints for f in project_files(root, f"checkpoints/{name}")]
    _prepare(out, root, overwrite)
    for relative in copied:
        (out / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / relative, out / relative)
    (out / "README.md").write_text(space_card(readme, flavour, checkpoints))
    dev = (root / "requirements-dev.txt").read_text() if (root / "requirements-dev.txt").is_file() else ""
    (out / "requirements.txt").write_text(space_requirements(requirements, flavour, hardware, dev))
    files = sorted(copied + ["README.md", "requirements.txt"])
    (out / ".gitattributes").write_text(space_gitattributes(root, out, files))
    return sorted(files + [".gitattributes"])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise SpaceError(f"{path}: cannot read ({error.strerror or error})") from None


def _prepare(out: Path, root: Path, overwrite: bool) -> None:
    root = root.resolve()
    if out == root or out in root.parents or any(out.is_relative_to(root / p) for p in ("app.py", "ui", "aegan",
                                                                                        "checkpoints")):
        raise SpaceError(f"{out}: the staged Space must not be the repository or inside what it copies")
    if out.exists() and not out.is_dir():
        raise SpaceError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise SpaceError(f"{out}: folder is not empty; choose a new one or pass --overwrite to replace it")
        shutil.rmtree(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SpaceError(f"{out}: cannot create the folder ({error.strerror or error})") from None


def summary(out: Path, files: list[str]) -> str:
    sizes = {f: (out / f).stat().st_size for f in files}
    binaries = [f for f in files if is_binary(out / f)]
    patterns = lfs_patterns((out / ".gitattributes").read_text())
    in_lfs = [f for f in binaries if lfs_covers(patterns, f)]
    return (f"staged {len(files)} files ({sum(sizes.values()) / 1e6:.1f} MB) in {out}: {len(binaries)} binary "
            f"({sum(sizes[f] >= PLAIN_BINARY_LIMIT for f in binaries)} over 1 MB), {len(in_lfs)} of them "
            "matched by the LFS rules of its .gitattributes")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not a usage dump
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python scripts/space.py", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder to stage the Space in (absent or empty)")
    parser.add_argument("--hardware", choices=sorted(FLAVOURS), default="cpu",
                        help="cpu (default): CPU torch; zerogpu: ZeroGPU's Python and torch; gpu: CUDA torch")
    parser.add_argument("--repo-id", help="OWNER/NAME: create or update this Space with the staged folder")
    parser.add_argument("--private", action="store_true", help="with --repo-id: make the Space private")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.private and not args.repo_id:
        print("error: --private needs --repo-id", file=sys.stderr)
        return 2
    if str(REPO_ROOT) not in sys.path:  # aegan.hub, for the upload, when run as a script
        sys.path.insert(0, str(REPO_ROOT))
    from aegan.hub import PublishError, check_repo_id, require_token, upload

    try:
        if args.repo_id:  # before staging: a typo or a missing login costs nothing
            check_repo_id(args.repo_id)
            require_token()
        files = stage(args.out, args.hardware, overwrite=args.overwrite)
        print(summary(args.out.resolve(), files))
        if args.repo_id:
            url = upload(args.out, args.repo_id, repo_type="space", space_sdk="gradio", private=args.private,
                         mirror=True, commit_message=f"Stage the Space (--hardware {args.hardware})")
            print(f"published: {url}" + (" (choose ZeroGPU in the Space's settings)" if args.hardware == "zerogpu"
                                         else ""))
    except (SpaceError, PublishError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
