"""Your own images (issue 16, item 4): a folder of them trained from the command line, unusable files reported
and skipped, bad folders refused in one line; the page's "Your images" tab through the real server (tiny models,
$AEGAN_LIVE=tiny): images added under labels, a fine-tune, the session's model in the other tabs (and only
there), the nearest of your images beside each sample, bad uploads in one sentence, and everything deleted when
the session ends."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, PngImagePlugin

from aegan.data import load_dataset, load_folder
from aegan.errors import InputError
from test_app import error_of

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning")]


def strokes(k: int, count: int) -> np.ndarray:
    """`count` synthetic strokes of class k: uint8 [count, 28, 28], light ink on black."""
    data = load_dataset("synthetic", "train")
    return data.images[data.labels == k][:count]


def write_folder(root: Path, classes: dict[str, int], per_class: int = 8) -> Path:
    """A folder of class subfolders, each image saved as a person might: dark ink on white, bigger, as JPEG/PNG."""
    for name, k in classes.items():
        (root / name).mkdir(parents=True, exist_ok=True)
        for i, image in enumerate(strokes(k, per_class)):
            picture = Image.fromarray(255 - image).resize((56, 42))
            picture.convert("RGB").save(root / name / f"{i}.jpg") if i % 2 else picture.save(root / name / f"{i}.png")
    return root


def add_odd_files(root: Path) -> dict[str, str]:
    """Files a real folder holds beside its images; -> relative path: what its report must say."""
    good = (root / "flat" / "0.png").read_bytes()
    (root / "flat" / "cut.png").write_bytes(good[: len(good) // 2])
    (root / "flat" / "notes.txt").write_text("not a picture\n")
    (root / "steep" / "empty.png").write_bytes(b"")
    Image.new("L", (4100, 4100), 255).save(root / "steep" / "huge.png")
    Image.new("LAB", (30, 30)).save(root / "steep" / "lab.tif")
    Image.new("L", (40, 40), 255).save(root / "steep" / "blank.png")
    (root / "flat" / "nested").mkdir()
    (root / "README.txt").write_text("my images\n")
    # odd but usable: a 16-bit grayscale PNG and a CMYK JPEG, read like any upload
    Image.fromarray((255 - strokes(0, 1)[0]).astype(np.uint16) * 257).save(root / "flat" / "deep.png")
    Image.fromarray(255 - strokes(5, 1)[0]).convert("CMYK").save(root / "steep" / "print.jpg")
    return {"flat/cut.png": "not an image this app can read", "flat/notes.txt": "not an image this app can read",
            "steep/empty.png": "not an image this app can read", "steep/huge.png": "the limit is",
            "steep/lab.tif": "'LAB' mode cannot be read", "steep/blank.png": "blank",
            "flat/nested": "a folder inside a class folder", "README.txt": "not inside a class subfolder"}


@pytest.fixture
def folder(tmp_path) -> tuple[Path, dict[str, str]]:
    root = write_folder(tmp_path / "my strokes", {"flat": 0, "steep": 5, "tilted": 9})
    return root, add_odd_files(root)


# --- the library: reading a folder ------------------------------------------------------------------------------

def test_a_folder_is_read_as_uploads_are_and_odd_files_are_skipped_with_why(folder):
    from aegan.images import prepare_image

    root, odd = folder
    report = load_folder(root)
    data = report.data
    assert data.class_names == ["flat", "steep", "tilted"]  # the subfolders, sorted: class ids
    assert np.bincount(data.labels).tolist() == [9, 9, 8]  # 8 each, and the 16-bit and CMYK files
    assert dict(report.skipped).keys() == odd.keys()
    for path, why in report.skipped:
        assert odd[path] in why, (path, why)
    first = prepare_image(Image.open(root / "flat" / "0.png"))[0]  # exactly the app's conversion of an upload
    assert (data.images[0] == first).all() and data.images.shape[1:] == (28, 28)
    summary = report.summary()
    assert summary.startswith("read 26 images in 3 classes (flat 9, steep 9, tilted 8)\nskipped 8 files:")
    assert "  steep/lab.tif: images in Pillow's 'LAB' mode cannot be read" in summary


@pytest.mark.parametrize("layout, says", [
    (None, "no such folder"),
    ("file", "is a file; give a folder with one subfolder of images per class"),
    ({}, "has no subfolders"),
    ({"loose.png": 0}, "has no subfolders"),
    ({f"class {k}": 2 for k in range(11)}, "11 class subfolders, and the limit is 10"),
    ({"only": 30}, "1 class, and a conditional model needs at least 2"),
    ({"a": 10, "b": 9}, "19 usable images, and at least 20 are needed"),
    ({"a": 20, "b": 0}, "class 'b' has no usable image"),
])
def test_bad_folders_are_refused_in_one_line_with_status_2(tmp_path, capsys, layout, says):
    from training.__main__ import main

    root = tmp_path / "data"
    if layout == "file":
        root.write_text("x")
    elif layout is not None:
        root.mkdir()
        for name, count in layout.items():
            if name.endswith(".png"):
                Image.fromarray(strokes(0, 1)[0]).save(root / name)
                continue
            (root / name).mkdir()
            for i, image in enumerate(strokes(0, count) if count <= 32 else np.repeat(strokes(0, 1), count, 0)):
                Image.fromarray(image).save(root / name / f"{i}.png")
    code = main(["train", "--data", str(root), "--runs-dir", str(tmp_path / "runs"), "--no-progress"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error: ")]
    assert code == 2 and len(lines) == 1 and says in lines[0], err
    assert "Traceback" not in err and not (tmp_path / "runs").exists()


# --- the command line: train on a folder ---------------------------------------------------------------------

def test_the_command_line_fine_tunes_on_a_folder_and_the_model_carries_its_class_names(folder, tmp_path, capsys,
                                                                                      tiny_checkpoint):
    from aegan.__main__ import main as aegan_main
    from aegan.models import load_model
    from training.__main__ import main

    root, odd = folder
    common = ["--runs-dir", str(tmp_path / "runs"), "--checkpoints-dir", str(tmp_path / "out"), "--no-progress",
              "--ae-steps", "2", "--gan-steps", "2"]
    assert main(["train", "--data", str(root), "--init-from", str(tiny_checkpoint), *common]) == 0
    err = capsys.readouterr().err
    assert "read 26 images in 3 classes (flat 9, steep 9, tilted 8)" in err and "skipped 8 files:" in err
    for path, why in odd.items():
        assert f"  {path}: " in err
    assert f"fine-tuning {tiny_checkpoint} (a warm start: 26 images is a small set), 2 autoencoder + 2 GAN steps" in err
    assert "classes: 0 = flat, 1 = steep, 2 = tilted" in err
    out = tmp_path / "out" / "own-my-strokes"  # never a shipped model's folder
    config = json.loads((out / "config.json").read_text())
    assert config["class_names"] == ["flat", "steep", "tilted"] and config["num_classes"] == 3
    model = load_model(out)
    assert model.class_names == ["flat", "steep", "tilted"]
    options = json.loads(next((tmp_path / "runs").glob("*-my-strokes/options.json")).read_text())
    assert options["data_folder"] == str(root.resolve()) and options["init_from"] == str(tiny_checkpoint)

    npz = tmp_path / "steep.npz"
    assert aegan_main(["sample", "--model", str(out), "--n", "3", "--label", "Steep", "--out", str(npz)]) == 0
    assert np.load(npz)["labels"].tolist() == [1, 1, 1]
    assert "(labels: 0 = flat, 1 = steep, 2 = tilted)" in capsys.readouterr().err
    assert aegan_main(["sample", "--model", str(out), "--n", "3", "--label", "cat", "--out", str(npz)]) == 2
    assert capsys.readouterr().err == "error: this model has no class named 'cat'; its classes: flat, steep, tilted\n"

    # a folder run resumes from its folder, as any run does
    run = next((tmp_path / "runs").glob("*-my-strokes"))
    assert main(["train", "--resume", str(run), "--gan-steps", "3", "--no-export", "--no-progress"]) == 0
    assert json.loads((run / "done.json").read_text())["steps"] == 5


def test_a_large_folder_or_init_from_none_trains_from_scratch(folder, tmp_path, capsys):
    from training.__main__ import main
    from training.own import own_config

    root, _ = folder
    assert main(["train", "--data", str(root), "--preset", "tiny", "--init-from", "none", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "training from scratch with the tiny preset's recipe, 2 autoencoder + 2 GAN steps" in err
    assert json.loads(out)["init_from"] is None
    many = load_folder(root).data
    many.images, many.labels = np.repeat(many.images, 200, 0), np.repeat(many.labels, 200)  # 5,200 images
    cfg, said = own_config(many, preset="tiny")
    assert cfg.init_from is None and said.startswith("training from scratch")
    with pytest.raises(InputError, match="trains a text model; your own images train a class model"):
        own_config(load_folder(root).data, preset="tiny-text")
    assert main(["train", "--init-from", "none", "--preset", "tiny", "--dry-run"]) == 2


def test_fine_tuned_classes_start_where_the_base_encoder_reads_their_images(tiny_checkpoint, folder):
    from aegan.images import to_tensor
    from aegan.models import AEGAN, load_model
    from training.loop import warm_start
    from training.own import own_config

    data = load_folder(folder[0]).data
    cfg, _ = own_config(data, init_from=tiny_checkpoint)
    model = AEGAN(cfg.model)
    warm_start(model, tiny_checkpoint, data)
    base = load_model(tiny_checkpoint)
    with torch.no_grad():
        probabilities = base.encode(to_tensor(data.images))[2].softmax(1)
    mixture = torch.stack([probabilities[torch.as_tensor(data.labels) == k].mean(0) for k in range(3)])
    for part in ("generator", "discriminator"):
        new = getattr(model, part).condition.embed.weight
        assert torch.allclose(new, mixture @ getattr(base, part).condition.embed.weight, atol=1e-6)
    assert torch.equal(model.generator.project.weight, base.generator.project.weight)  # the rest is copied


def test_warm_start_refuses_a_checkpoint_of_another_width(tiny_checkpoint):
    """A start checkpoint whose layers differ in more than the class-specific tensors is refused in one line,
    instead of leaving the layers that differ untrained without a word."""
    from dataclasses import replace as changed

    from aegan.models import AEGAN, load_model
    from training.loop import warm_start

    wider = AEGAN(changed(load_model(tiny_checkpoint).config, discriminator_channels=12))
    with pytest.raises(InputError, match=r"not this model's architecture \(discriminator\."):
        warm_start(wider, tiny_checkpoint)


def test_nearest_finds_copies_and_measures_how_far_apart_images_are():
    from aegan.images import to_tensor
    from aegan.nearest import nearest, typical_distance

    bank = to_tensor(np.concatenate([strokes(0, 4), strokes(5, 4)]))
    index, distance = nearest(bank[[6, 1]], bank)
    assert index.tolist() == [6, 1] and distance.tolist() == [0.0, 0.0]
    index, distance = nearest(bank, bank, exclude_self=True)
    assert (index != torch.arange(8)).all() and (distance > 0).all()
    white = torch.ones(1, 1, 28, 28)
    assert nearest(white, -white)[1].item() == pytest.approx(1.0)  # black against white everywhere: 1
    assert typical_distance(bank) == pytest.approx(float(distance.median()))


# --- the page, through the real server ------------------------------------------------------------------------

def png(path: Path, image: np.ndarray) -> Path:
    """Dark ink on white, bigger: converted on the way in. The test's folder is written into the file's metadata:
    Gradio keeps an upload under a name made from its content, so without it two tests sending the same picture
    would share one file, and an earlier test's page, ending on its own time, could delete it under the next test."""
    info = PngImagePlugin.PngInfo()
    info.add_text("test", str(path.parent.parent))
    Image.fromarray(255 - image).resize((84, 84)).save(path, pnginfo=info)
    return path


