"""Deployment: the staged Space (scripts/space.py) holds exactly what the app needs, every binary in it goes
through LFS, its card matches the Gradio pin, and `python app.py` run inside it alone serves every tab;
publishing without a token or a network is refused in one line. Checkpoint folders carry Hub cards and
publish whole (aegan.hub), and a published folder loads back to the same images."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PLAIN_LIMIT = 1_000_000  # bytes: the Hub takes a binary file as a plain git blob only below about this size


def _load_script():
    spec = importlib.util.spec_from_file_location("space_script", ROOT / "scripts" / "space.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


space = _load_script()


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("space") / "space"
    assert space.main(["--out", str(out)]) == 0
    return out


def lfs_filters(folder: Path, files: list[str]) -> dict[str, str]:
    """What git itself says the `filter` attribute of each file is, reading folder/.gitattributes (an empty
    repository elsewhere, so nothing is written into the folder)."""
    git_dir = folder.parent / f"{folder.name}-attributes.git"
    if not git_dir.exists():
        subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    out = subprocess.run(["git", f"--git-dir={git_dir}", f"--work-tree={folder}", "check-attr", "filter", "--stdin"],
                         input="\n".join(files) + "\n", capture_output=True, text=True, check=True, cwd=folder).stdout
    return {line.split(": ")[0]: line.rsplit(": ", 1)[1] for line in out.splitlines()}


def binary(path: Path) -> bool:
    return b"\0" in path.read_bytes()[:8000]


def files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


# --- what is staged ------------------------------------------------------------------------------------

def test_staged_space_holds_the_app_its_packages_and_served_checkpoints_only(staged):
    top = {p.name for p in staged.iterdir()}
    packages = {f.split("/")[0] for f in space.app_sources(ROOT) if "/" in f}
    assert {"app.py", "README.md", "requirements.txt", ".gitattributes", "checkpoints", "ui", "aegan"} <= top
    assert top == {"app.py", "README.md", "requirements.txt", ".gitattributes", "checkpoints"} | packages
    assert not {"tests", "benchmarks", "docs", "scripts", "runs", "data", "Dockerfile", "Makefile"} & top
    if "training" not in packages:  # the app may import training/ (live training); only then is it staged
        assert not (staged / "training").exists()
    files = files_of(staged)
    assert not [f for f in files if "__pycache__" in f or f.endswith((".pyc", ".pyi"))]
    assert "ui/examples/make_examples.py" not in files and any(f.startswith("ui/examples/") for f in files)
    served = sorted(p.name for p in (staged / "checkpoints").iterdir())
    assert "classifiers" not in served and served == space.served_checkpoints(ROOT)
    for name in served:  # each folder whole: weights, config, card, latent directions, samples, metrics
        source = sorted(p.name for p in (ROOT / "checkpoints" / name).iterdir() if p.is_file())
        assert sorted(p.name for p in (staged / "checkpoints" / name).iterdir()) == source
        for file in source:
            copied, shipped = staged / "checkpoints" / name / file, ROOT / "checkpoints" / name / file
            assert copied.read_bytes() == shipped.read_bytes()


def test_every_binary_in_the_staged_space_goes_through_lfs(staged):
    files = files_of(staged)
    filters = lfs_filters(staged, files)
    binaries = [f for f in files if binary(staged / f)]
    assert any(f.endswith("model.safetensors") for f in binaries)
    # Every binary is under the plain-file limit or in LFS; in fact every binary is in LFS.
    assert [f for f in binaries if (staged / f).stat().st_size >= PLAIN_LIMIT and filters[f] != "lfs"] == []
    assert [f for f in binaries if filters[f] != "lfs"] == []
    assert [f for f in files if (staged / f).stat().st_size >= 10_000_000 and filters[f] != "lfs"] == []
    assert filters["app.py"] == "unspecified" and filters["README.md"] == "unspecified"


def test_a_binary_the_rules_miss_gets_a_rule_of_its_own(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    for relative in ("README.md", "requirements.txt", "app.py", ".gitattributes"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, root / relative)
    (root / "app.py").write_text("import widgets\n")
    (root / "widgets").mkdir()
    (root / "widgets" / "__init__.py").write_text("")
    (root / "widgets" / "table.lut").write_bytes(b"\0\1" * 10)  # a binary type no rule names
    (root / "widgets" / "raw").write_bytes(b"\0" * 10)  # and one without a suffix
    (root / "checkpoints" / "m").mkdir(parents=True)
    for name in ("config.json", "model.safetensors"):
        (root / "checkpoints" / "m" / name).write_bytes(b"\0{}")
    files = space.stage(tmp_path / "out", root=root)
    assert "widgets/table.lut" in files and "checkpoints/m/model.safetensors" in files
    filters = lfs_filters(tmp_path / "out", files)
    assert filters["widgets/table.lut"] == filters["widgets/raw"] == "lfs"
    assert filters["app.py"] == "unspecified"


def test_every_binary_of_the_repository_is_matched_by_its_lfs_rules():
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode()
    files = [f for f in tracked.split("\0") if f and (ROOT / f).is_file()]
    out = subprocess.run(["git", "check-attr", "filter", "--stdin"], cwd=ROOT, input="\n".join(files) + "\n",
                         capture_output=True, text=True, check=True).stdout
    filters = {line.split(": ")[0]: line.rsplit(": ", 1)[1] for line in out.splitlines()}
    assert [f for f in files if binary(ROOT / f) and filters[f] != "lfs"] == []


# --- the card and the requirements --------------------------------------------------------------------

def test_card_sdk_version_equals_the_gradio_pin(staged):
    pin = space.gradio_pin((ROOT / "requirements.txt").read_text())
    assert pin and space.card_fields((ROOT / "README.md").read_text())["sdk_version"] == pin
    card = yaml.safe_load((staged / "README.md").read_text().split("---")[1])
    assert card["sdk"] == "gradio" and str(card["sdk_version"]) == pin and card["app_file"] == "app.py"
    assert space.gradio_pin((staged / "requirements.txt").read_text()) == pin


def test_a_card_that_disagrees_with_the_pin_is_refused():
    readme = (ROOT / "README.md").read_text()
    requirements = (ROOT / "requirements.txt").read_text().replace("gradio==", "gradio==0.0.1+")
    with pytest.raises(space.SpaceError, match="sdk_version .* but requirements.txt pins gradio==0.0.1"):
        space.check_card(readme, requirements)


def test_runtime_requirements_are_bounded_above():
    from packaging.requirements import Requirement

    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [Requirement(line) for line in lines if line and not line.startswith("-")]
    assert {r.name for r in requirements} >= {"torch", "gradio", "huggingface_hub", "transformers", "numpy"}
    unbounded = [str(r) for r in requirements if not any(s.operator in ("==", "===", "<", "<=", "~=")
                                                         for s in r.specifier)]
    assert unbounded == []


@pytest.mark.parametrize("hardware", ["cpu", "zerogpu", "gpu"])
def test_each_hardware_gets_its_requirements_and_card(tmp_path, hardware):
    assert space.main(["--out", str(tmp_path / hardware), "--hardware", hardware]) == 0
    requirements = (tmp_path / hardware / "requirements.txt").read_text()
    card = yaml.safe_load((tmp_path / hardware / "README.md").read_text().split("---")[1])
    repo = (ROOT / "requirements.txt").read_text()
    torch_pin = next(line for line in requirements.splitlines() if line.startswith("torch=="))
    indexes = [line for line in requirements.splitlines() if "index-url" in line and not line.startswith("#")]
    if hardware == "cpu":  # PyTorch's CPU index beside PyPI; the repository's own torch pin
        assert indexes == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
        assert torch_pin.split("#")[0].strip() in repo.splitlines()
        assert card["suggested_hardware"] == "cpu-basic"
    elif hardware == "zerogpu":  # versions ZeroGPU lists, for the Space only
        assert indexes == []
        assert torch_pin == "torch==2.13.0" and "torchvision==0.28.0" in requirements.splitlines()
        assert any(line.startswith("spaces") for line in requirements.splitlines())  # the GPU decorator
        assert str(card["python_version"]) == "3.12" and card["suggested_hardware"] == "zero-a10g"
    else:  # PyPI's CUDA build
        assert indexes == [] and torch_pin in repo.splitlines()
    assert str(card["sdk_version"]) == space.gradio_pin(requirements)


def test_the_dockerfile_installs_cpu_torch_by_default_and_stops_at_once():
    text = (ROOT / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu" in text
    assert "STOPSIGNAL SIGINT" in text
    assert "${GRADIO_SERVER_PORT:-7860}" in text.split("HEALTHCHECK", 1)[1]


# --- command line ----------------------------------------------------------------------------------------

def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("error: "), err
    return err


def test_bad_arguments_are_refused_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        space.main([])
    assert caught.value.code == 2 and "--out" in _one_line_error(capsys)
    with pytest.raises(SystemExit) as caught:
        space.main(["--out", str(tmp_path / "a"), "--hardware", "tpu"])
    assert caught.value.code == 2 and "tpu" in _one_line_error(capsys)
    assert space.main(["--out", str(tmp_path / "b"), "--repo-id", "no slash"]) == 2
    assert "OWNER/NAME" in _one_line_error(capsys) and not (tmp_path / "b").exists()
    assert space.main(["--out", str(tmp_path / "c"), "--private"]) == 2
    assert "--repo-id" in _one_line_error(capsys)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("mine")
    assert space.main(["--out", str(tmp_path / "d")]) == 2
    assert "not empty" in _one_line_error(capsys) and (tmp_path / "d" / "keep.txt").read_text() == "mine"
    assert space.main(["--out", str(ROOT / "ui" / "space")]) == 2
    assert "inside what it copies" in _one_line_error(capsys) and not (ROOT / "ui" / "space").exists()


def test_publishing_without_a_token_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_OIDC_RESOURCE", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    monkeypatch.setattr(constants, "HF_STORED_TOKENS_PATH", str(tmp_path / "no-tokens"))
    assert space.main(["--out", str(tmp_path / "space"), "--repo-id", "someone/aegan-studio"]) == 2
    assert "no Hugging Face token" in _one_line_error(capsys)
    assert not (tmp_path / "space").exists()  # refused before anything was staged


def test_publishing_without_a_network_is_refused_in_one_line(tmp_path):
    """A real process: a token, no HF_HUB_OFFLINE, and a Hub endpoint where nothing listens."""
    from test_app import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE"))}
    env.update(HF_TOKEN="hf_not_a_real_token", HF_HOME=str(tmp_path / "hf"),
               HF_ENDPOINT=f"http://127.0.0.1:{free_port()}")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "space.py"), "--out", str(tmp_path / "space"),
                           "--repo-id", "someone/aegan-studio"], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: publishing") and "cannot reach http://127.0.0.1:" in done.stderr
    assert done.stdout.startswith("staged ")


def test_publish_creates_the_space_and_mirrors_the_folder(tmp_path, monkeypatch, capsys):
    from huggingface_hub import HfApi

    calls = []
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: calls.append(("create", repo_id, kw))
                        or f"https://huggingface.co/spaces/{repo_id}")
    monkeypatch.setattr(HfApi, "update_repo_settings", lambda self, repo_id, **kw: calls.append(("settings", kw)))
    monkeypatch.setattr(HfApi, "upload_folder", lambda self, **kw: calls.append(("upload", kw)))
    assert space.main(["--out", str(tmp_path / "space"), "--repo-id", "someone/aegan-studio", "--private"]) == 0
    (_, repo_id, create), (_, settings), (_, upload) = calls
    assert repo_id == "someone/aegan-studio" and settings == {"private": True, "repo_type": "space"}
    assert create["repo_type"] == "space" and create["space_sdk"] == "gradio" and create["exist_ok"]
    assert upload["repo_type"] == "space" and Path(upload["folder_path"]) == tmp_path / "space"
    assert upload["delete_patterns"] == "*"  # the Space becomes exactly the folder
    assert "published: https://huggingface.co/spaces/someone/aegan-studio" in capsys.readouterr().out


# --- the staged app, alone ----------------------------------------------------------------------------

# One endpoint per tab, called with these inputs by parameter name; any other parameter keeps its default.
def _tab_calls(tmp_path: Path) -> dict[str, dict]:
    from gradio_client import handle_file

    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 12:16] = 255  # a one
    big = Image.fromarray(np.kron(digit, np.ones((10, 10), np.uint8))).convert("RGB")
    big.save(tmp_path / "digit.png")
    layer = np.zeros((280, 280, 4), np.uint8)
    layer[140:, :] = (255, 48, 48, 255)  # the lower half painted as missing
    Image.fromarray(layer).save(tmp_path / "mask.png")
    editor = {"background": handle_file(tmp_path / "digit.png"), "layers": [handle_file(tmp_path / "mask.png")],
              "composite": handle_file(tmp_path / "digit.png")}
    return {
        "/sample": {"dataset": "mnist", "count": 4},  # class sampler
        "/encode": {"dataset": "mnist"},  # latent explorer: both endpoints from their default seeds
        "/repair": {"dataset": "mnist", "editor": editor},  # image repair
        "/text_to_image": {"dataset": "mnist", "prompt": "a bold slanted seven"},  # text to image
        "/analogy": {"dataset": "mnist", "picture": handle_file(tmp_path / "digit.png")},  # style transfer
    }


def _arguments(info: dict, given: dict) -> list:
    args = []
    for parameter in info["parameters"]:
        name = parameter.get("parameter_name")
        if name in given:
            args.append(given[name])
        elif parameter.get("parameter_has_default"):
            args.append(parameter.get("parameter_default"))
        elif parameter.get("component", "").lower() in ("imageeditor", "sketchpad", "paint"):
            args.append({"background": None, "layers": [], "composite": None})  # an untouched editor
        else:
            args.append(None)  # what an empty input sends
    return args


def _third_party_imports(folder: Path) -> set[str]:
    """Top-level names the staged code imports that are neither its own, nor the standard library's, nor
    optional (imported inside a `try` that catches ImportError)."""
    import ast

    local = {p.name.removesuffix(".py") for p in folder.iterdir()}
    names = set()
    for path in folder.rglob("*.py"):
        tree = ast.parse(path.read_text())
        optional = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                    isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                    or isinstance(h.type, ast.Tuple) and {"ImportError", "ModuleNotFoundError"}
                    & {getattr(e, "id", None) for e in h.type.elts} for h in node.handlers):
                optional |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in local and n not in sys.stdlib_module_names and n != "__future__"}


def _imported_at_run_time(log: str) -> set[str]:
    """Top-level modules a process imported, from its PYTHONPROFILEIMPORTTIME lines."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the staged app exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the staged app did not answer within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.mark.slow
