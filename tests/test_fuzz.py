"""Property-based fuzzing (hypothesis) of the pure functions behind the app's endpoints and the CLI.

The one property everywhere: any input either gives a valid result (right shape, dtype and range) or raises
the project's InputError, whose message is one line; never another exception. Example counts are modest
(the suite runs on 2 busy CPU cores); a failing example is printed by hypothesis so it can be replayed.
"""

from __future__ import annotations

import io
import struct
import zlib

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
def test_check_prompt_gives_clean_text_or_refuses(prompt):
    from aegan.prompt import MAX_PROMPT_CHARS, check_prompt

    text = refused_or(check_prompt, prompt)
    if text is not None:
        assert isinstance(prompt, str)
        assert text and text == " ".join(text.split()) and len(text) <= MAX_PROMPT_CHARS
        assert any(ch.isalnum() for ch in text) and check_prompt(text) == text
        assert all(ch.isprintable() or ch == " " for ch in text if ord(ch) < 0x80)


@FUZZ
@given(st.one_of(PROMPTS, NOT_TEXT))
@example("👟")
@example(" " * 10_000)
def test_the_text_tab_checks_prompts(prompt):
    from ui.text import MAX_PROMPT, check_prompt

    text = refused_or(check_prompt, prompt)
    if text is not None:
        assert 0 < len(text) <= MAX_PROMPT and any(ch.isalnum() for ch in text)


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
    from ui.common import sentence

    out = sentence(text if text is not None else "")
    assert "\n" not in out and out[-1] in ".!?" and out == " ".join(out.split())
    assert out[0] == out[0].upper()


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.sampled_from(["mnist", "fashion-mnist",
                                                                                   "synthetic", "MNIST"])))
def test_check_dataset_knows_only_the_two_datasets(dataset):
    from ui.common import check_dataset

    assert refused_or(check_dataset, dataset) in (None, "mnist", "fashion-mnist")


LAYERS = st.lists(st.one_of(st.none(), hnp.arrays(np.uint8, st.sampled_from([(28, 28, 4), (28, 28), (30, 28, 4),
                                                                              (28, 28, 3)]))), max_size=3)


@FUZZ
@given(st.one_of(st.none(), st.fixed_dictionaries({"layers": st.one_of(st.none(), LAYERS)})))
def test_editor_mask_is_a_boolean_picture_or_refused(value):
    from ui.common import editor_mask

    painted = refused_or(editor_mask, value)
    if painted is not None:
        assert painted.dtype == bool and painted.ndim == 2


@FUZZ
@given(st.one_of(image_arrays(), pil_images(), st.none()))
def test_read_image_gives_a_picture_or_none_or_refuses(image):
    from ui.common import INK_THRESHOLD, read_image

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



# --- what a request may send for a simple input: read by Gradio or refused in one sentence -------------------

# Anything JSON can carry: integers of any length (10**400 too), NaN and infinities (Python's json reads them),
# text, and lists and objects of those.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


@pytest.fixture(scope="module")
def simple_inputs():
    """One of each simple input component the app uses, set up as the app sets them up."""
    import gradio as gr

    from ui.common import SEED_MAX

    from ui.common import sketchpad, upload

    return [gr.Slider(0, 1, value=0.5, label="t"), gr.Number(value=0, precision=0, minimum=0, maximum=SEED_MAX),
            gr.Radio(["fashion-mnist", "mnist"], label="Dataset"), gr.Textbox(label="Prompt"),
            gr.Dropdown(choices=[("all classes", -1), ("T-shirt/top", 0), ("trouser", 1)], value=-1, label="Class"),
            upload(), sketchpad()]  # file inputs: any JSON value that is not an uploaded file is refused


@FUZZ
@example(value=10**400)
@example(value=float("nan"))
@example(value="x" * 60)
@example(value={"path": "\x00", "url": 5})
@example(value={"background": {"path": "/etc/passwd"}, "layers": [{"path": "x" * 5000}], "composite": None})
@given(value=JSON_VALUES)
def test_any_value_for_an_input_is_read_or_refused_in_one_sentence(simple_inputs, value):
    """ui.common's request check, then Gradio's own reading of what it lets through: a value either becomes an
    input or gets a one-line reason (a short gr.Error from Gradio, e.g. over the maximum); nothing else. For the
    file inputs, any value that is not an uploaded file is refused without an exception."""
    import gradio as gr

    from ui.common import _value_problem

    for block in simple_inputs:
        problem = _value_problem(block, value, 2**20)
        if problem is not None:
            assert isinstance(problem, str) and "\n" not in problem and len(problem) < 200, problem
            continue
        if isinstance(block, (gr.Image, gr.ImageEditor)):
            continue  # Gradio turns these into its file models first; the hostile table sends them to the server
        try:
            block.preprocess(value)
        except gr.Error as error:
            assert "\n" not in str(error) and len(str(error)) < 200, f"{type(block).__name__}: {error}"