@pytest.fixture
def own_dir(tmp_path, monkeypatch) -> Path:
    """Sessions' folders and fine-tunes (a tiny model, a few steps) in a folder of this test's."""
    monkeypatch.setenv("AEGAN_LIVE", "tiny")
    monkeypatch.setenv("AEGAN_LIVE_DIR", str(tmp_path / "live"))
    return tmp_path / "live"


def uploads(tmp_path: Path, k: int, count: int, name: str) -> list:
    from gradio_client import handle_file

    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    return [handle_file(str(png(folder / f"{i}.png", image))) for i, image in enumerate(strokes(k, count))]


def test_your_images_fine_tune_a_model_used_by_your_session_only_and_deleted_when_it_ends(server, own_dir,
                                                                                          tmp_path):
    from gradio_client import Client

    from ui.loading import session_model
    from ui.requests import upload_folder

    client = Client(server.local_url, download_files=False, verbose=False)
    gallery, summary, files, drawing = client.predict("flat", uploads(tmp_path, 0, 12, "flat"), None,
                                                      api_name="/add_images")
    assert len(gallery) == 12 and files is None and drawing is None
    assert summary.startswith("12 images under 1 label: **flat** 12. To fine-tune: 1 class, and a conditional")
    assert error_of(client, "mnist", api_name="/fine_tune").startswith("Your images: 1 class, and a conditional")
    gallery, summary, *_ = client.predict("  steep ", uploads(tmp_path, 5, 10, "steep"), None, api_name="/add_images")
    assert len(gallery) == 22 and {item["caption"] for item in gallery} == {"flat", "steep"}
    assert summary == "22 images under 2 labels: **flat** 12, **steep** 10. Ready to fine-tune."
    assert not list(own_dir.glob("aegan-yours-*"))  # images are kept in memory; a folder only for a fine-tune
    mine = {path.read_bytes() for path in (tmp_path / "flat").glob("*.png")} | \
        {path.read_bytes() for path in (tmp_path / "steep").glob("*.png")}
    sent = [path for path in upload_folder().rglob("*.png") if path.read_bytes() in mine]
    assert len(sent) == 22  # the browser's uploads, in Gradio's upload folder

    job = client.submit("mnist", api_name="/fine_tune")
    job.result(timeout=240)
    outputs = job.outputs()
    statuses = [output[1] for output in outputs]
    # Streamed: it says it is starting before it is done (a step line in between depends on how its six tiny steps
    # fall between the runner's one-second polls, so it is not asked for).
    assert statuses[0] == "Starting: loading your images and the shipped model…" and len(statuses) >= 2, statuses
    grid, done = outputs[-1]
    assert done.startswith("**Done** in ") and "while **MNIST** is selected" in done and "flat, steep." in done
    (folder,) = own_dir.glob("aegan-yours-*")
    assert (folder / "images.npz").is_file()  # what the fine-tune's child process read
    session = client.session_hash
    own = session_model(session, "mnist")
    assert own is not None and own.folder.parent == folder and own.model.class_names == ["flat", "steep"]
    assert not list(own_dir.glob("aegan-live-*"))  # the fine-tune's run folder is gone; the model stays

    # every tab of this session draws with its model while MNIST is selected, and with the shipped one otherwise
    samples, _ = client.predict("mnist", -1, 0, 4, 1.0, api_name="/sample")
    assert [s["caption"].split(" · ")[1] for s in samples] == ["flat", "flat", "steep", "steep"]
    assert error_of(client, "mnist", 5, 0, 4, 1.0, api_name="/sample") == \
        "Label 5 is out of range; this model has classes 0..1."
    shipped, _ = client.predict("fashion-mnist", -1, 0, 2, 1.0, api_name="/sample")
    assert shipped[1]["caption"].endswith("sandal")
    names = client.predict("mnist", api_name="/class_names")[2]["choices"]
    assert names == [["all classes", -1], ["flat", 0], ["steep", 1]]
    *_, guess, _ = client.predict("mnist", {"background": None, "layers": [], "composite": None},
                                  uploads(tmp_path, 7, 1, "style")[0], api_name="/analogy")  # not one added
    assert {c["label"] for c in guess["confidences"]} == {"flat", "steep"}
    other = Client(server.local_url, download_files=False, verbose=False)
    theirs, _ = other.predict("mnist", -1, 0, 2, 1.0, api_name="/sample")
    assert theirs[1]["caption"].endswith(" · 5")  # another visitor still gets the shipped MNIST model
    other.close()

    # each sample beside the nearest of your images
    pairs, verdict = client.predict("mnist", 3, api_name="/nearest")
    assert len(pairs) == 4 and all(" · nearest: " in p["caption"] for p in pairs)
    assert verdict.startswith("Your images are **") and "samples are closer than half that" in verdict

    client.close()  # the page is closed: demo.unload
    deadline = time.monotonic() + 60
    # the uploads go last (ui/yours.py _delete), so the wait includes them
    while (folder.exists() or session_model(session) is not None or any(path.exists() for path in sent)) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not folder.exists() and session_model(session) is None
    assert not any(path.exists() for path in sent)  # the browser's uploads of this session are deleted too


