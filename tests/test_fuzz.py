"""Property-based fuzzing (hypothesis) of the pure functions behind the app's endpoints and the CLI.

The one property everywhere: any input either gives a valid result (right shape, dtype and range) or raises
the project's InputError, whose message is one line; never another exception. Example counts are modest
(the suite runs on 2 busy CPU cores); a failing example is printed by hypothesis so it can be replayed.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from aegan.errors import InputError
from aegan.images import (IMAGE_SIZE, MAX_UPLOAD_PIXELS, check_image_file, check_image_size, make_grid,
                          mask_to_tensor, prepare_image, prepare_mask, to_pil, to_tensor, to_uint8)

# No example database (no .hypothesis/ folder in the repo): a failure prints its example, and the seed is
# derandomised so a run is repeatable (CI and a developer see the same examples).
FUZZ = settings(max_examples=60, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
FEW = settings(FUZZ, max_examples=25)


def one_line(error: InputError) -> None:
    message = str(error)
    assert message and "\n" not in message and "Traceback" not in message


def refused_or(fn, *args, **kwargs):
    """fn(*args) or None when it raised InputError (with a one-line message); any other exception fails."""
    try:
        return fn(*args, **kwargs)
    except InputError as error:
        one_line(error)
        return None


def assert_prepared(result) -> None:
    picture, notes = result
    assert picture.shape == (IMAGE_SIZE, IMAGE_SIZE) and picture.dtype == np.uint8
    assert isinstance(notes, list) and all(isinstance(n, str) and "\n" not in n for n in notes)


# --- strategies -----------------------------------------------------------------------------------------------

NUMERIC_DTYPES = st.sampled_from([np.uint8, np.int8, np.uint16, np.int32, np.int64, np.float16, np.float32,
                                  np.float64, np.bool_])


@st.composite
def image_arrays(draw):
    """Arrays a caller might pass as an image: any numeric dtype, 0-4 dims, odd channel counts, NaN/inf."""
    dtype = draw(NUMERIC_DTYPES)
    ndim = draw(st.integers(0, 4))
    side = st.integers(0, 40)
    shape = tuple(draw(side) for _ in range(ndim))
    if ndim == 3 and draw(st.booleans()):
        shape = shape[:2] + (draw(st.sampled_from([1, 2, 3, 4, 5])),)
    elements = None
    if np.dtype(dtype).kind == "f":
        elements = st.floats(allow_nan=True, allow_infinity=True, width=np.dtype(dtype).itemsize * 8)
    return draw(hnp.arrays(dtype, shape, elements=elements))


PIL_MODES = ["1", "L", "P", "RGB", "RGBA", "LA", "PA", "I", "I;16", "I;16B", "F", "CMYK", "YCbCr", "LAB", "HSV",
             "RGBX", "La", "RGBa"]


@st.composite
def pil_images(draw):
    """PIL images in every mode Pillow makes, of small odd sizes, with random pixels."""
    mode = draw(st.sampled_from(PIL_MODES))
    width, height = draw(st.integers(1, 48)), draw(st.integers(1, 48))
    seed = draw(st.integers(0, 2**16))
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGBA")
    try:
        image = image.convert(mode)
    except ValueError:  # Pillow cannot convert RGBA to this mode: build it from gray instead
        image = Image.fromarray(pixels[..., 0], "L").convert("RGB").convert(mode) if mode != "RGBa" else image
    return image


# --- aegan.images ------------------------------------------------------------------------------------------------

@FUZZ
@given(image_arrays())
@example(np.full((28, 28), np.nan, np.float32))
@example(np.zeros((0, 28), np.uint8))
@example(np.zeros((28, 28, 2), np.uint8))
@example(np.array(5.0))
def test_prepare_image_takes_any_array_or_refuses_it(array):
    result = refused_or(prepare_image, array)
    if result is not None:
        assert_prepared(result)
        assert array.size > 0


@FUZZ
@given(pil_images())
def test_prepare_image_takes_any_pil_mode_or_refuses_it(image):
    result = refused_or(prepare_image, image)
    if image.mode in ("1", "L", "P", "RGB", "RGBA", "LA", "I", "I;16", "F"):
        assert result is not None, f"mode {image.mode} must be read, not refused"
    if result is not None:
        assert_prepared(result)


@FEW
@given(st.integers(1, 6), st.integers(0, 3))
def test_prepare_image_refuses_damaged_files(cut, mode_index):
    """Truncated PNG/JPEG/WebP/GIF files: a clear refusal (or, when what is left still decodes, an image)."""
    buffer = io.BytesIO()
    image = Image.fromarray(np.random.default_rng(cut).integers(0, 256, (40, 40), dtype=np.uint8))
    image.save(buffer, format=["PNG", "JPEG", "WEBP", "GIF"][mode_index])
    data = buffer.getvalue()[: len(buffer.getvalue()) * cut // 8]
    try:
        opened = Image.open(io.BytesIO(data))
    except Exception:  # the header itself is gone: the upload check (check_image_file) refuses it
        with pytest.raises(InputError):
            check_image_file(data)
        return
    result = refused_or(prepare_image, opened)
    if result is not None:
        assert_prepared(result)


@FUZZ
@given(st.integers(-5, 200_000), st.integers(-5, 200_000))
@example(4096, 4096)
@example(4097, 4096)
@example(100_000, 100_000)
def test_check_image_size_refuses_empty_and_huge(width, height):
    if width <= 0 or height <= 0 or width * height > MAX_UPLOAD_PIXELS:
        with pytest.raises(InputError) as caught:
            check_image_size(width, height)
        one_line(caught.value)
    else:
        check_image_size(width, height)


@FEW
@given(st.binary(max_size=300))
@example(b"\x89PNG\r\n\x1a\n")
@example(b"GIF89a")
def test_check_image_file_refuses_junk_bytes(data):
    size = refused_or(check_image_file, data)
    if size is not None:
        assert size[0] > 0 and size[1] > 0 and size[0] * size[1] <= MAX_UPLOAD_PIXELS


def png_file(width: int, height: int, *, complete: bool = False) -> bytes:
    """A PNG of width x height black pixels, built by hand in milliseconds whatever its size.

    complete=False: 8-bit gray, with almost no pixel data (a decompression bomb's shape: Pillow opens it
    lazily and learns its size from the header). complete=True: 1-bit, every row there, so it decodes fully
    (a genuine huge image, kilobytes when compressed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1 if complete else 8, 0, 0, 0, 0)
    if complete:
        compressor, row = zlib.compressobj(9), bytes(1 + (width + 7) // 8)  # filter byte, then the bits
        pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    else:
        pixels = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def png_header(width: int, height: int) -> bytes:
    return png_file(width, height)


@FEW
@given(st.integers(1, 200_000), st.integers(1, 200_000))
@example(100_000, 100_000)
def test_check_image_file_reads_only_the_header(width, height):
    """A header declaring any size is checked without decoding: the right size, or a clear refusal."""
    size = refused_or(check_image_file, png_header(width, height))
    assert (size == (width, height)) if width * height <= MAX_UPLOAD_PIXELS else size is None


@FUZZ
@given(image_arrays())
@example(np.full((28, 28), np.inf))
@example(np.zeros((1, 28, 28, 1), np.int64))
def test_prepare_mask_takes_any_array_or_refuses_it(array):
    result = refused_or(prepare_mask, array)
    if result is not None:
        hole, notes = result
        assert hole.shape == (IMAGE_SIZE, IMAGE_SIZE) and hole.dtype == bool and isinstance(notes, list)


@FUZZ
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=4, max_dims=4, min_side=1, max_side=6).map(
    lambda s: (s[0], 1, s[2], s[3])), elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
