"""The Gradio app through its real HTTP server: every endpoint with gradio_client, success and failure.

The server runs in this process on a free port, on tiny untrained models written to a temporary
checkpoints folder (AEGAN_CHECKPOINTS), so the tests need no dataset, no network and no GPU.
"""

from __future__ import annotations

import base64
import io
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

# Gradio's queue trips pandas deprecation warnings on every event; they are Gradio's, not ours.
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning")]

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(latent_dim=8, base_channels=8, condition_dim=8, discriminator_features=16)
API_NAMES = {"encode", "interpolate", "move_along", "interpolate_gif", "sample", "load_examples", "pick_example",
             "clicked_example", "repair", "denoise", "text_examples", "understand", "text_to_image", "analogy", "analogy_live",
             "describe_device", "class_names", "load_example", "ping",  # load_example: gr.Examples' own (fills the prompt)
             "load_film", "plot_losses", "train", "stop", "load_live_film", "end_session",  # end_session: demo.unload
             "compare_table", "compare_reconstruct", "compare_samples", "compare_walk", "latent_map_click",
             "latent_map_select_ae", "latent_map_select_vae"}  # the map clicks: browser only, like clicked_example
API_NAMES |= {"add_images", "clear_images", "fine_tune", "forget_model", "nearest", "drop_session",  # Your images
              "relabel_after_clear", "relabel_after_fine_tune", "relabel_after_forget"}  # the page's dropdowns


def write_tiny_checkpoints(root: Path, text: bool = False) -> Path:
    """Untrained tiny models in the layout the app expects: <root>/<dataset>-cgan (+ latent directions), and the
    seed's other families for the Compare tab: <root>/fashion-mnist-{ae,vae,gan} (aegan/families.py)."""
    from aegan.config import ModelConfig
    from aegan.data import CLASS_NAMES, load_dataset
    from aegan.images import to_tensor
    from aegan.latent import compute_directions, save_directions
    from aegan.models import AEGAN

    strokes = to_tensor(load_dataset("synthetic", "train").images)
    for name in ("fashion-mnist", "mnist"):
        torch.manual_seed(0)
        model = AEGAN(ModelConfig(dataset=name, class_names=CLASS_NAMES[name], **TINY)).eval()
        model.save_pretrained(root / f"{name}-cgan")
        save_directions(root / f"{name}-cgan", compute_directions(model, strokes))
        if text:  # a text model with a (blank) bank of 4 training captions, enough to answer "understood as"
            from aegan.captions import ATTRIBUTE_WORDS

            torch.manual_seed(0)
            config = ModelConfig(dataset=name, condition="text", class_names=CLASS_NAMES[name], caption_bank_size=4,
                                 num_attributes=len(ATTRIBUTE_WORDS[name]), **TINY)
            AEGAN(config).eval().save_pretrained(root / f"{name}-text2img")
    for family in ("ae", "vae", "gan"):
        torch.manual_seed(0)
        config = ModelConfig(family=family, dataset="fashion-mnist", class_names=CLASS_NAMES["fashion-mnist"], **TINY)
        AEGAN(config).eval().save_pretrained(root / f"fashion-mnist-{family}")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def text_available() -> bool:
    try:
        import aegan.text as text
    except ImportError:
        return False
    return hasattr(text, "text_to_image") and hasattr(text, "understand")


# The `server` (the app on a free loopback port) and `client` fixtures live in conftest.py, shared by the
# hostile-input and load tests.


def fetch(file_data: dict) -> bytes:
    """The bytes of an output: inline (a data: URL, as the walk's frames are) or a file to download."""
    url = file_data["url"]
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        assert header == "data:image/png;base64", header
        return base64.b64decode(payload, validate=True)
    response = httpx.get(url, timeout=30)
    response.raise_for_status()
    return response.content