def test_back_to_the_shipped_model_and_start_over(server, own_dir, tmp_path):
    from gradio_client import Client

    from ui import yours
    from ui.loading import session_model
    from ui.requests import upload_folder

    client = Client(server.local_url, download_files=False, verbose=False)
    client.predict("a", uploads(tmp_path, 0, 10, "a"), None, api_name="/add_images")
    client.predict("b", uploads(tmp_path, 9, 10, "b"), None, api_name="/add_images")
    client.submit("fashion-mnist", api_name="/fine_tune").result(timeout=240)
    assert session_model(client.session_hash, "fashion-mnist") is not None
    assert client.predict("fashion-mnist", api_name="/class_names")[2]["choices"][1] == ["a", 0]
    assert client.predict(api_name="/forget_model") == "Every tab uses the shipped models again."
    assert session_model(client.session_hash) is None
    assert client.predict("fashion-mnist", api_name="/class_names")[2]["choices"][8] == ["sneaker", 7]
    assert client.predict(api_name="/forget_model") == "You have no model of your own."
    pairs, verdict = client.predict("fashion-mnist", 0, api_name="/nearest")
    assert pairs == [] and verdict.startswith("Fine-tune a model on your images first")
    client.submit("fashion-mnist", api_name="/fine_tune").result(timeout=240)  # a model again, then Start over
    sent = [path for path in upload_folder().rglob("*.png")
            if path.read_bytes() in {p.read_bytes() for p in (tmp_path / "a").glob("*.png")}]
    assert len(sent) == 10
    gallery, summary, note = client.predict(api_name="/clear_images")
    assert gallery == [] and summary.startswith("No images yet") and "deleted" in note
    assert not list(own_dir.glob("aegan-yours-*")) and session_model(client.session_hash) is None
    assert all(path.exists() for path in sent)  # the page's other tabs may still show the same files...
    session = client.session_hash
    client.close()
    deadline = time.monotonic() + 60
    while any(path.exists() for path in sent) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(path.exists() for path in sent)  # ...so they go when the page is closed
    assert session not in yours._sessions