def test_to_uint8_always_gives_bytes(values):
    out = to_uint8(torch.from_numpy(values))
    assert out.dtype == np.uint8 and out.shape == (values.shape[0], *values.shape[2:])
    finite = np.isfinite(values[:, 0])
    expected = np.round((np.clip(np.nan_to_num(values[:, 0], nan=-1.0), -1, 1) + 1) * 127.5)
    assert np.all(np.abs(out.astype(int) - expected.astype(int))[finite] <= 1)
    assert np.all(out[np.isnan(values[:, 0])] == 0)  # NaN is background


@FUZZ
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 5), st.just(28), st.just(28))))
def test_to_tensor_round_trips_bytes(images):
    x = to_tensor(images)
    assert x.shape == (len(images), 1, 28, 28) and x.dtype == torch.float32
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    assert np.array_equal(to_uint8(x), images)


@FUZZ
@given(image_arrays())
def test_mask_to_tensor_is_zero_or_one(masks):
    assume(masks.ndim in (2, 3))
    with np.errstate(invalid="ignore"):
        x = mask_to_tensor(masks)
    assert x.dtype == torch.float32 and set(torch.unique(x).tolist()) <= {0.0, 1.0}
    assert x.shape[1] == 1 and x.ndim == 4


@FUZZ
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 9), st.integers(1, 9))),
       st.integers(-3, 20), st.integers(0, 4))