def picture(file_data: dict) -> np.ndarray:
    data = fetch(file_data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "outputs must be PNG"
    return np.asarray(Image.open(io.BytesIO(data)))


def error_of(client, *args, api_name: str) -> str:
    """The one-line message the app sends back for a refused call."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as caught:
        client.predict(*args, api_name=api_name)
    message = str(caught.value)
    assert "Traceback" not in message and "\n" not in message.strip()
    return message


def png(path: Path, image: Image.Image) -> Path:
    image.save(path)
    return path


@pytest.fixture
def drawing(tmp_path):
    """A sketchpad value: a black '7' on a transparent 280x280 canvas, as the browser sends it."""
    from gradio_client import handle_file

    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).line([(60, 60), (220, 60), (120, 240)], fill=(0, 0, 0, 255), width=28)
    return {"background": None, "layers": [], "composite": handle_file(png(tmp_path / "seven.png", canvas))}


EMPTY = {"background": None, "layers": [], "composite": None}
NO_MOVES = (0.0, 0.0, 0.0, 0.0, 0.0)


def endpoints(seed_a=1, seed_b=2, a_source="seed", a_drawing=EMPTY, a_upload=None, dataset="mnist"):
    return (dataset, a_source, seed_a, -1, a_drawing, a_upload, "seed", seed_b, 3, EMPTY, None, "slerp", 0.5,
            *NO_MOVES)


# --- the app as a whole ---------------------------------------------------------------------------------

def test_every_event_has_an_api_name(server):
    config = httpx.get(f"{server.local_url}config", timeout=30).json()
    names = {d["api_name"] for d in config["dependencies"] if d["backend_fn"]}
    assert names == API_NAMES
    info = httpx.get(f"{server.local_url}gradio_api/info", timeout=30).json()["named_endpoints"]
    assert "/clicked_example" not in info  # needs a browser click's event data; pick_example is its API twin
    assert {"/encode", "/interpolate", "/sample", "/repair", "/text_to_image", "/analogy"} <= set(info)


def test_the_t_slider_sends_nothing_to_the_server(server):
    """t moves inside the page (the walk view's JavaScript): no event of the app listens to the t slider."""
    config = httpx.get(f"{server.local_url}config", timeout=30).json()
    t = next(c["id"] for c in config["components"] if c["props"].get("elem_id") == "walk-t")
    backend_triggers = {tuple(target) for d in config["dependencies"] if d["backend_fn"] for target in d["targets"]}
    assert not {target for target in backend_triggers if target[0] == t}


# Gradio's internal modules and private attributes: the app and its tests stand on the documented API only.
# (Written with [_] so that this pattern does not itself match the same check run over the repository.)
INTERNALS = re.compile(r"gradio\.(utils|route_utils|data_classes|components\.[a-z_]+|processing_utils|blocks|queueing"
                       r"|routes)\b|\((gr|gradio)\.Blocks\)|\.[_]id\b|is[_]template|block[_]fn|\b[_]queue\b|\bfns\b"
                       r"|GRADIO_ANALYTICS_CACHE_FREQUENCY")


def test_the_app_uses_only_gradios_documented_api():
    files = [ROOT / "app.py", *sorted((ROOT / "ui").glob("*.py")), *sorted((ROOT / "tests").glob("*.py"))]
    found = [f"{path.name}:{n}: {line.strip()}" for path in files if path.name != "test_app.py"
             for n, line in enumerate(path.read_text().splitlines(), 1) if INTERNALS.search(line)]
    assert not found, found
    for path in (ROOT / "ui").glob("*.py"):  # no subclass of a Gradio class, so no override of its methods
        assert not re.search(r"^class \w+\((gr|gradio)\.", path.read_text(), re.M), path.name


def test_app_sets_analytics_off_before_importing_gradio():
    source = (ROOT / "app.py").read_text()
    assert source.index('os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"') < source.index("from ui")


# Six threads alive at once, each allocating; then glibc lists its arenas ("Arena N:") on stderr.
ARENAS = """
import ctypes, sys, threading
if sys.argv[1] == "app":
    import app  # noqa: F401  (limits the arenas on import, before any thread starts, as `python app.py` does)
barrier = threading.Barrier(6)
def work():
    kept = [bytearray(1000) for _ in range(100)]  # above Python's small-object size: malloc, this thread's arena
    barrier.wait()
threads = [threading.Thread(target=work) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
ctypes.CDLL("libc.so.6").malloc_stats()
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")
def test_app_keeps_two_malloc_arenas_however_many_threads_allocate():
    def arenas(mode: str) -> int:
        env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
        out = subprocess.run([sys.executable, "-c", ARENAS, mode], cwd=ROOT, capture_output=True, text=True,
                             timeout=600, env={**env, "GRADIO_ANALYTICS_ENABLED": "False"})
        assert out.returncode == 0, out.stderr[-2000:]
        return len(re.findall(r"^Arena \d+:", out.stderr, re.M))

    assert arenas("bare") >= 4  # glibc's default: a new arena per allocating thread, up to 8 per core
    assert arenas("app") <= 2


def test_building_the_app_does_not_import_torch():
    """Fast start: torch and the models load after the page is served."""
    code = "import sys, app; from ui.studio import build_demo; build_demo(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_footer_names_the_device(client):
    assert client.predict(api_name="/describe_device").startswith("Models run on **CPU")


def test_dataset_switch_renames_the_classes(client):
    explorer_a, _, sampler = client.predict("mnist", api_name="/class_names")
    assert [c[0] for c in sampler["choices"]][:3] == ["all classes", "0", "1"]
    assert client.predict("fashion-mnist", api_name="/class_names")[2]["choices"][8][0] == "sneaker"


# --- latent explorer ----------------------------------------------------------------------------------------

def test_encode_then_walk(client):
    preview_a, note_a, preview_b, note_b, view, strip = client.predict(*endpoints(), api_name="/encode")
    assert "seed 1" in note_a and "seed 2, class **3**" in note_b
    frames = view["frames"]
    assert len(frames) == 101 and view["k"] == 50  # every position of the t slider; t = 0.5 shown
    assert all(f.startswith("data:image/png;base64,") for f in frames) and len(set(frames)) > 10
    assert picture({"url": frames[0]}).shape == (28, 28)  # the page scales it up, pixelated
    assert picture(strip).shape[1] > 10 * picture(strip).shape[0]  # one row of 11 frames
    start = picture(client.predict("mnist", 0.0, api_name="/interpolate"))
    end = picture(client.predict("mnist", 1.0, api_name="/interpolate"))
    assert not np.array_equal(start, end)
    assert np.array_equal(start[::8, ::8], picture({"url": frames[0]}))  # scripts get the page's pixels
    assert np.array_equal(end[::8, ::8], picture({"url": frames[-1]}))
    moved, _ = client.predict("mnist", "lerp", 0.0, 2.0, 0.0, 0.0, 0.0, -1.5, api_name="/move_along")
    assert moved["k"] == 0 and moved["frames"][0] != frames[0] and moved["frames"][50] != frames[50]
    assert picture({"url": moved["frames"][0]}).tolist() == picture(
        client.predict("mnist", 0.0, api_name="/interpolate"))[::8, ::8].tolist()  # the moved walk is the state


def test_a_drawing_is_read_by_the_encoder(client, drawing):
    _, note, *_ = client.predict(*endpoints(a_source="drawing", a_drawing=drawing), api_name="/encode")
    assert note.startswith("E reads it as **")


def test_an_empty_drawing_falls_back_to_the_seed(client):
    _, note, *_ = client.predict(*endpoints(a_source="drawing"), api_name="/encode")
    assert "draw on the sketchpad" in note and "seed 1" in note


@pytest.mark.parametrize("mode", ["RGBA", "P", "I;16", "LA"])
def test_uploads_in_any_mode_become_endpoints(client, tmp_path, mode):
    from gradio_client import handle_file

    image = Image.new("L", (90, 60), 255)
    ImageDraw.Draw(image).ellipse([30, 10, 60, 50], outline=0, width=6)
    if mode == "I;16":
        image = Image.fromarray(np.asarray(image, np.uint16) * 257)
    else:
        image = image.convert(mode)
    upload = handle_file(png(tmp_path / f"up-{mode.replace(';', '')}.png", image))
    _, note, *_ = client.predict(*endpoints(a_source="upload", a_upload=upload), api_name="/encode")
    assert "E reads it as" in note and "resized from 90x60 to 28x28" in note


def test_walk_needs_endpoints_first(client):
    message = error_of(client, "mnist", 0.5, api_name="/interpolate")
    assert "endpoints are not set" in message


def test_walk_refuses_out_of_range_numbers(client):
    client.predict(*endpoints(), api_name="/encode")
    assert "must be from 0 to 1, not 2.0" in error_of(client, "mnist", 2.0, api_name="/interpolate")
    assert "“Direction 1” must be from -3 to 3" in error_of(client, "mnist", "lerp", 0.5, -9.0, 0, 0, 0, 0,
                                                             api_name="/move_along")
    assert "must be one of its choices" in error_of(client, "mnist", "cubic", 0.5, *NO_MOVES,
                                                     api_name="/move_along")
    assert "“Seed” must be from 0" in error_of(client, *endpoints(seed_a=-1), api_name="/encode")


def test_walk_exports_an_animated_gif(client):
    client.predict(*endpoints(), api_name="/encode")
    gif = client.predict("mnist", api_name="/interpolate_gif")
    image = Image.open(io.BytesIO(fetch(gif)))
    assert image.format == "GIF" and image.n_frames > 20 and image.size == (112, 112)


# --- class sampler ---------------------------------------------------------------------------------------------

def test_sample_same_seed_same_images_with_realness(client):
    gallery, summary = client.predict("fashion-mnist", -1, 5, 20, 1.0, api_name="/sample")
    again, _ = client.predict("fashion-mnist", -1, 5, 20, 1.0, api_name="/sample")
    other, _ = client.predict("fashion-mnist", -1, 6, 20, 1.0, api_name="/sample")
    assert len(gallery) == 20 and "mean" in summary
    assert re.fullmatch(r"D 0\.\d\d · T-shirt/top", gallery[0]["caption"])
    assert gallery[-1]["caption"].endswith("ankle boot")
    assert [fetch(g["image"]) for g in gallery] == [fetch(g["image"]) for g in again]
    assert fetch(gallery[0]["image"]) != fetch(other[0]["image"])
    assert picture(gallery[0]["image"]).shape == (112, 112)


def test_sample_one_class_and_bad_numbers(client):
    gallery, _ = client.predict("mnist", 7, 0, 3, 0.5, api_name="/sample")
    assert [g["caption"][-1] for g in gallery] == ["7", "7", "7"]
    assert "“How many” must be from 1 to 64, not 65" in error_of(client, "mnist", -1, 0, 65, 1.0, api_name="/sample")
    assert "“How many” must be from 1 to 64, not 0" in error_of(client, "mnist", -1, 0, 0, 1.0, api_name="/sample")
    assert "“How many” must be a whole number" in error_of(client, "mnist", -1, 0, 2.5, 1.0, api_name="/sample")
    assert "must be from 0 to 2" in error_of(client, "mnist", -1, 0, 4, 2.5, api_name="/sample")
    assert "must be one of its choices" in error_of(client, "mnist", 12, 0, 4, 1.0, api_name="/sample")
    assert "must be one of its choices" in error_of(client, "cifar", -1, 0, 4, 1.0, api_name="/sample")


# --- image repair --------------------------------------------------------------------------------------------

def editor_value(tmp_path, image: np.ndarray, painted_rows: slice | None):
    """What the editor sends: the example at 280x280 and a red brush layer over 28x28-pixel rows."""
    from gradio_client import handle_file

    background = Image.fromarray(np.kron(image, np.ones((10, 10), np.uint8))).convert("RGB")
    layer = np.zeros((280, 280, 4), np.uint8)
    if painted_rows is not None:
        layer[painted_rows.start * 10 : painted_rows.stop * 10, :] = (255, 48, 48, 255)
    bg = handle_file(png(tmp_path / "bg.png", background))
    return {"background": bg, "layers": [handle_file(png(tmp_path / "layer.png", Image.fromarray(layer)))],
            "composite": bg}


def test_examples_ship_with_the_app(client):
    gallery = client.predict("mnist", api_name="/load_examples")
    assert len(gallery) == 12 and [g["caption"] for g in gallery[:10]] == [str(d) for d in range(10)]
    editor, original = client.predict("fashion-mnist", 7, api_name="/pick_example")
    assert editor["background"] is not None and editor["layers"] == [] and picture(original).shape == (224, 224)
    assert "“Example” must be from 0 to 11, not 12" in error_of(client, "mnist", 12, api_name="/pick_example")


def test_repair_keeps_every_unmasked_pixel(client, tmp_path):
    from ui.media import examples

    image = examples("mnist")[0][5]
    masked, repaired, original, guess, notes = client.predict(
        "mnist", editor_value(tmp_path, image, slice(14, 28)), api_name="/repair")
    assert "392 of 784 pixels were missing" in notes
    assert {c["label"] for c in guess["confidences"]} <= {str(d) for d in range(10)}
    fixed = picture(repaired)[::8, ::8]  # back to 28x28 (the display is 8x nearest)
    assert np.array_equal(fixed[:14], image[:14])
    assert np.array_equal(picture(original)[::8, ::8], image)
    assert picture(masked)[200, 100].tolist() == [200, 40, 40]  # the hole in red


def test_repair_refuses_empty_masks_and_missing_images(client, tmp_path):
    from ui.media import examples

    image = examples("mnist")[0][0]
    assert "mask is empty" in error_of(client, "mnist", editor_value(tmp_path, image, None), api_name="/repair")
    assert "pick a test image" in error_of(client, "mnist", EMPTY, api_name="/repair").lower()


def test_repair_of_a_fully_masked_image_still_answers(client, tmp_path):
    from ui.media import examples

    image = examples("fashion-mnist")[0][0]
    *_, notes = client.predict("fashion-mnist", editor_value(tmp_path, image, slice(0, 28)), api_name="/repair")
    assert "784 of 784 pixels were missing" in notes and "random" in notes


def test_repair_refuses_a_file_that_is_not_an_image(client, tmp_path):
    from gradio_client import handle_file

    fake = tmp_path / "notes.png"
    fake.write_text("this is not a picture")
    value = {"background": handle_file(str(fake)), "layers": [], "composite": None}
    assert "not an image this app can read" in error_of(client, "mnist", value, api_name="/repair")


# --- removing noise (the repair tab's second part) -------------------------------------------------------------

def test_denoise_adds_seeded_noise_and_shows_four_pictures(client, tmp_path):
    from aegan.noise import Noise, add_noise
    from ui.media import examples

    image = examples("fashion-mnist")[0][3]
    editor = editor_value(tmp_path, image, None)
    noisy, repaired, filtered, original, why = client.predict(
        "fashion-mnist", editor, "add", 40, 10, 3, None, api_name="/denoise")
    expected = add_noise(image, Noise(sigma=40, impulse=0.1), seed=3)
    assert np.array_equal(picture(noisy)[::8, ::8], expected)  # library noise, drawn from the seed
    assert np.array_equal(picture(original)[::8, ::8], image)
    assert picture(repaired).shape == picture(filtered).shape == (224, 224)
    assert "Noise found in the image" in why and "median filter" in why and "PSNR" in why
    again = client.predict("fashion-mnist", editor, "add", 40, 10, 3, None, api_name="/denoise")
    assert fetch(again[0]) == fetch(noisy)  # the same seed: every student sees the same picture
    other = client.predict("fashion-mnist", editor, "add", 40, 10, 4, None, api_name="/denoise")
    assert fetch(other[0]) != fetch(noisy)


def test_denoise_takes_an_image_that_is_already_noisy(client, tmp_path):
    from gradio_client import handle_file

    from aegan.noise import Noise, add_noise
    from ui.media import examples

    noisy = add_noise(examples("mnist")[0][7], Noise(impulse=0.2), seed=0)
    upload = handle_file(png(tmp_path / "noisy.png", Image.fromarray(np.kron(noisy, np.ones((8, 8), np.uint8)))))
    shown, repaired, filtered, original, why = client.predict(
        "mnist", EMPTY, "noisy", 0, 0, 0, upload, api_name="/denoise")
    assert np.array_equal(picture(shown)[::8, ::8], noisy)  # an 8x enlargement is read back pixel for pixel
    assert original is None and "salt-and-pepper" in why and "PSNR" not in why


def test_denoise_refuses_in_one_sentence(client, tmp_path):
    from ui.media import examples

    editor = editor_value(tmp_path, examples("mnist")[0][0], None)
    assert "both are 0" in error_of(client, "mnist", editor, "add", 0, 0, 0, None, api_name="/denoise")
    assert "from 0 to 128" in error_of(client, "mnist", editor, "add", 300, 0, 0, None, api_name="/denoise")
    assert "from 0 to 90" in error_of(client, "mnist", editor, "add", 0, 95, 0, None, api_name="/denoise")
    assert "pick a test image" in error_of(client, "mnist", EMPTY, "add", 40, 0, 0, None, api_name="/denoise").lower()
    assert "upload a noisy image" in error_of(client, "mnist", editor, "noisy", 40, 0, 0, None, api_name="/denoise").lower()


# --- style transfer -------------------------------------------------------------------------------------------

def test_analogy_draws_the_style_in_every_class(client, drawing):
    seen, gallery, guess, _ = client.predict("fashion-mnist", drawing, None, api_name="/analogy")
    assert [g["caption"] for g in gallery][7] == "sneaker" and len(gallery) == 10
    assert picture(seen).shape == (112, 112) and guess["label"]


def test_analogy_refuses_an_empty_canvas_but_live_mode_just_clears(client):
    assert "canvas is empty" in error_of(client, "mnist", EMPTY, None, api_name="/analogy")
    seen, gallery, guess, note = client.predict("mnist", EMPTY, None, api_name="/analogy_live")
    assert seen is None and not gallery and not guess and note == ""


def test_analogy_handles_huge_uploads_and_refuses_bombs(client, tmp_path):
    from gradio_client import handle_file

    big = Image.new("L", (4000, 4000), 0)
    ImageDraw.Draw(big).ellipse([1000, 500, 3000, 3500], outline=255, width=300)
    *_, note = client.predict("mnist", EMPTY, handle_file(png(tmp_path / "big.png", big)), api_name="/analogy")
    assert "resized from 4000x4000 to 28x28" in note
    huge = png(tmp_path / "huge.png", Image.new("L", (5000, 5000), 0))
    assert "the limit is" in error_of(client, "mnist", EMPTY, handle_file(huge), api_name="/analogy")
    text = tmp_path / "essay.jpg"
    text.write_bytes(b"\x00\x01 not a jpeg")
    assert "not an image this app can read" in error_of(client, "mnist", EMPTY, handle_file(str(text)),
                                                        api_name="/analogy")


# --- text to image -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("prompt, message", [
    ("", "type a sentence first"), ("   ", "type a sentence first"), ("shoe " * 60, "keep it under 200"),
    ("👟👟🔥", "no words in it"),
])
def test_text_to_image_refuses_bad_prompts(client, prompt, message):
    assert message in error_of(client, "fashion-mnist", prompt, 4, 0, api_name="/text_to_image").lower()


def test_text_to_image_bad_numbers(client):
    assert "must be from 1 to 32, not 33" in error_of(client, "mnist", "a seven", 33, 0, api_name="/text_to_image")


def test_understand_is_quiet_while_typing(client):
    assert client.predict("mnist", "", api_name="/understand") == ""
    assert client.predict("mnist", "👟", api_name="/understand").startswith("_The prompt has no words")


def test_text_examples_follow_the_dataset(client):
    _, status = client.predict("mnist", api_name="/text_examples")
    assert status == "" if text_available() else "No text-to-image model" in status


@pytest.mark.skipif(text_available(), reason="aegan.text is there: the success path below runs instead")
def test_text_to_image_says_when_it_is_not_available(client):
    message = error_of(client, "mnist", "a bold seven", 4, 0, api_name="/text_to_image")
    assert "needs the Python package" in message or "No text-to-image model" in message


@pytest.mark.skipif(not text_available(), reason="aegan.text is not in this build yet")
def test_text_to_image_makes_images_and_says_what_it_understood(client):
    gallery, understood = client.predict("fashion-mnist", "a pair of running shoes", 3, 0, api_name="/text_to_image")
    assert len(gallery) == 3 and understood.startswith("**")
    again, _ = client.predict("fashion-mnist", "a pair of running shoes", 3, 0, api_name="/text_to_image")
    assert [fetch(g["image"]) for g in gallery] == [fetch(g["image"]) for g in again]


# --- compare models (the seed's families on the same input) ----------------------------------------------------

def shrink(file_data: dict, scale: int) -> np.ndarray:
    """A crisp model picture shown `scale` times bigger -> its 28x28 (or 28-high strip) pixels."""
    pixels = picture(file_data)
    return pixels[scale // 2 :: scale, scale // 2 :: scale]


def tiles(file_data: dict, count: int, scale: int = 3) -> list[np.ndarray]:
    """The 28x28 images of a strip (aegan.images.make_grid, one row, 2-pixel padding) shown `scale` times bigger."""
    pixels = shrink(file_data, scale)
    assert pixels.shape == (32, count * 30 + 2), pixels.shape
    return [pixels[2:30, 2 + 30 * i : 30 + 30 * i] for i in range(count)]


def tiny_family(root: Path, kind: str):
    from aegan.models import load_model

    return load_model(root / f"fashion-mnist-{kind}")


def test_compare_reconstructs_the_same_image_with_every_family(client):
    from aegan.images import to_tensor, to_uint8
    from aegan.pipeline import reconstruct
    from ui.compare import MAP_SIZE
    from ui.media import examples

    root = Path(os.environ["AEGAN_CHECKPOINTS"])
    seen, ae, vae, gan, aegan, text, map_ae, map_vae, map_note = client.predict(
        "fashion-mnist", "example", 3, EMPTY, None, api_name="/compare_reconstruct")
    image = examples("fashion-mnist")[0][3]
    assert np.array_equal(shrink(seen, 5), image)
    for shown, kind in ((ae, "ae"), (vae, "vae"), (aegan, "cgan")):  # E then G, as the library computes it
        expected = to_uint8(reconstruct(tiny_family(root, kind), to_tensor(image)))[0]
        assert np.array_equal(shrink(shown, 5), expected), kind
    assert shrink(gan, 5).shape == (28, 28)  # the GAN's nearest sample: it has no encoder
    assert "test image 3 (a dress)" in text and "PSNR" in text and "nearest of its 256 samples" in text
    for mapped in (map_ae, map_vae):
        pixels = picture(mapped)
        assert pixels.shape == (MAP_SIZE, MAP_SIZE, 3)
        assert (pixels == 0).all(axis=2).any()  # the input's ring: the dots' colours are never black
    assert re.search(r"the AE \(autoencoder\)'s map holds \d+% of its codes' spread", map_note)


def test_compare_reads_a_drawing_and_says_when_there_is_none(client, drawing):
    *_, text, _, _, _ = client.predict("fashion-mnist", "drawing", 3, drawing, None, api_name="/compare_reconstruct")
    assert text.startswith("Input: your drawing.")
    *_, text, _, _, _ = client.predict("fashion-mnist", "drawing", 3, EMPTY, None, api_name="/compare_reconstruct")
    assert "draw on the sketchpad to use your own" in text


def test_compare_samples_the_same_seed_for_every_family(client):
    first = client.predict("fashion-mnist", 4, -1, api_name="/compare_samples")
    again = client.predict("fashion-mnist", 4, -1, api_name="/compare_samples")
    other = client.predict("fashion-mnist", 5, -1, api_name="/compare_samples")
    *strips, text = first
    assert len(strips) == 4 and "Seed 4" in text and "one of each class" in text
    assert [fetch(s) for s in strips] == [fetch(s) for s in again[:4]]
    assert all(fetch(s) != fetch(o) for s, o in zip(strips, other[:4]))
    assert all(len(tiles(s, 10)) == 10 for s in strips)  # ten images in a row
    *_, sneakers, text = client.predict("fashion-mnist", 4, 7, api_name="/compare_samples")
    assert "all **sneaker**" in text and fetch(sneakers) != fetch(strips[3])


def test_compare_walks_between_the_same_two_images(client):
    a, b, ae, vae, aegan, text = client.predict("fashion-mnist", 0, 7, api_name="/compare_walk")
    assert "a T-shirt/top" in text and "a sneaker" in text
    walks = [tiles(strip, 9) for strip in (ae, vae, aegan)]
    reconstructed = client.predict("fashion-mnist", "example", 0, EMPTY, None, api_name="/compare_reconstruct")
    assert np.array_equal(walks[0][0], shrink(reconstructed[1], 5))  # the AE's walk starts at its copy of A
    assert np.array_equal(walks[1][0], shrink(reconstructed[2], 5))
    assert not np.array_equal(walks[0][0], walks[0][-1])


def test_compare_table_and_the_mnist_note(client):
    note, table = client.predict("fashion-mnist", api_name="/compare_table")
    assert note == "" and table.count("not measured") >= 4 and "| GAN |" in table and "no encoder" in table
    note, table = client.predict("mnist", api_name="/compare_table")
    assert "Fashion-MNIST only" in note and table == ""
    *images, text, _, _, _ = client.predict("mnist", "example", 0, EMPTY, None, api_name="/compare_reconstruct")
    assert all(i is None for i in images) and "Fashion-MNIST only" in text


def test_latent_map_click_draws_what_the_decoder_draws_there(client):
    from aegan.images import to_uint8
    from aegan.latent_map import draw_at
    from ui.compare import latent_map

    drawn, nearest, text = client.predict("fashion-mnist", "vae", 0.25, 0.75, api_name="/latent_map_click")
    assert "The VAE's decoder at" in text and "the nearest test image there is a **" in text
    mapped = latent_map("vae")[0]  # the server's map: this process, the same checkpoint
    expected = to_uint8(draw_at(tiny_family(Path(os.environ["AEGAN_CHECKPOINTS"]), "vae"), mapped,
                                *mapped.from_fraction(0.25, 0.75)))[0]
    assert np.array_equal(shrink(drawn, 5), expected)
    other, _, _ = client.predict("fashion-mnist", "ae", 0.9, 0.1, api_name="/latent_map_click")
    assert fetch(other) != fetch(drawn) and picture(nearest).shape == (84, 84)
    assert "must be from 0 to 1" in error_of(client, "fashion-mnist", "ae", 1.5, 0.5, api_name="/latent_map_click")
    assert "must be one of its choices" in error_of(client, "fashion-mnist", "gan", 0.5, 0.5,
                                                    api_name="/latent_map_click")
    assert "Fashion-MNIST only" in error_of(client, "mnist", "ae", 0.5, 0.5, api_name="/latent_map_click")


def test_compare_opens_only_the_chosen_input(tmp_path, monkeypatch):
    """An upload Gradio has deleted (its delete_cache, after an hour) still sits in the browser's upload box: it
    must not stop a test image from being compared, and is named when it is the input chosen."""
    import gradio as gr

    from ui import compare
    from ui.requests import upload_folder

    monkeypatch.setenv("AEGAN_CHECKPOINTS", str(write_tiny_checkpoints(tmp_path / "checkpoints")))
    gone = {"path": str(upload_folder() / "0123456789abcdef" / "deleted.png")}
    seen, *_, text, _, _, _ = compare.compare_reconstruct("fashion-mnist", "example", 0, None, gone)
    assert seen is not None and "test image 0" in text
    with pytest.raises(gr.Error) as caught:
        compare.compare_reconstruct("fashion-mnist", "upload", 0, None, gone)
    assert "no longer on the server" in caught.value.message


def test_a_choice_reads_as_its_own_value():
    """A script may send 3.0 for the class 3: it reads as the choice's own value (an int that can index)."""
    from ui.requests import Choice

    choice = Choice("Class", (("T-shirt", 0), ("dress", 3)))
    assert choice.read(3.0) == 3 and type(choice.read(3.0)) is int


def test_compare_says_which_family_is_missing(tmp_path, monkeypatch):
    """Without the VAE and the GAN, every section still answers, and says what is not installed."""
    from ui import compare

    root = write_tiny_checkpoints(tmp_path / "checkpoints")
    shutil.rmtree(root / "fashion-mnist-vae")
    shutil.rmtree(root / "fashion-mnist-gan")
    monkeypatch.setenv("AEGAN_CHECKPOINTS", str(root))
    seen, ae, vae, gan, aegan, text, map_ae, map_vae, map_note = compare.compare_reconstruct(
        "fashion-mnist", "example", 0, None, None)
    assert ae is not None and aegan is not None and map_ae is not None
    assert vae is None and gan is None and map_vae is None
    assert "VAE: not installed (no `fashion-mnist-vae` in the checkpoints folder)" in text
    assert "the AE (autoencoder)'s map holds" in map_note and "VAE" not in map_note
    *strips, text = compare.compare_samples("fashion-mnist", 0, -1)
    assert [s is None for s in strips] == [False, True, True, False] and "GAN: not installed" in text
    note, table = compare.compare_table("fashion-mnist")
    assert "VAE: not installed" in note and "| VAE | not installed |" in table
    import gradio as gr

    with pytest.raises(gr.Error) as caught:
        compare.latent_map_click("fashion-mnist", "vae", 0.5, 0.5)
    assert "VAE is not installed" in caught.value.message


# --- the server survives all of the above --------------------------------------------------------------------

def test_still_serving_after_bad_input(client):
    error_of(client, "mnist", EMPTY, None, api_name="/analogy")
    assert client.predict(api_name="/describe_device").startswith("Models run on")


def test_unexpected_errors_become_one_polite_sentence():
    import gradio as gr

    from ui.requests import friendly

    @friendly
    def broken():
        raise RuntimeError("tensor shapes [3] and [4] mismatch at /secret/path")

    with pytest.raises(gr.Error) as caught:
        broken()
    assert "/secret" not in caught.value.message and "try again" in caught.value.message


# --- ZeroGPU ---------------------------------------------------------------------------------------------------

def test_only_model_calls_ask_for_a_gpu_and_for_seconds_not_a_minute():
    """On a ZeroGPU Space each decorated call runs in a forked worker with the GPU attached for its duration:
    requests are read and refused in the main process first, and only the model calls are decorated."""
    from ui import studio  # noqa: F401  (builds nothing; imports every tab)
    from ui.loading import GPU_SECONDS

    assert GPU_SECONDS == {"ui.explorer._draw": 5, "ui.sampler._draw": 5, "ui.repair._repair": 10, "ui.denoise._denoise": 10,
                           "ui.style._redraw": 5, "ui.text._draw": 5, "ui.compare._encode_map": 10,
                           "ui.compare._draw_bank": 10, "ui.compare._reconstruct": 5, "ui.compare._samples": 5,
                           "ui.compare._walks": 5, "ui.compare._draw_at": 5, "ui.yours._sample_beside": 5}


def test_with_zerogpus_decorator_the_app_still_answers_in_its_own_words():
    pytest.importorskip("spaces")  # requirements-dev.txt installs it, as a Space has it
    import gradio as gr

    from ui import loading, sampler

    assert loading.spaces is not None
    with pytest.raises(gr.Error) as caught:
        sampler.sample("mnist", -1, 0, 0, 1.0)
    assert caught.value.message == "“How many” must be from 1 to 64, not 0."


# --- deployment -------------------------------------------------------------------------------------------------

def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install -r requirements-dev.txt)")
    out = subprocess.run([hadolint, "--failure-threshold", "warning", "Dockerfile"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_dockerfile_runs_the_app_as_a_user_with_a_healthcheck():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert re.search(r"^USER (?!root)\w+", text, re.M) and "EXPOSE 7860" in text and "HEALTHCHECK" in text
    assert "COPY . " not in text  # only runtime files go in


# --- a classroom on one laptop ----------------------------------------------------------------------------------

def test_classroom_mode_prints_the_address_with_a_qr_code_and_shows_it_in_the_footer(tmp_path):
    from ui.classroom import lan_address

    port = free_port()
    root = write_tiny_checkpoints(tmp_path / "checkpoints")
    env = {**os.environ, "AEGAN_CHECKPOINTS": str(root), "GRADIO_SERVER_PORT": str(port), "AEGAN_DEVICE": "cpu"}
    log = tmp_path / "app.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, "app.py", "--classroom"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        url = f"http://{lan_address()}:{port}"
        deadline = time.monotonic() + 240
        while f"Students open {url}" not in log.read_text():
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
        assert "▀" in log.read_text() or "▄" in log.read_text()  # the QR code, in half blocks
        page = httpx.get(url, timeout=30)  # served on the network address, not only loopback
        assert page.status_code == 200
        config = httpx.get(f"{url}/config", timeout=30).json()
        footer = next(c for c in config["components"] if c["props"].get("elem_id") == "footer-classroom")
        assert "data:image/svg+xml" in footer["props"]["value"] and url in footer["props"]["value"]
    finally:
        process.terminate()
        process.wait(timeout=30)