def test_a_closed_page_deletes_only_the_uploads_nobody_else_holds(server, own_dir, tmp_path):
    """Gradio names an upload by its content, so one file can be several visitors'. A closed page deletes its
    uploads, except one another session here added too, or one that anyone sent again after this page added it
    (here from the Style tab, which Your images does not track)."""
    from gradio_client import Client

    from ui import yours
    from ui.requests import upload_folder

    first, second, third = (Client(server.local_url, download_files=False, verbose=False) for _ in range(3))
    pictures = uploads(tmp_path, 3, 4, "shared")
    first.predict("mine", pictures, None, api_name="/add_images")
    second.predict("theirs", pictures, None, api_name="/add_images")
    content = [(tmp_path / "shared" / f"{i}.png").read_bytes() for i in range(4)]
    sent = [next(path for path in upload_folder().rglob("*.png") if path.read_bytes() == data) for data in content]

    yours.end_session(first.session_hash)  # what closing the first page does (demo.unload), here and now
    assert all(path.exists() for path in sent)  # the second visitor added the same files
    third.predict("mnist", {"background": None, "layers": [], "composite": None}, pictures[0], api_name="/analogy")
    yours.end_session(second.session_hash)
    assert sent[0].exists()  # sent again by the third visitor after the second added it: theirs now
    assert not any(path.exists() for path in sent[1:])  # nobody else holds the rest
    for client in (first, second, third):
        client.close()