def test_make_grid_holds_every_image(images, columns, padding):
    grid = make_grid(images, columns=columns, padding=padding)
    n, h, w = images.shape
    columns = max(1, min(columns, n))
    assert grid.dtype == np.uint8
    assert grid.shape == (-(-n // columns) * (h + padding) + padding, columns * (w + padding) + padding)
    assert np.array_equal(grid[padding : padding + h, padding : padding + w], images[0])


@FEW
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30))), st.integers(1, 8))
def test_to_pil_scales_crisply(image, scale):
    pil = to_pil(image, scale)
    assert pil.size == (image.shape[1] * scale, image.shape[0] * scale)
    assert np.array_equal(np.asarray(pil)[::scale, ::scale], image)


# --- prompts --------------------------------------------------------------------------------------------------------

PROMPTS = st.one_of(st.text(max_size=400), st.text(alphabet=st.characters(codec="utf-8"), min_size=300,
                                                                      max_size=12_000))
NOT_TEXT = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.lists(st.text(max_size=5), max_size=3),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.binary(max_size=8))


@FUZZ
@given(st.one_of(PROMPTS, NOT_TEXT))
@example("👟👟🔥")
@example("\x00\x01\u200b\ufeff")
@example("a\u0301" * 5000)
@example("👟")
@example(" " * 10_000)
def test_check_prompt_gives_clean_text_or_refuses(prompt):
    """The one prompt rule (aegan/prompt.py): tidy text with words in it, within the limit, or one sentence."""
    from aegan.prompt import MAX_PROMPT_CHARS, check_prompt

    text = refused_or(check_prompt, prompt)
    if text is not None:
        assert isinstance(prompt, str)
        assert text and text == " ".join(text.split()) and len(text) <= MAX_PROMPT_CHARS
        assert all(ch.isprintable() for ch in text) and any(ch.isalnum() for ch in text)


def test_the_text_tab_checks_prompts_with_the_one_rule():
    import aegan.prompt
    import ui.text

    assert ui.text.check_prompt is aegan.prompt.check_prompt
    assert ui.text.MAX_PROMPT_CHARS == aegan.prompt.MAX_PROMPT_CHARS


# --- aegan.pipeline -------------------------------------------------------------------------------------------------

WHOLE_OR_FRACTION = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=False, allow_infinity=False),
                              st.booleans())
NOT_A_NUMBER = st.one_of(st.sampled_from([float("nan"), float("inf"), float("-inf")]), st.none(),
                         st.text(max_size=6), st.lists(st.integers(), max_size=2))
# aegan/pipeline.py's check_count and check_label call int() on what they are given, so NaN, infinity, None,
# text and lists raise ValueError/OverflowError/TypeError instead of InputError. The app never sends them those
# (its input check refuses non-finite and non-numbers first: test_hostile.py); the CLI's argparse sends ints.
@FUZZ
@given(WHOLE_OR_FRACTION, st.integers(1, 20_000))
@example(2.5, 64)
@example(65, 64)
@example(0, 64)
def test_check_count_takes_whole_numbers_in_range_or_refuses(n, limit):
    from aegan.pipeline import check_count

    count = refused_or(check_count, n, limit)
    if count is not None:
        assert isinstance(count, int) and 1 <= count <= limit and count == n


@pytest.mark.parametrize("n", [float("nan"), float("inf"), None, "12", [1]])
def test_check_count_refuses_non_numbers(n):
    from aegan.pipeline import check_count

    with pytest.raises(InputError):
        check_count(n)