def test_the_staged_app_alone_serves_every_tab(staged, tmp_path):
    from gradio_client import Client
    from test_app import free_port

    folder = tmp_path / "space"
    shutil.copytree(staged, folder)  # nothing of the repository beside it
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AEGAN_", "GRADIO_", "PYTHON"))}
    env.update(GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False",
               GRADIO_TEMP_DIR=str(tmp_path / "gradio"), AEGAN_DEVICE="cpu", HF_HUB_OFFLINE="1",
               PYTHONPROFILEIMPORTTIME="1")  # every import it makes, to check the requirements below
    log = tmp_path / "app.log"
    # A child inherits an ignored SIGINT (as under a shell's background job) but not a handler: with one set
    # here, the app starts with SIGINT at its default, as under `docker run`.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with log.open("w") as out:
            process = subprocess.Popen([sys.executable, "app.py"], cwd=folder, env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        _wait_for(f"http://127.0.0.1:{port}/", process, log, seconds=180)
        client = Client(f"http://127.0.0.1:{port}/", download_files=False, verbose=False)
        endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        results = {}
        for api_name, given in _tab_calls(tmp_path).items():
            assert api_name in endpoints, sorted(endpoints)
            results[api_name] = client.predict(*_arguments(endpoints[api_name], given), api_name=api_name)
        assert len(results["/sample"][0]) == 4  # the gallery: the shipped model drew four images
        process.send_signal(signal.SIGINT)  # what `docker stop` sends (the Dockerfile's STOPSIGNAL)
        assert process.wait(timeout=10) == 0  # a clean exit within docker stop's grace period
        # Every library the staged code imported while serving is one its requirements.txt names.
        from importlib.metadata import packages_distributions

        from packaging.requirements import Requirement

        used = _third_party_imports(folder) & _imported_at_run_time(log.read_text())
        assert {"torch", "gradio", "numpy"} <= used
        lines = [line.split("#")[0].strip() for line in (folder / "requirements.txt").read_text().splitlines()]
        required = {Requirement(line).name.lower().replace("_", "-") for line in lines
                    if line and not line.startswith("-")}
        distributions = packages_distributions()
        missing = {name: distributions.get(name) for name in used if not any(
            d.lower().replace("_", "-") in required for d in distributions.get(name, [name]))}
        assert missing == {}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# --- checkpoint cards and publishing ---------------------------------------------------------------------

def _card(folder: Path) -> dict:
    text = (folder / "README.md").read_text()
    assert text.startswith("---\n"), folder
    return yaml.safe_load(text.split("---\n")[1])


def test_every_checkpoint_card_has_the_hub_fields():
    folders = sorted(p.parent for p in (ROOT / "checkpoints").rglob("model.safetensors"))
    assert any("classifiers" in f.parts for f in folders) and len(folders) >= 6
    hub_ids = {"fashion-mnist": "zalando-datasets/fashion_mnist", "mnist": "ylecun/mnist"}
    for folder in folders:
        card = _card(folder)
        assert {"library_name", "license", "pipeline_tag", "datasets", "tags"} <= set(card), folder
        dataset = folder.name if "classifiers" in folder.parts else folder.name.rsplit("-", 1)[0]
        assert card["datasets"] == [hub_ids[dataset]] and dataset in card["tags"], folder
        if "classifiers" in folder.parts:
            assert card["pipeline_tag"] == "image-classification"
        elif folder.name.endswith("text2img"):
            assert card["pipeline_tag"] == "text-to-image"
        else:
            assert card["pipeline_tag"] == "unconditional-image-generation"


def test_regenerated_card_keeps_its_metrics(tmp_path):
    from aegan.modelcard import write_model_card

    folder = tmp_path / "mnist-cgan"
    shutil.copytree(ROOT / "checkpoints" / "mnist-cgan", folder)
    write_model_card(folder)
    shipped, again = (ROOT / "checkpoints" / "mnist-cgan" / "README.md").read_text(), (folder / "README.md").read_text()
    assert again == shipped  # the shipped card is what write_model_card writes
    assert _card(folder)["pipeline_tag"] == "unconditional-image-generation" and "| metric |" in again


def _fake_hub(monkeypatch, remote: Path) -> list:
    """HfApi's create_repo and upload_folder, done on a local folder: what upload_folder would send."""
    import fnmatch

    from huggingface_hub import HfApi

    calls = []

    def upload_folder(self, *, repo_id, folder_path, ignore_patterns=None, **kw):
        calls.append(dict(repo_id=repo_id, folder_path=folder_path, ignore_patterns=ignore_patterns, **kw))
        for path in Path(folder_path).rglob("*"):
            relative = path.relative_to(folder_path).as_posix()
            if path.is_file() and not any(fnmatch.fnmatch(relative, p) for p in ignore_patterns or []):
                (remote / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, remote / relative)

    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    monkeypatch.setattr(HfApi, "create_repo", lambda self, repo_id, **kw: f"https://huggingface.co/{repo_id}")
    monkeypatch.setattr(HfApi, "upload_folder", upload_folder)
    return calls


def test_publish_uploads_the_whole_checkpoint_folder_which_loads_back_the_same(tmp_path, monkeypatch):
    from aegan.hub import publish
    from aegan.models import load_model
    from aegan.pipeline import sample

    folder = tmp_path / "mnist-cgan"
    shutil.copytree(ROOT / "checkpoints" / "mnist-cgan", folder)
    (folder / "__pycache__").mkdir()
    (folder / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (folder / "old-weights.bin").write_bytes(b"\0")  # a pickle: never published
    remote = tmp_path / "hub"
    calls = _fake_hub(monkeypatch, remote)
    assert publish(folder, "someone/mnist-cgan") == "https://huggingface.co/someone/mnist-cgan"
    assert len(calls) == 1 and calls[0]["repo_type"] == "model"
    shipped = sorted(p.name for p in (ROOT / "checkpoints" / "mnist-cgan").iterdir())
    assert sorted(p.name for p in remote.iterdir()) == shipped  # the card, samples.png, directions, metrics...
    assert (remote / "README.md").read_text() == (folder / "README.md").read_text()
    assert {"samples.png", "latent_directions.safetensors", "metrics.json", "training.json"} <= set(shipped)
    original = sample(load_model(ROOT / "checkpoints" / "mnist-cgan"), 20, seed=3)[0]
    loaded = sample(load_model(remote), 20, seed=3)[0]
    assert torch.equal(original, loaded)


def test_a_tiny_model_saved_carded_and_published_loads_back_the_same(tiny_model, tmp_path, monkeypatch):
    from aegan.hub import publish
    from aegan.modelcard import write_model_card
    from aegan.models import load_model
    from aegan.pipeline import sample

    folder = tmp_path / "tiny-cgan"
    tiny_model.save_pretrained(folder)
    write_model_card(folder)
    remote = tmp_path / "hub"
    _fake_hub(monkeypatch, remote)
    publish(folder, "someone/tiny-cgan")
    assert "More Information Needed" not in (remote / "README.md").read_text()  # our card, not the template
    assert torch.equal(sample(tiny_model, 8, seed=1)[0], sample(load_model(remote), 8, seed=1)[0])


def test_publish_refuses_a_folder_without_its_card_in_one_line(tiny_model, tmp_path):
    from aegan.hub import PublishError, publish
    from aegan.modelcard import write_model_card

    folder = tmp_path / "tiny"
    tiny_model.save_pretrained(folder)
    (folder / "README.md").write_text("# no YAML\n")
    with pytest.raises(PublishError, match="no YAML block"):
        publish(folder, "someone/tiny")
    with pytest.raises(PublishError, match="not found"):
        publish(tmp_path / "missing", "someone/tiny")
    write_model_card(folder)
    with pytest.raises(PublishError, match="OWNER/NAME"):
        publish(folder, "../etc")