def test_bad_uploads_get_one_sentence(server, own_dir, tmp_path):
    from gradio_client import Client, handle_file

    client = Client(server.local_url, download_files=False, verbose=False)
    notes = tmp_path / "notes.png"
    notes.write_text("just words\n")
    blank = tmp_path / "blank.png"
    Image.new("L", (50, 50), 255).save(blank)

    def refused(label, files, drawing=None):
        return error_of(client, label, files, drawing, api_name="/add_images")

    assert refused("", uploads(tmp_path, 0, 2, "x")) == \
        "Name the label first (for example “cat”): each image you add goes under a label."
    assert refused("   ", uploads(tmp_path, 0, 2, "x")).startswith("Name the label first")
    assert refused("x" * 41, uploads(tmp_path, 0, 2, "x")) == "A label may have at most 40 characters, not 41."
    assert refused("a\tb\x00", uploads(tmp_path, 0, 2, "x")).startswith("A label may not hold control characters")
    assert refused("cat", [handle_file(str(notes))]) == \
        "“notes.png”: that file is not an image this app can read; upload a PNG, JPEG or WebP."
    assert refused("cat", [*uploads(tmp_path, 0, 2, "x"), handle_file(str(blank))]) == \
        "“blank.png” is blank once made 28x28 (nothing drawn on it); leave it out."
    assert refused("cat", None) == "Choose image files or draw one first; there is nothing to add."
    assert refused("cat", []) == "Choose image files or draw one first; there is nothing to add."
    assert error_of(client, "mnist", api_name="/fine_tune") == \
        "Add your images first: 20 to 200 of them under 2 to 10 labels."
    for k in range(10):
        client.predict(f"label {k}", uploads(tmp_path, k, 1, f"l{k}"), None, api_name="/add_images")
    assert refused("label 10", uploads(tmp_path, 0, 1, "x")).startswith(
        "You have 10 labels already, the most a model here learns; add these images under one of them (label 0,")
    assert error_of(client, "mnist", api_name="/fine_tune") == \
        "Your images: 10 usable images, and at least 20 are needed."
    many = uploads(tmp_path, 0, 32, "many") * 6  # 192 more would make 202
    assert refused("label 0", many) == "That is 192 files and there is room for 190 more images (at most 200 in all)."
    assert error_of(client, "cifar", api_name="/fine_tune").startswith("“Dataset” must be one of its choices")
    client.close()