@settings(FUZZ, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(label=WHOLE_OR_FRACTION)
@example(label=10)
@example(label=-1)
@example(label=9.5)
def test_check_label_takes_class_ids_or_refuses(label, tiny_model):
    from aegan.pipeline import check_label

    k = refused_or(check_label, tiny_model, label)
    if k is not None:
        assert isinstance(k, int) and 0 <= k < tiny_model.config.num_classes


@pytest.mark.parametrize("label", [float("nan"), float("inf"), None, "three"])
def test_check_label_refuses_non_numbers(label, tiny_model):
    from aegan.pipeline import check_label

    with pytest.raises(InputError):
        check_label(tiny_model, label)


VECTORS = hnp.arrays(np.float32, st.integers(1, 16), elements=st.floats(-1e3, 1e3, width=32))


@FUZZ
@given(VECTORS, st.data())
def test_slerp_stays_finite_and_hits_both_ends(a, data):
    from aegan.pipeline import slerp

    b = data.draw(hnp.arrays(np.float32, a.shape, elements=st.floats(-1e3, 1e3, width=32)))
    t = torch.tensor([0.0, 0.25, 0.5, 1.0])
    out = slerp(torch.from_numpy(a), torch.from_numpy(b), t)
    assert out.shape == (4, len(a)) and torch.isfinite(out).all()
    scale = 1e-3 * (1 + max(np.abs(a).max(), np.abs(b).max()))
    assert torch.allclose(out[0], torch.from_numpy(a), atol=scale)
    assert torch.allclose(out[-1], torch.from_numpy(b), atol=scale)


# --- ui helpers (pure, no server) -------------------------------------------------------------------------------------

@FUZZ
@given(st.one_of(st.text(max_size=300), st.integers(), st.none()))
def test_sentence_is_one_capitalised_line(text):
    from ui.requests import sentence

    out = sentence(text if text is not None else "")
    assert "\n" not in out and out[-1] in ".!?" and out == " ".join(out.split())
    assert out[0] == out[0].upper()


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.sampled_from(["mnist", "fashion-mnist",
                                                                                   "synthetic", "MNIST"])))
def test_check_dataset_knows_only_the_two_datasets(dataset):
    from ui.loading import check_dataset

    assert refused_or(check_dataset, dataset) in (None, "mnist", "fashion-mnist")


# read_editor hands editor_mask the layers as opened images (never None), of any mode and size a user sends
LAYERS = st.lists(hnp.arrays(np.uint8, st.sampled_from([(28, 28, 4), (28, 28), (30, 28, 4), (28, 28, 3)]))
                  .map(Image.fromarray), max_size=3)


@FUZZ
@given(st.one_of(st.none(), st.fixed_dictionaries({"layers": LAYERS})))
def test_editor_mask_is_a_boolean_picture_or_refused(value):
    from ui.media import editor_mask

    painted = refused_or(editor_mask, value)
    if painted is not None:
        assert painted.dtype == bool and painted.ndim == 2
        assert painted.shape == (value["layers"][0].height, value["layers"][0].width)


@FUZZ
@given(st.one_of(image_arrays(), pil_images(), st.none()))
def test_read_image_gives_a_picture_or_none_or_refuses(image):
    from ui.media import INK_THRESHOLD, read_image

    try:
        read = read_image(image)
    except InputError as error:
        one_line(error)
        return
    if read is not None:
        assert_prepared(read)
        assert read[0].max() >= INK_THRESHOLD


@FUZZ
@given(hnp.arrays(np.uint8, st.sampled_from([(280, 280, 3), (280, 280), (28, 28, 3), (280, 279, 3)])))
def test_repair_reads_back_only_its_own_pictures(pixels):
    from ui.repair import _unscaled

    gray = _unscaled(Image.fromarray(pixels))
    if gray is not None:
        assert gray.shape == (28, 28) and gray.dtype == np.uint8


def test_controls_show_the_range_their_readers_accept():
    """A slider or number box is built from the same Range its callback reads with (ui/requests.py)."""
    import gradio as gr

    from ui.controls import SEED, seed_number
    from ui.explorer import T
    from ui.sampler import COUNT

    for reader in (T, COUNT):
        slider = gr.Slider(**reader.slider())
        assert (slider.minimum, slider.maximum, slider.label) == (reader.minimum, reader.maximum, reader.label)
        assert reader.read(reader.minimum) == reader.minimum and reader.read(reader.maximum) == reader.maximum
    box = seed_number()
    assert (box.minimum, box.maximum, box.precision) == (SEED.minimum, SEED.maximum, 0)
    assert SEED.read(SEED.maximum) == 2**31 - 1


def test_friendly_says_a_refused_value_in_one_sentence():
    """What the readers raise reaches the page as gr.Error with one sentence; anything else as a short apology."""
    import gradio as gr

    from ui.requests import friendly
    from ui.sampler import COUNT

    with pytest.raises(gr.Error) as caught:
        friendly(COUNT.read)(0)
    assert caught.value.message == "“How many” must be from 1 to 64, not 0."
    with pytest.raises(gr.Error) as caught:
        friendly(lambda: 1 / 0)()
    assert "\n" not in caught.value.message and "ZeroDivision" not in caught.value.message


# --- what a request may send for one input: read, or refused in one sentence ---------------------------------
# Every event runs with preprocess=False, so each callback gets the JSON value a browser or script sent and reads
# it with one of ui/requests.py's readers. The property: whatever JSON value arrives, a reader gives a value of the
# kind its callback expects, or raises InputError with one short sentence; never any other exception, and never
# an image read from a file outside Gradio's upload folder.

# Anything JSON can carry: integers of any length (10**400 too), NaN and infinities (Python's json reads them),
# text, and lists and objects of those.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)
META = {"_type": "gradio.FileData"}
# file names inside the upload folder (made by the `upload_folder` fixture) and paths outside it
INSIDE = ["ring.png", "notes.png", "bomb.png", "gone.png", "../outside.png", "sub/../ring.png"]
OUTSIDE = ["/etc/passwd", "/proc/self/environ", "", ".", "x" * 5000, "a\x00b", "http://127.0.0.1:9/x.png",
           "//etc/passwd", "app.py"]