def test_a_fine_tune_waits_for_a_live_run_the_two_share_one_slot(server, own_dir, tmp_path):
    from gradio_client import Client
    from gradio_client.utils import Status

    from test_training_tab import KNOBS, LONG, statuses, wait_for

    trainer, mine = (Client(server.local_url, download_files=False, verbose=False) for _ in range(2))
    running = trainer.submit("mnist", *LONG, *KNOBS, api_name="/train")
    wait_for(lambda: any(s.startswith("Step **") for s in statuses(running)), "the live run's frames")
    mine.predict("a", uploads(tmp_path, 0, 10, "a"), None, api_name="/add_images")
    mine.predict("b", uploads(tmp_path, 9, 10, "b"), None, api_name="/add_images")
    waiting = mine.submit("mnist", api_name="/fine_tune")
    wait_for(lambda: waiting.status().code == Status.IN_QUEUE, "the fine-tune to queue")
    assert waiting.status().rank == 0  # first in line, its place shown
    trainer.predict("mnist", api_name="/stop")
    waiting.result(timeout=240)
    assert waiting.outputs()[-1][1].startswith("**Done** in ")
    trainer.close()
    mine.close()


def test_a_full_server_refuses_a_new_visitor_and_never_deletes_a_session_in_use(server, own_dir, tmp_path,
                                                                                 monkeypatch):
    """Past MAX_SESSIONS a new visitor is told so in one line. To make room, a session holding images only gives
    way after IDLE_S without use; one with a model only after KEEP_S, and drawing with it in another tab is use."""
    from gradio_client import Client

    from ui import yours
    from ui.loading import checkpoint_dir, session_model, use_session_model

    first, second, third = (Client(server.local_url, download_files=False, verbose=False) for _ in range(3))

    def add(client, label="a"):
        return client.predict(label, uploads(tmp_path, 0, 2, label), None, api_name="/add_images")

    def refused(client):
        return error_of(client, "b", uploads(tmp_path, 9, 2, "b"), None, api_name="/add_images")

    def full():
        return (f"This server holds the images of {len(yours._sessions)} visitors already, the most it keeps; try "
                "again when one of them has closed their page.")

    # Only this test's visitors: an earlier test's page may still be ending (its unload runs on its own time).
    monkeypatch.setattr(yours, "_sessions", {})
    add(first)
    monkeypatch.setattr(yours, "MAX_SESSIONS", 1)
    assert refused(second) == full()  # the first visitor added images a moment ago
    monkeypatch.setattr(yours._sessions[first.session_hash], "used", time.monotonic() - 2 * yours.IDLE_S)
    assert len(add(second, "b")[0]) == 2  # images only, idle for longer than IDLE_S: it made room
    assert first.session_hash not in yours._sessions

    # The second visitor has a model (the shipped one, loaded as theirs) and draws with it in the sampler; their
    # last Add was long ago.
    use_session_model(second.session_hash, "mnist", checkpoint_dir("mnist"))
    second.predict("mnist", -1, 0, 2, 1.0, api_name="/sample")
    monkeypatch.setattr(yours._sessions[second.session_hash], "used", time.monotonic() - 2 * yours.KEEP_S)
    assert refused(third) == full()
    assert second.session_hash in yours._sessions and session_model(second.session_hash) is not None

    monkeypatch.setattr(yours, "KEEP_S", 0.0)  # now every session is unused for longer than KEEP_S
    assert len(add(third)[0]) == 2
    assert second.session_hash not in yours._sessions and session_model(second.session_hash) is None
    for client in (first, second, third):
        client.close()


def test_labels_take_emoji_joined_by_zero_width_joiners():
    from ui.yours import read_label

    assert read_label("👩‍💻  coder") == "👩‍💻 coder"  # woman, zero width joiner, laptop: one emoji
    for bad in ("a\u200bb", "bell\x07"):  # a zero width space, a control character
        with pytest.raises(InputError, match="control characters"):
            read_label(bad)