def data_url(data: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(data).decode()


def png_bytes(width: int = 20, height: int = 12) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("L", (width, height), 255)
    image.putpixel((width // 2, height // 2), 0)
    image.save(buffer, format="PNG")
    return buffer.getvalue()


URLS = st.sampled_from([data_url(png_bytes()), data_url(png_header(100_000, 100_000)), "data:image/png;base64,AA",
                        "data:,", "data:image/png;base64,!!!not base64", "http://127.0.0.1:9/x.png",
                        "file:///etc/passwd"])


@st.composite
def file_values(draw):
    """Dicts shaped like Gradio's file values (as the callback gets them: path, url, meta and the rest)."""
    inside = st.sampled_from(INSIDE).map(lambda name: "{upload}/" + name)
    path = draw(st.one_of(inside, inside, st.sampled_from(OUTSIDE), JSON_VALUES))
    value = {"path": path}
    if draw(st.booleans()):
        value["url"] = draw(st.one_of(URLS, JSON_VALUES))
    if draw(st.booleans()):
        value.update(meta=META, orig_name=draw(st.text(max_size=8)), size=draw(st.integers()), is_stream=False)
    return value


EDITOR_PARTS = st.one_of(st.none(), file_values(), file_values(), JSON_VALUES)
EDITOR_VALUES = st.fixed_dictionaries({}, optional={
    "background": EDITOR_PARTS, "composite": EDITOR_PARTS,
    "layers": st.one_of(st.lists(EDITOR_PARTS, max_size=10), JSON_VALUES)})
REQUEST_VALUES = st.one_of(JSON_VALUES, file_values(), file_values(), EDITOR_VALUES)


@pytest.fixture(scope="module")
def upload_folder(tmp_path_factory):
    """A Gradio upload folder ($GRADIO_TEMP_DIR, as Gradio documents it) with a picture, a text file and a PNG
    that declares 100000x100000 pixels, and a picture just outside it."""
    folder = tmp_path_factory.mktemp("uploads")
    (folder / "ring.png").write_bytes(png_bytes(40, 30))
    (folder / "notes.png").write_bytes(b"not a picture\n" * 20)
    (folder / "bomb.png").write_bytes(png_header(100_000, 100_000))
    (folder.parent / "outside.png").write_bytes(png_bytes(30, 30))  # an image the readers must never open
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADIO_TEMP_DIR", str(folder))
    yield folder.resolve()
    patch.undo()


def with_folder(value, folder: Path):
    """The value with "{upload}" in its paths replaced by the upload folder."""
    if isinstance(value, str):
        return value.replace("{upload}", str(folder))
    if isinstance(value, list):
        return [with_folder(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: with_folder(v, folder) for k, v in value.items()}
    return value


def simple_readers():
    """(name, read) for every kind of simple input the app reads, set up as the app sets them up."""
    from ui.controls import DATASET, SEED
    from ui.explorer import CLASS as ENDPOINT_CLASS
    from ui.explorer import DIRECTIONS, PATH, SOURCE, T
    from ui.repair import EXAMPLE
    from ui.sampler import CLASS, COUNT, TRUNCATION
    from ui.text import COUNT as TEXT_COUNT

    return [*[(r.label, r) for r in (T, COUNT, TEXT_COUNT, TRUNCATION, SEED, EXAMPLE, DIRECTIONS[0])],
            *[(c.label, c) for c in (DATASET, CLASS, ENDPOINT_CLASS, PATH, SOURCE)]]


def assert_read(reader, value, result) -> None:
    """What a Range, Seed or Choice gives back: a value its callback can use, and the one that was sent."""
    from ui.requests import Choice, Seed

    if isinstance(reader, Choice):
        assert result in reader.values
        assert result == (reader.default if value is None else value)
        return
    assert isinstance(result, int if reader.whole else float) and not isinstance(result, bool)
    assert reader.minimum <= result <= reader.maximum
    if value is None:
        assert result == reader.default
    elif isinstance(reader, Seed):
        assert result == round(value)
    else:
        assert result == value


def assert_refused(error: InputError, label: str | None = None) -> None:
    from ui.requests import sentence

    message = sentence(error)
    assert "\n" not in message and len(message) < 300 and "Traceback" not in message, message
    if label is not None:
        assert message.startswith(f"“{label}” "), message  # says which input


@settings(FUZZ, max_examples=200)  # cheap: no model, a few small files
@example(value=10**400)
@example(value=-10**400)
@example(value=float("nan"))
@example(value=True)
@example(value="x" * 60)
@example(value={"path": "\x00", "url": 5})
@example(value={"path": "{upload}/ring.png", "meta": META})
@example(value={"path": "{upload}/../outside.png"})
@example(value={"path": "{upload}/ring.png", "url": data_url(png_header(100_000, 100_000))})
@example(value={"background": {"path": "/etc/passwd"}, "layers": [{"path": "x" * 5000}], "composite": None})
@example(value={"background": {"path": "{upload}/ring.png"}, "layers": [{"path": "{upload}/ring.png"}] * 9})
@given(value=REQUEST_VALUES)
def test_any_value_for_an_input_is_read_or_refused_in_one_sentence(upload_folder, value):
    """Every reader of ui/requests.py, on any value a request can carry: a usable value or one sentence."""
    from ui.requests import MAX_LAYERS, read_editor, read_image_file, read_text

    value = with_folder(value, upload_folder)
    for label, reader in simple_readers():
        try:
            result = reader.read(value)
        except InputError as error:
            assert_refused(error, label)
        else:
            assert_read(reader, value, result)

    try:
        text = read_text(value, "Describe the picture")
    except InputError as error:
        assert_refused(error, "Describe the picture")
    else:
        assert text == ("" if value is None else value)

    try:
        image = read_image_file(value, "Upload A")
    except InputError as error:
        assert_refused(error)
    else:
        assert image is None or inside_or_inline(value, upload_folder)

    try:
        editor = read_editor(value, "Draw A")
    except InputError as error:
        assert_refused(error)
    else:
        if editor is not None:
            assert set(editor) == {"background", "layers", "composite"} and len(editor["layers"]) <= MAX_LAYERS
            assert all(isinstance(image, Image.Image) for image in editor["layers"])
            for part in ("background", "composite"):
                assert editor[part] is None or inside_or_inline(value[part], upload_folder)


def inside_or_inline(value: dict, folder: Path) -> bool:
    """A file value the readers may open: an inline data: URL, or a path inside the upload folder."""
    url = value.get("url")
    if isinstance(url, str) and url.startswith("data:"):
        return True
    return Path(value["path"]).resolve().is_relative_to(folder)
