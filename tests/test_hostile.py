"""Hostile input through the real server: every endpoint gets the bad values a browser or a script can send.

Table-driven: each case is (api_name, payload, expected outcome), sent as plain HTTP the way a script would
(POST /gradio_api/call/<api_name>, then read the event stream), so payloads that gradio_client refuses to
build (NaN, lists for numbers, file paths the server never saw) are sent as they are. Every case must end in
a one-sentence error of the app's own (no traceback, no empty message) or in a documented behaviour, and
afterwards the same endpoint must still answer a normal request. Uploads, decompression bombs and the file
route are covered at the end.

"Gradio's own refusal" (expect="gradio"): the app uses Gradio's public API only (issue 14), and a few values
are refused by Gradio itself before any callback of the app runs, so the app cannot put its own sentence on
them: too few values for an event, a value for an image or editor input that is not a file dict, a path
outside Gradio's upload folder in a value marked as Gradio's file, an unknown api_name, and the events
Gradio wires itself (gr.Examples' load_example). Only a script sends these; a browser never does. For them
the suite asserts what still matters: the call fails, no traceback reaches the client, and the server keeps
serving (the same endpoint answers a normal request right after).

The server is conftest.py's `server` fixture: the app on a free loopback port, on tiny untrained models.
"""

from __future__ import annotations

import io
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw
from test_fuzz import png_file  # PNGs of any size, built by hand
from test_fuzz import png_header as bomb_header  # a PNG declaring any size, with no pixels

from aegan.errors import shown

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning"),
              pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")]

CALL_DEADLINE_S = 180  # a call not finished by then counts as hung (generous: the CPU is shared with training)
NO_MOVES = [0.0] * 5


# --- talking to the server the way a script does ---------------------------------------------------------------

@dataclass
class Outcome:
    kind: str  # "complete", "error" (the event failed) or "http" (the request itself was refused)
    data: Any = None  # the outputs (complete), the message (error) or the status code (http)
    body: str = ""


def call(base: str, api: str, data: Any, session: str | None = None, raw: bytes | None = None) -> Outcome:
    """POST /gradio_api/call/<api>, then read its event stream to the end (never longer than the deadline)."""
    body = raw if raw is not None else json.dumps({"data": data, **({"session_hash": session} if session else {})},
                                                  allow_nan=True).encode()
    deadline = time.monotonic() + CALL_DEADLINE_S
    with httpx.Client(timeout=httpx.Timeout(60, read=CALL_DEADLINE_S)) as client:
        posted = client.post(f"{base}/gradio_api/call/{api}", content=body,
                             headers={"content-type": "application/json"})
        if posted.status_code != 200:
            return Outcome("http", posted.status_code, posted.text)
        event_id = posted.json()["event_id"]
        kind = None
        with client.stream("GET", f"{base}/gradio_api/call/{api}/{event_id}") as stream:
            for line in stream.iter_lines():
                assert time.monotonic() < deadline, f"{api} did not finish within {CALL_DEADLINE_S} s"
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    payload = json.loads(line.split(":", 1)[1])
                    if kind == "complete":
                        return Outcome("complete", payload)
                    message = payload.get("error") if isinstance(payload, dict) else payload
                    return Outcome("error", message)
    raise AssertionError(f"the event stream of {api} ended without a result")


def assert_one_sentence(message) -> None:
    """What a user may see: one line, a real sentence, no traceback, no source paths."""
    assert isinstance(message, str) and message.strip(), f"an error with no message: {message!r}"
    assert "\n" not in message.strip() and len(message) < 400, message
    assert "Traceback" not in message and 'File "' not in message and "site-packages" not in message, message
    assert message.rstrip().endswith((".", "!", "?")), f"not a sentence: {message!r}"


def assert_refused_by_gradio(outcome: Outcome) -> None:
    """Gradio's own refusal (see the module docstring): the call fails (an error event, with Gradio's message or
    none, as launch(show_error=False) sends it; or an HTTP error), and nothing of a traceback reaches the client."""
    assert outcome.kind in ("error", "http"), f"expected Gradio to refuse the call, got {outcome}"
    if outcome.kind == "http":
        assert outcome.data >= 400, outcome
    text = outcome.body if outcome.kind == "http" else json.dumps(outcome.data)
    assert "Traceback" not in text and 'File "' not in text and "site-packages" not in text, text[:500]


@pytest.fixture(scope="module")
def base(server) -> str:
    return server.local_url.rstrip("/")


@pytest.fixture(scope="module", autouse=True)
def room_for_every_case():
    """Each case calls with a session of its own, and raw calls have no page to close: past ui.yours.MAX_SESSIONS
    the Your images cases would meet the full server's refusal (tests/test_yours.py tests it) instead of theirs."""
    from ui import yours

    patch, before = pytest.MonkeyPatch(), set(yours._sessions)
    patch.setattr(yours, "MAX_SESSIONS", 100_000)
    yield
    for session in set(yours._sessions) - before:  # as if their pages were closed, for the tests that follow
        yours.end_session(session)
    patch.undo()


# --- the files a hostile user uploads ----------------------------------------------------------------------------

def png_bytes(image: Image.Image, format: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def ring(size: tuple[int, int], mode: str = "L", background=255, ink=0) -> Image.Image:
    image = Image.new("L", size, background)
    w, h = size
    ImageDraw.Draw(image).ellipse([w // 4, h // 8, 3 * w // 4, 7 * h // 8], outline=ink, width=max(1, w // 12))
    if mode == "I;16":
        return Image.fromarray(np.asarray(image, np.uint16) * 257)
    return image.convert(mode)


def seven_canvas() -> Image.Image:
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).line([(60, 60), (220, 60), (120, 240)], fill=(0, 0, 0, 255), width=28)
    return canvas


def hostile_files() -> dict[str, tuple[str, bytes]]:
    """name -> (file name, bytes) of everything uploaded once for the table below."""
    good = png_bytes(ring((90, 60)))
    jpeg = png_bytes(ring((64, 64), "RGB"), "JPEG")
    layer = np.zeros((280, 280, 4), np.uint8)
    layer[140:, :] = (255, 48, 48, 255)  # the bottom half painted
    from ui.media import examples

    example = Image.fromarray(np.kron(examples("mnist")[0][0], np.ones((10, 10), np.uint8))).convert("RGB")
    return {
        "ring": ("ring.png", good),
        "seven": ("seven.png", png_bytes(seven_canvas())),
        "rgba": ("rgba.png", png_bytes(ring((90, 60), "RGBA"))),
        "palette": ("palette.png", png_bytes(ring((90, 60), "P"))),
        "gray16": ("gray16.png", png_bytes(ring((90, 60), "I;16"))),
        "gray-alpha": ("la.png", png_bytes(ring((90, 60), "LA"))),
        "bilevel": ("bilevel.png", png_bytes(ring((90, 60), "1"))),
        "cmyk": ("cmyk.jpg", png_bytes(ring((64, 64), "CMYK"), "JPEG")),
        "jpeg": ("ring.jpg", jpeg),
        "one-pixel": ("dot.png", png_bytes(Image.new("L", (1, 1), 255))),
        "transparent": ("clear.png", png_bytes(Image.new("RGBA", (280, 280), (0, 0, 0, 0)))),
        "4000x4000": ("big.png", png_bytes(ring((4000, 4000)), optimize=False, compress_level=1)),
        "4100x4100": ("over.png", png_bytes(Image.new("L", (4100, 4100), 0), compress_level=9)),
        "20000x20000": ("huge.png", png_file(20_000, 20_000, complete=True)),  # 400 megapixels in ~50 kB
        "bomb-header": ("bomb.png", bomb_header(100_000, 100_000)),
        "truncated-png": ("cut.png", good[: len(good) * 2 // 3]),
        "truncated-jpeg": ("cut.jpg", jpeg[: len(jpeg) // 2]),
        "header-only": ("head.png", good[:40]),
        "text": ("notes.png", b"this is not a picture, just some words\n" * 10),
        "empty": ("empty.png", b""),
        "svg": ("vector.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>'),
        "example": ("example.png", png_bytes(example)),
        "mask-layer": ("layer.png", png_bytes(Image.fromarray(layer))),
        "small-layer": ("small-layer.png", png_bytes(Image.fromarray(layer[180:, :100]))),  # painted, 100x100
    }


def upload(base: str, name: str, data: bytes) -> dict:
    """POST the file to the upload route, as the browser and gradio_client do; -> the FileData to send."""
    response = httpx.post(f"{base}/gradio_api/upload", files={"files": (name, data)}, timeout=120)
    response.raise_for_status()
    return {"path": response.json()[0], "orig_name": name, "meta": META}


@pytest.fixture(scope="module")
def files(base) -> dict[str, dict]:
    return {key: upload(base, name, data) for key, (name, data) in hostile_files().items()}


# --- the table -----------------------------------------------------------------------------------------------------

def F(name: str) -> Callable[[dict], dict]:
    """An uploaded file, resolved when the case runs."""
    return lambda files: files[name]


def drawing(composite) -> Callable[[dict], dict]:
    """A sketchpad value whose composite is `composite` (a file name, or a raw value)."""
    return lambda files: {"background": None, "layers": [],
                          "composite": files[composite] if isinstance(composite, str) else composite}


def editor(background, layers=("mask-layer",)) -> Callable[[dict], dict]:
    """A repair editor value: a background file and painted layers (file names or raw values)."""
    def resolve(files, value):
        return files[value] if isinstance(value, str) else value

    return lambda files: {"background": resolve(files, background), "layers": [resolve(files, v) for v in layers],
                          "composite": resolve(files, background)}


META = {"_type": "gradio.FileData"}  # marks a dict as a file to Gradio (the browser and gradio_client send it)
EMPTY_DRAWING = {"background": None, "layers": [], "composite": None}
DIRECTIONS = [(f"direction_{i}", 0.0) for i in range(1, 6)]
PARAMS = {  # api_name -> [(parameter, a normal value)], in the order /gradio_api/info lists them
    "encode": [("dataset", "mnist"), ("a_source", "seed"), ("a_seed", 1), ("a_class", -1), ("a_drawing", None),
               ("a_upload", None), ("b_source", "seed"), ("b_seed", 2), ("b_class", 3), ("b_drawing", None),
               ("b_upload", None), ("method", "slerp"), ("t", 0.5), *DIRECTIONS],
    "move_along": [("dataset", "mnist"), ("method", "lerp"), ("t", 0.5),
                   *[(f"direction_{i}", 0.5) for i in range(1, 6)]],
    "interpolate": [("dataset", "mnist"), ("t", 0.5)],
    "interpolate_gif": [("dataset", "mnist")],
    "sample": [("dataset", "mnist"), ("label", -1), ("seed", 0), ("count", 3), ("truncation", 1.0)],
    "load_examples": [("dataset", "mnist")],
    "pick_example": [("dataset", "mnist"), ("index", 0)],
    "repair": [("dataset", "mnist"), ("editor", editor("example"))],
    "denoise": [("dataset", "mnist"), ("editor", editor("example", layers=())), ("source", "add"), ("sigma", 40),
                ("percent", 10), ("seed", 0), ("noisy_upload", None)],
    "text_examples": [("dataset", "mnist")],
    "understand": [("dataset", "mnist"), ("prompt", "a bold seven")],
    "text_to_image": [("dataset", "mnist"), ("prompt", "a bold seven"), ("count", 2), ("seed", 0)],
    "analogy": [("dataset", "mnist"), ("drawing", None), ("picture", F("ring"))],
    "analogy_live": [("dataset", "mnist"), ("drawing", drawing("seven")), ("picture", None)],
    "describe_device": [],
    "class_names": [("dataset", "fashion-mnist")],
    "load_example": [("index", 0)],  # gr.Examples' own event (undocumented): fills the prompt with example `index`
    "ping": [],  # undocumented: the benchmarks' no-op
    "load_film": [("dataset", "mnist"), ("source", "cgan")],
    "plot_losses": [("step", 0)],
    # a live run of one step each stage (the server trains a tiny model on synthetic strokes: AEGAN_LIVE=tiny)
    "train": [("dataset", "mnist"), ("ae_steps", 1), ("gan_steps", 1), ("kl_weight", 0.02), ("adversarial_weight", 1.0),
              ("ae_lr", 1e-3), ("g_lr", 2e-4), ("d_lr", 2e-4)],
    "load_live_film": [("dataset", "mnist")],
    "stop": [("dataset", "mnist")],
    # the Compare tab: the families exist for Fashion-MNIST only (MNIST gets a note, see the cases)
    "compare_table": [("dataset", "fashion-mnist")],
    "compare_reconstruct": [("dataset", "fashion-mnist"), ("source", "example"), ("example", 3), ("drawing", None),
                            ("picture", None)],
    "compare_samples": [("dataset", "fashion-mnist"), ("seed", 0), ("label", -1)],
    "compare_walk": [("dataset", "fashion-mnist"), ("a", 0), ("b", 7)],
    "latent_map_click": [("dataset", "fashion-mnist"), ("family", "ae"), ("x", 0.5), ("y", 0.5)],
}
NEEDS_ENDPOINTS = {"interpolate", "move_along", "interpolate_gif"}  # these read the session's walk (gr.State)
# Your images (ui/yours.py): a fine-tune needs the session's images first (prepare() adds 20 under two labels).
PARAMS.update({
    "add_images": [("label", "ring"), ("files", lambda f: [f["ring"]]), ("drawing", None)],
    "clear_images": [],
    "fine_tune": [("dataset", "mnist")],  # a tiny model, a few steps (the server's $AEGAN_LIVE=tiny)
    "forget_model": [],
    "nearest": [("dataset", "mnist"), ("seed", 0)],
})
NEEDS_IMAGES = {"fine_tune"}

# Why Gradio, not the app, answers a case (public API only: issue 14). Each case marked expect="gradio" names one.
TOO_FEW = "too few values: Gradio refuses the event before any callback runs"
NOT_A_FILE = ("not a file dict for an image or editor input, or a list of them for a file input: Gradio validates "
              "its file values before the callback")
OUTSIDE = "a path outside Gradio's upload folder, marked as Gradio's file: Gradio refuses it before the callback"
UNKNOWN_API = "no event has this api_name: Gradio's route answers"
EXAMPLES_EVENT = "gr.Examples' own event: Gradio reads the example index, no callback of the app runs"


@dataclass
class Case:
    api: str
    changes: dict = field(default_factory=dict)  # parameter -> value (or a function of the uploaded files)
    expect: str = "error"  # "error" (the app's sentence), "complete", "http" or "gradio" (Gradio's own refusal)
    says: str | int = ""  # part of the message (error), of the outputs (complete), or the HTTP status
    data: Any = None  # a whole payload instead of PARAMS with changes (a list, or anything JSON can hold)
    raw: bytes | None = None  # the request body, as bytes
    encode_first: bool = True  # for NEEDS_ENDPOINTS (NEEDS_IMAGES): set the endpoints (add images) in the session first
    short: int = 0  # leave this many values off the end
    extra: list = field(default_factory=list)  # values added at the end
    name: str = ""
    why: str = ""  # expect="gradio": why the app's own code cannot answer it (one of the reasons above)

    def __post_init__(self):
        assert (self.expect == "gradio") == bool(self.why), f"{self.id}: a Gradio refusal must say why, and only it"

    def payload(self, files: dict) -> Any:
        if self.data is not None:
            return self.data
        unknown = set(self.changes) - {p for p, _ in PARAMS[self.api]}
        assert not unknown, f"{self.api} has no parameter {unknown}"
        values = [self.changes.get(p, v) for p, v in PARAMS[self.api]]
        values = [v(files) if callable(v) else v for v in values]
        return values[: len(values) - self.short] + self.extra

    @property
    def id(self) -> str:
        return f"{self.api}-{self.name or '-'.join(f'{k}={v!r:.20}' for k, v in self.changes.items()) or 'data'}"


def err(api, says, name="", **changes) -> Case:
    return Case(api, changes, "error", says, name=name)


def ok(api, says="", name="", **changes) -> Case:
    return Case(api, changes, "complete", says, name=name)


def gradios(api, why, name="", **changes) -> Case:
    """A case only Gradio answers (public API only, issue 14): refused, no traceback, the server serves on."""
    return Case(api, changes, "gradio", name=name, why=why)


NAN, INF = float("nan"), float("inf")
CHOICE = "must be one of its choices"
WITH_DATASET = [api for api, params in PARAMS.items() if params and params[0][0] == "dataset"]
WITH_INPUTS = [api for api, params in PARAMS.items() if params]

CASES: list[Case] = [
    # --- every endpoint with a dataset: missing, unknown, wrong type (understand says it, it never raises) ---
    *[(ok if api == "understand" else err)(api, CHOICE, dataset=value) for api in WITH_DATASET
      for value in (None, "cifar", 7, ["mnist"], {"$ne": 1})],
    # --- every endpoint with inputs: nothing sent, a value missing (Gradio's own refusal: its ValueError comes
    # before any callback, and with show_error=False its event carries no message); bodies that are not calls ---
    *[Case(api, expect="gradio", data=[], name="no-values", why=TOO_FEW) for api in WITH_INPUTS],
    *[Case(api, expect="gradio", short=1, name="one-value-short", why=TOO_FEW)
      for api in WITH_INPUTS if len(PARAMS[api]) > 1],
    *[Case(api, expect="http", says=422, data="not a list", name="data-is-text") for api in PARAMS],
    *[Case(api, expect="http", says=422, raw=b'{"data": [1, 2', name="truncated-json") for api in PARAMS],
    *[Case(api, expect="http", says=422, raw=b"\xff\xfe garbage", name="not-json") for api in PARAMS],
    Case("no_such_endpoint", expect="gradio", data=[], name="unknown-api", why=UNKNOWN_API),
    # extra values are ignored (Gradio's rule for every event): documented, so it must still work. The walk
    # (a gr.State) is the last input of the explorer's events, so extra values cannot shift onto t.
    *[Case(api, expect="complete", extra=["extra", 1, None], name="extra-values")
      for api in ("sample", "class_names", "describe_device", "ping", "analogy", "interpolate_gif", "interpolate",
                  "move_along", "compare_samples", "latent_map_click")],

    # --- the class sampler: numbers of every wrong kind ---
    err("sample", "must be a number", count="abc"),
    err("sample", "needs a number", count=None),
    err("sample", "must be a finite number", count=NAN),
    err("sample", "must be a finite number", count=INF),
    err("sample", "must be a finite number", count=-INF),
    err("sample", "must be a number", count=True),
    err("sample", "must be a number", count=[4]),
    err("sample", "must be a number", count={"value": 4}),
    err("sample", "“How many” must be from 1 to 64, not 0", count=0),
    err("sample", "must be from 1 to 64", count=-5),
    err("sample", "must be from 1 to 64", count=65),
    err("sample", "must be from 1 to 64", count=10**9),
    err("sample", "must be from 1 to 64", count=1e308),
    err("sample", "“How many” must be a whole number, not 2.5", count=2.5),
    err("sample", "must be a number", seed="7"),
    err("sample", "“Seed” must be from 0 to 2,147,483,647, not -1", seed=-1),
    err("sample", "must be from 0 to 2,147,483,647", seed=2**31),
    err("sample", "must be from 0 to 2,147,483,647", seed=10**30),
    err("sample", "must be a finite number", seed=NAN),
    err("sample", "must be a finite number", truncation=NAN),
    err("sample", "must be from 0 to 2", truncation=-0.1),
    err("sample", "must be from 0 to 2", truncation=2.5),
    err("sample", "must be a number", truncation="1"),
    err("sample", CHOICE, label=10),
    err("sample", CHOICE, label="7"),
    err("sample", CHOICE, label=[1]),
    err("sample", CHOICE, label=True),
    ok("sample", '"D ', name="seed-None-is-0", seed=None),  # documented: no seed means seed 0
    ok("sample", '"D ', name="label-None-is-all", label=None),  # documented: no class means all classes
    ok("sample", "(seed 2)", name="seed-1.5-rounds", seed=1.5),  # a number box of precision 0 rounds the seed
    ok("sample", '"D ', name="count-3.0", count=3.0),

    # JSON allows integers of any length (a script can send 10**400; a float cannot hold it), and long values
    # for a choice: each gets a short sentence, not the value echoed back
    err("sample", "is out of range", name="count-10**400", count=10**400),
    err("text_to_image", "is out of range", name="seed-10**400", seed=10**400),
    err("interpolate", "is out of range", name="t--10**400", t=-10**400),
    err("sample", CHOICE, name="label-10**400", label=10**400),
    err("sample", CHOICE, name="dataset-10k-characters", dataset="x" * 10_000),

    # --- the latent explorer ---
    err("encode", "must be from 0 to 2,147,483,647", a_seed=-1),
    err("encode", "must be a finite number", b_seed=NAN),
    err("encode", "must be a number", a_seed="one"),
    err("encode", CHOICE, a_source="camera"),
    err("encode", CHOICE, b_class=10),
    err("encode", "“t: from A (0) to B (1)” must be from 0 to 1, not 2", t=2),
    err("encode", "must be a finite number", t=NAN),
    err("encode", CHOICE, method="cubic"),
    err("encode", "“Direction 1” must be from -3 to 3", direction_1=-9),
    err("encode", "must be a finite number", direction_5=-INF),
    # a path outside the upload folder: in a dict marked as Gradio's file, Gradio refuses it; unmarked, the app does
    gradios("encode", OUTSIDE, name="path-outside", a_source="upload", a_upload={"path": "/etc/passwd", "meta": META}),
    err("encode", "not uploaded to this app", name="path-outside-no-meta", a_source="upload",
        a_upload={"path": "/etc/passwd"}),
    gradios("encode", OUTSIDE, name="path-dot-dot", a_source="upload",
            a_upload=lambda f: {"path": f["ring"]["path"] + "/../../../../etc/hostname", "meta": META}),
    err("encode", "not uploaded to this app", name="path-dot-dot-no-meta", a_source="upload",
        a_upload=lambda f: {"path": f["ring"]["path"] + "/../../../../etc/hostname"}),
    gradios("encode", OUTSIDE, name="path-url", a_source="upload",
            a_upload={"path": "http://127.0.0.1:9/x.png", "meta": META}),
    err("encode", "not uploaded to this app", name="path-url-no-meta", a_source="upload",
        a_upload={"path": "http://127.0.0.1:9/x.png"}),
    err("encode", "not uploaded to this app", name="path-too-long", a_source="upload", a_upload={"path": "x" * 5000}),
    err("encode", "not uploaded to this app", name="path-nul", a_source="upload", a_upload={"path": "a\x00b"}),
    gradios("encode", OUTSIDE, name="drawing-path-outside", a_source="drawing",
            a_drawing=drawing({"path": "/etc/passwd", "meta": META})),
    gradios("encode", NOT_A_FILE, name="upload-is-text", a_upload="/etc/passwd"),
    gradios("encode", NOT_A_FILE, name="upload-is-list", a_upload=[[0, 255], [255, 0]]),
    gradios("encode", NOT_A_FILE, name="drawing-is-text", a_drawing="a seven"),
    gradios("encode", NOT_A_FILE, name="layers-not-list", a_drawing={"layers": "x"}),
    err("encode", "needs a file 'path' from the upload route", name="upload-without-path", a_source="upload",
        a_upload={"x": [1, 2]}),
    *[err("encode", "not an image this app can read", name=kind, a_source="upload", a_upload=F(kind))
      for kind in ("truncated-png", "truncated-jpeg")],
    err("encode", "not an image this app can read", name="header-only", a_source="upload", a_upload=F("header-only")),
    err("encode", "not an image this app can read", name="text-file", a_source="upload", a_upload=F("text")),
    err("encode", "not an image this app can read", name="empty-file", a_source="upload", a_upload=F("empty")),
    err("encode", "not an image this app can read", name="svg", a_source="upload", a_upload=F("svg")),
    err("encode", "the limit is", name="bomb-header", a_source="upload", a_upload=F("bomb-header")),
    err("encode", "the limit is", name="20000x20000", a_source="upload", a_upload=F("20000x20000")),
    err("encode", "the limit is", name="4100x4100", a_source="upload", a_upload=F("4100x4100")),
    err("encode", "not an image this app can read", name="drawing-text-file", a_source="drawing",
        a_drawing=drawing("text")),
    ok("encode", "resized from 4000x4000 to 28x28", name="4000x4000", a_source="upload", a_upload=F("4000x4000")),
    *[ok("encode", "E reads it as", name=kind, a_source="upload", a_upload=F(kind))
      for kind in ("rgba", "palette", "gray16", "gray-alpha", "bilevel", "cmyk", "jpeg")],
    ok("encode", "seed 1", name="one-pixel-falls-back", a_source="upload", a_upload=F("one-pixel")),
    ok("encode", "draw on the sketchpad", name="transparent-drawing", a_source="drawing",
       a_drawing=drawing("transparent")),
    ok("encode", "upload an image", name="upload-chosen-but-none", a_source="upload"),  # documented: seed instead
    ok("encode", "E reads it as", name="drawing", a_source="drawing", a_drawing=drawing("seven")),
    ok("encode", '"frames": ["data:image/png;base64,', name="view-holds-every-frame"),  # the page's 101 frames
    Case("interpolate", {}, "error", "endpoints are not set", encode_first=False, name="before-encode"),
    Case("move_along", {}, "error", "endpoints are not set", encode_first=False, name="before-encode"),
    Case("interpolate_gif", {}, "error", "endpoints are not set", encode_first=False, name="before-encode"),
    err("interpolate", "must be a number", t="half"),
    err("interpolate", "needs a number", t=None),
    err("interpolate", "must be a finite number", t=NAN),
    err("interpolate", "must be from 0 to 1", t=-0.01),
    err("move_along", CHOICE, method=None),
    err("move_along", CHOICE, method="SLERP"),
    err("move_along", CHOICE, method=""),
    err("move_along", "“Direction 3” must be from -3 to 3, not 3.5", direction_3=3.5),
    err("move_along", "must be a finite number", direction_1=NAN),
    err("move_along", "must be a finite number", direction_2=INF),
    err("move_along", "must be a number", direction_4=[1]),
    err("move_along", "must be from 0 to 1", t=1.5),
    ok("move_along", "data:image/png;base64,", name="direction-None-is-0", direction_2=None),  # a cleared box: 0
    err("interpolate", "endpoints are not set", name="other-dataset", dataset="fashion-mnist"),  # encoded for mnist
    err("move_along", "endpoints are not set", name="other-dataset", dataset="fashion-mnist"),
    err("interpolate_gif", "endpoints are not set", name="other-dataset", dataset="fashion-mnist"),

    # --- your images: labels, files of every kind, drawings; a fine-tune needs 20 images under 2 labels ---
    ok("add_images", "1 image under 1 label", name="one-file"),
    gradios("add_images", NOT_A_FILE, name="one-file-not-in-a-list", files=F("ring")),  # a multiple-file input
    ok("add_images", "2 images under 1 label", name="a-file-and-a-drawing", drawing=drawing("seven")),
    ok("add_images", "1 image under 1 label", name="drawing-only", files=None, drawing=drawing("seven")),
    ok("add_images", "**ring**", name="label-spaces-collapse", label="  ring  "),
    ok("add_images", "**🐱 cat**", name="label-emoji", label="🐱 cat"),
    *[ok("add_images", "1 image under 1 label", name=kind, files=lambda f, kind=kind: [f[kind]])
      for kind in ("rgba", "palette", "gray16", "gray-alpha", "bilevel", "cmyk", "jpeg", "4000x4000")],
    err("add_images", "name the label first", label=None),
    err("add_images", "name the label first", label=""),
    err("add_images", "“Label” must be text", label=7),
    err("add_images", "“Label” must be text", label=["ring"]),
    err("add_images", "at most 40 characters, not 41", label="x" * 41),
    err("add_images", "at most 40 characters, not 10,000", name="label-10k", label="x" * 10_000),
    err("add_images", "control characters", label="ri\x00ng"),
    err("add_images", "nothing to add", name="nothing", files=None),
    err("add_images", "nothing to add", name="empty-list", files=[]),
    err("add_images", "nothing to add", name="empty-drawing", files=None, drawing=drawing("transparent")),
    err("add_images", "“notes.png”: that file is not an image this app can read", name="text-file",
        files=lambda f: [f["ring"], f["text"]]),
    *[err("add_images", "not an image this app can read", name=kind, files=lambda f, kind=kind: [f[kind]])
      for kind in ("empty", "svg", "header-only", "truncated-png", "truncated-jpeg")],
    *[err("add_images", "the limit is", name=kind, files=lambda f, kind=kind: [f[kind]])
      for kind in ("bomb-header", "20000x20000", "4100x4100")],
    err("add_images", "is blank once made 28x28", name="blank", files=lambda f: [f["transparent"]]),
    err("add_images", "is blank once made 28x28", name="one-pixel", files=lambda f: [f["one-pixel"]]),
    err("add_images", "there is room for 200 more images", name="201-files", files=lambda f: [f["ring"]] * 201),
    # a file input (gr.File) wants every file marked, as an editor does: an unmarked path is Gradio's refusal too
    gradios("add_images", NOT_A_FILE, name="outside-no-meta", files=[{"path": "/etc/passwd"}]),
    err("add_images", "not an image this app can read", name="drawing-text", files=None, drawing=drawing("text")),
    err("add_images", "must have at most 8 layers", name="drawing-9-layers", files=None,
        drawing=lambda f: {"background": None, "layers": [f["mask-layer"]] * 9, "composite": None}),
    ok("clear_images", "deleted", name="nothing-to-clear"),
    Case("fine_tune", {}, "error", "add your images first", encode_first=False, name="no-images"),
    ok("fine_tune", "**Done** in ", name="twenty-images"),
    ok("forget_model", "You have no model of your own", name="none"),
    ok("nearest", "Fine-tune a model on your images first", name="no-model"),
    err("nearest", "“Seed” must be from 0 to 2,147,483,647, not -1", seed=-1),
    err("nearest", "must be a finite number", seed=NAN),
    err("nearest", "must be a number", seed="7"),
    ok("nearest", "Fine-tune a model", name="seed-None-is-0", seed=None),

    # --- removing noise (the repair tab's second part) ---
    err("denoise", "both are 0", name="no-noise", sigma=0, percent=0),
    err("denoise", "“Gaussian noise (sigma, grey levels of 255)” must be from 0 to 128, not 129", sigma=129),
    err("denoise", "must be a finite number", sigma=NAN),
    err("denoise", "must be a number", sigma="40"),
    err("denoise", "“Salt and pepper (% of pixels)” must be from 0 to 90, not 91", percent=91),
    err("denoise", "must be a whole number", percent=12.5),
    err("denoise", "must be from 0 to 2,147,483,647", seed=-1),
    err("denoise", CHOICE, source="blur"),
    err("denoise", "pick a test image", name="no-picture", editor=None),
    err("denoise", "upload a noisy image first", name="noisy-without-upload", source="noisy"),
    err("denoise", "not an image this app can read", name="noisy-text-file", source="noisy", noisy_upload=F("text")),
    err("denoise", "the limit is", name="noisy-bomb", source="noisy", noisy_upload=F("bomb-header")),
    err("denoise", "all black", name="noisy-all-black", source="noisy", noisy_upload=F("transparent")),
    err("denoise", "not uploaded to this app", name="noisy-outside-no-meta", source="noisy",
        noisy_upload={"path": "/etc/passwd"}),
    gradios("denoise", NOT_A_FILE, name="noisy-upload-is-text", source="noisy", noisy_upload="/etc/passwd"),
    ok("denoise", "found", name="noisy-upload", source="noisy", noisy_upload=F("ring")),
    ok("denoise", "Noise found in the image", name="upload-ignored-when-adding", noisy_upload=F("ring")),

    # --- image repair ---
    err("repair", "pick a test image", editor=None),
    err("repair", "pick a test image", name="empty-editor", editor=EMPTY_DRAWING),
    err("repair", "mask is empty", name="nothing-painted", editor=editor("example", layers=())),
    err("repair", "different sizes", name="layers-differ",
        editor=editor("example", layers=("mask-layer", "small-layer"))),
    err("repair", "but the image is", name="mask-smaller", editor=editor("example", layers=("small-layer",))),
    err("repair", "not an image this app can read", name="text-background", editor=editor("text")),
    err("repair", "not an image this app can read", name="truncated-background", editor=editor("truncated-png")),
    err("repair", "the limit is", name="bomb-background", editor=editor("bomb-header")),
    gradios("repair", OUTSIDE, name="background-outside",
            editor={"background": {"path": "/etc/passwd", "meta": META}, "layers": [], "composite": None}),
    # inside an editor value Gradio wants every file marked, so an unmarked path is its refusal too
    gradios("repair", NOT_A_FILE, name="background-outside-no-meta",
            editor={"background": {"path": "/etc/passwd"}, "layers": [], "composite": None}),
    gradios("repair", NOT_A_FILE, name="layer-outside",
            editor=lambda f: {"background": f["example"], "layers": [{"path": "/etc/hostname"}], "composite": None}),
    gradios("repair", NOT_A_FILE, name="editor-is-list", editor=[1, 2, 3]),
    gradios("repair", NOT_A_FILE, name="background-is-number",
            editor={"background": 5, "layers": [], "composite": None}),
    err("repair", "must have at most 8 layers", name="5000-layers",
        editor=editor("example", layers=("mask-layer",) * 5000)),
    err("encode", "must have at most 8 layers", name="drawing-9-layers", a_source="drawing",
        a_drawing=lambda f: {"background": None, "layers": [f["mask-layer"]] * 9, "composite": None}),
    err("repair", "mask is empty", name="upload-unpainted", editor=editor("ring", layers=())),
    err("repair", "but the image is", name="mask-on-other-size", editor=editor("ring")),
    err("pick_example", "“Example” must be from 0 to 11, not 12", index=12),
    err("pick_example", "must be from 0 to 11", index=-3),
    err("pick_example", "must be a number", index="3"),
    err("pick_example", "must be a finite number", index=NAN),
    err("pick_example", "“Example” must be a whole number, not 1.5", index=1.5),  # refused, not rounded
    ok("pick_example", "background", name="index-2.0", index=2.0),

    # --- text to image ---
    err("text_to_image", "type a sentence first", prompt=""),
    err("text_to_image", "type a sentence first", prompt="   \t\n  "),
    err("text_to_image", "type a sentence first", prompt=None),
    err("text_to_image", "keep it under 200", prompt="shoe " * 2000),  # 10,000 characters
    err("text_to_image", "no words in it", prompt="👟👟🔥"),
    err("text_to_image", "type a sentence first", prompt="\x00\x01\x02"),  # control characters count as nothing
    err("text_to_image", "must be text", prompt=["a", "b"]),
    err("text_to_image", "must be text", prompt=12345),
    err("text_to_image", "“How many” must be from 1 to 32, not 33", count=33),
    err("text_to_image", "must be from 1 to 32", count=0),
    err("text_to_image", "whole number", count=1.5),
    err("text_to_image", "must be a finite number", count=NAN),
    err("text_to_image", "must be from 0 to 2,147,483,647", seed=-7),
    ok("understand", "keep it under 200", prompt="x" * 10_000),
    ok("understand", "no words in it", prompt="🔥🔥"),
    ok("understand", '[""]', name="empty-prompt-is-quiet", prompt=""),
    ok("understand", "must be text", prompt={"x": 1}),  # a live preview says it, it never raises

    # --- style transfer ---
    err("analogy", "canvas is empty", picture=None),
    err("analogy", "canvas is empty", name="transparent", picture=None, drawing=drawing("transparent")),
    err("analogy", "the limit is", name="bomb", picture=F("bomb-header")),
    err("analogy", "the limit is", name="20000x20000", picture=F("20000x20000")),
    err("analogy", "not an image this app can read", name="truncated", picture=F("truncated-png")),
    err("analogy", "not an image this app can read", name="text", picture=F("text")),
    err("analogy", "not uploaded to this app", name="outside", picture={"path": "/etc/passwd"}),
    gradios("analogy", OUTSIDE, name="proc", picture={"path": "/proc/self/environ", "meta": META}),
    gradios("analogy", NOT_A_FILE, name="pixels-as-list", picture=[[0, 255], [255, 0]]),
    ok("analogy", "resized from 4000x4000", name="4000x4000", picture=F("4000x4000")),
    *[ok("analogy", "converted to grayscale" if kind in ("cmyk", "jpeg") else "", name=kind, picture=F(kind))
      for kind in ("rgba", "palette", "gray16", "cmyk", "jpeg")],
    ok("analogy_live", '[null, [], {}, ""]', name="empty-clears", drawing=EMPTY_DRAWING),  # documented: cleared
    err("analogy_live", "the limit is", name="bomb", drawing=None, picture=F("bomb-header")),
    err("analogy_live", "not uploaded to this app", name="outside", drawing=None, picture={"path": "/etc/passwd"}),
    gradios("analogy_live", NOT_A_FILE, name="drawing-outside-no-meta", drawing=drawing({"path": "/etc/passwd"})),

    # --- the Training tab: the player and the live run's knobs (training/live.py's bounds; more cases, each a
    # live run afterwards, in test_training_tab.py) ---
    ok("load_film", "has no training film", name="no-film"),
    err("load_film", CHOICE, source="vae"),
    ok("plot_losses", "stage 1 (AE)", name="no-film"),  # nothing loaded in the session: the curves, no points
    err("plot_losses", "“Step” must be from 0 to 10,000,000, not -1", step=-1),
    err("plot_losses", "must be a number", step="5"),
    err("train", "steps together must be from 1 to 3,000, not 3,001", ae_steps=3000),
    err("train", "must be a finite number", kl_weight=NAN),
    err("train", "must be from 1e-05 to 0.01", g_lr=0),
    err("train", "must be a number", d_lr="2e-4"),
    ok("train", "Finished", name="one-step-each"),
    ok("load_live_film", "not trained a live run in this session", name="no-run"),
    ok("stop", "No run of yours is training", name="no-run"),

    # --- the light endpoints ---
    # load_example is gr.Examples' own event: Gradio reads the index (its Dataset component), no callback of ours
    gradios("load_example", EXAMPLES_EVENT, index=99),
    ok("load_example", "long loose trousers", index=-1),  # Gradio's own reading: Python's last item
    gradios("load_example", EXAMPLES_EVENT, index="0"),
    gradios("load_example", EXAMPLES_EVENT, index=None),
    ok("load_example", "a pair of running shoes", name="first"),  # the page's first examples: Fashion-MNIST
    ok("describe_device", "Models run on", name="plain"),
    ok("ping", "pong", name="plain"),

    # --- compare models (the seed's families): MNIST is answered with a note, the rest like every tab ---
    ok("compare_table", "Fashion-MNIST only", name="mnist-note", dataset="mnist"),
    ok("compare_reconstruct", "Fashion-MNIST only", name="mnist-note", dataset="mnist"),
    ok("compare_samples", "Fashion-MNIST only", name="mnist-note", dataset="mnist"),
    ok("compare_walk", "Fashion-MNIST only", name="mnist-note", dataset="mnist"),
    err("latent_map_click", "Fashion-MNIST only", name="mnist", dataset="mnist"),
    err("compare_reconstruct", CHOICE, source="camera"),
    err("compare_reconstruct", CHOICE, example=12),
    err("compare_reconstruct", CHOICE, example=None),
    err("compare_reconstruct", CHOICE, example=2.5),
    err("compare_reconstruct", CHOICE, example="3"),
    ok("compare_reconstruct", "resized from 90x60 to 28x28", name="upload", source="upload",
       picture=F("ring")),
    ok("compare_reconstruct", "Input: your drawing", name="drawing", source="drawing", drawing=drawing("seven")),
    ok("compare_reconstruct", "draw on the sketchpad to use your own", name="transparent-drawing", source="drawing",
       drawing=drawing("transparent")),
    ok("compare_reconstruct", "upload an image to use your own", name="upload-chosen-but-none", source="upload"),
    err("compare_reconstruct", "the limit is", name="bomb", source="upload", picture=F("bomb-header")),
    err("compare_reconstruct", "not an image this app can read", name="text", source="upload", picture=F("text")),
    err("compare_reconstruct", "not an image this app can read", name="drawing-text", source="drawing",
        drawing=drawing("text")),
    err("compare_reconstruct", "not uploaded to this app", name="outside-no-meta", source="upload",
        picture={"path": "/etc/passwd"}),
    gradios("compare_reconstruct", OUTSIDE, name="outside", source="upload",
            picture={"path": "/etc/passwd", "meta": META}),
    gradios("compare_reconstruct", NOT_A_FILE, name="picture-is-text", picture="/etc/passwd"),
    err("compare_reconstruct", "must have at most 8 layers", name="drawing-9-layers", source="drawing",
        drawing=lambda f: {"background": None, "layers": [f["mask-layer"]] * 9, "composite": None}),
    err("compare_samples", "“Seed” must be from 0 to 2,147,483,647, not -1", seed=-1),
    err("compare_samples", "must be a finite number", seed=NAN),
    err("compare_samples", "must be a number", seed="7"),
    err("compare_samples", CHOICE, label=10),
    err("compare_samples", CHOICE, label="sneaker"),
    ok("compare_samples", "Seed 0", name="seed-None-is-0", seed=None),
    ok("compare_samples", "one of each class", name="label-None-is-each", label=None),
    ok("compare_samples", "all **sneaker**", name="label-7", label=7),
    err("compare_walk", CHOICE, a=12),
    err("compare_walk", CHOICE, b=-1),
    err("compare_walk", CHOICE, a="0"),
    err("compare_walk", CHOICE, b=None),
    ok("compare_walk", "From test image 3", name="same-image-twice", a=3, b=3),
    err("latent_map_click", "must be a finite number", x=NAN),
    err("latent_map_click", "must be a finite number", y=-INF),
    err("latent_map_click", "“y (fraction of the map's height, from the top)” must be from 0 to 1, not 2", y=2),
    err("latent_map_click", "must be from 0 to 1", x=-0.01),
    err("latent_map_click", "must be a number", x="half"),
    err("latent_map_click", "needs a number", y=None),
    err("latent_map_click", CHOICE, family="gan"),
    err("latent_map_click", CHOICE, family="cgan"),
    err("latent_map_click", CHOICE, family=None),
    ok("latent_map_click", "nearest test image there is", name="corner", x=0.0, y=1.0),
    ok("latent_map_click", "The VAE's decoder", name="vae", family="vae"),
]


def inline_image(image_bytes: bytes) -> dict:
    import base64

    return {"url": "data:image/png;base64," + base64.b64encode(image_bytes).decode(), "path": None,
            "meta": META}


# data: URLs carry the image inside the JSON call (no upload): the same checks apply.
CASES += [
    ok("analogy", "resized from 60x60", name="data-url", picture=inline_image(png_bytes(ring((60, 60))))),
    err("analogy", "the limit is", name="data-url-bomb", picture=inline_image(bomb_header(100_000, 100_000))),
    err("analogy", "not an image this app can read", name="data-url-junk",
        picture={"url": "data:image/png;base64,AAAA////", "path": None, "meta": META}),
    # a good uploaded path cannot smuggle a bomb in the url: marked as Gradio's file, Gradio keeps the path and
    # the url goes unread; unmarked, the app reads the data: URL first, and refuses it
    ok("analogy", "resized from 90x60", name="good-path-bomb-url",
       picture=lambda f: {**f["ring"], "url": inline_image(bomb_header(100_000, 100_000))["url"]}),
    err("analogy", "the limit is", name="good-path-bomb-url-no-meta",
        picture=lambda f: {"path": f["ring"]["path"], "url": inline_image(bomb_header(100_000, 100_000))["url"]}),
]


def good_payload(api: str, files: dict) -> list:
    return Case(api).payload(files)


def prepare(base: str, api: str, files: dict, session: str) -> None:
    """What an endpoint reads from its session, set first: the walk's endpoints, or images under two labels."""
    if api in NEEDS_ENDPOINTS:
        assert call(base, "encode", good_payload("encode", files), session).kind == "complete"
    if api in NEEDS_IMAGES:
        for label, name in (("ring", "ring"), ("seven", "seven")):
            assert call(base, "add_images", [label, [files[name]] * 10, None], session).kind == "complete"


def run_case(base: str, case: Case, files: dict) -> Outcome:
    session = uuid.uuid4().hex
    if case.encode_first:
        prepare(base, case.api, files, session)
    if case.raw is not None:
        return call(base, case.api, None, raw=case.raw)
    return call(base, case.api, case.payload(files), session)


def still_serving(base: str, api: str, files: dict) -> None:
    """After a hostile case: the same endpoint answers a normal request, and so does the footer."""
    if api in PARAMS:
        session = uuid.uuid4().hex
        prepare(base, api, files, session)
        after = call(base, api, good_payload(api, files), session)
        assert after.kind == "complete", f"{api} stopped answering normal requests: {after}"
    assert call(base, "describe_device", []).kind == "complete"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_hostile_input_gets_a_clear_answer(base, files, case):
    outcome = run_case(base, case, files)
    if case.expect == "http":
        assert outcome.kind == "http" and outcome.data == case.says, outcome
        assert "Traceback" not in outcome.body
    elif case.expect == "gradio":  # Gradio's own refusal (public API only, issue 14): case.why says why
        assert_refused_by_gradio(outcome)
    elif case.expect == "error":
        assert outcome.kind == "error", f"expected a refusal, got {outcome}"
        assert_one_sentence(outcome.data)
        assert str(case.says).lower() in outcome.data.lower(), outcome.data
    else:
        assert outcome.kind == "complete", f"expected a documented answer, got {outcome}"
        text = json.dumps(outcome.data, ensure_ascii=False)
        assert str(case.says) in text, text[:500]
        assert "Traceback" not in text
    still_serving(base, case.api, files)


def test_reading_an_unknown_event_gets_an_error_and_the_server_answers_on(base):
    """GET /gradio_api/call/<api>/<id> for an id the queue never made: Gradio sends an error event ("404: Not
    Found"), then drops the connection before the stream's last chunk (its route, not ours)."""
    lines = []
    with httpx.Client(timeout=30) as client:
        try:
            with client.stream("GET", f"{base}/gradio_api/call/ping/{uuid.uuid4().hex}") as stream:
                lines.extend(stream.iter_lines())
        except httpx.RemoteProtocolError:
            pass
    assert "event: error" in lines and any(line.startswith("data:") and "404" in line for line in lines), lines
    assert call(base, "ping", []).kind == "complete"


def join(base: str, fn_index: int, data: list) -> Outcome:
    """One event the way the browser sends it: POST /gradio_api/queue/join by fn_index, then the session's
    event stream (/gradio_api/queue/data) to its end."""
    session = uuid.uuid4().hex
    with httpx.Client(timeout=httpx.Timeout(60, read=CALL_DEADLINE_S)) as client:
        joined = client.post(f"{base}/gradio_api/queue/join", json={"data": data, "fn_index": fn_index,
                                                                     "session_hash": session})
        if joined.status_code != 200:
            return Outcome("http", joined.status_code, joined.text)
        with client.stream("GET", f"{base}/gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    return (Outcome("complete", output.get("data")) if message.get("success")
                            else Outcome("error", output.get("error")))
    raise AssertionError(f"event {fn_index}: the stream ended without a result")


def page_config(base: str) -> dict:
    """The page's configuration, as the browser fetches it (GET /config): its components and events."""
    return httpx.get(f"{base}/config", timeout=30).json()


# Events that Gradio answers itself whatever they are sent (public API only, issue 14): gr.Examples' load_example
# (Gradio's own callback reads the index), and the gallery click, whose callback needs the click's event data
# that Gradio builds from what the browser sends.
GRADIOS_EVENTS = {"load_example": EXAMPLES_EVENT, "clicked_example": "Gradio builds the click's event data first",
                  "latent_map_select_ae": "Gradio builds the click's event data first",  # latent_map_click: its twin
                  "latent_map_select_vae": "Gradio builds the click's event data first"}
FILE_INPUTS = {"image", "imageeditor"}
FILE_LISTS = {"file"}  # gr.File(file_count="multiple"): a list of file dicts, each marked as Gradio's


def is_file_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) and v.get("meta") == META for v in value)


def gradio_answers(event: dict, types: dict, data: list) -> str:
    """Why Gradio, not the app, answers this event with these values ('' when the app must answer)."""
    if len(data) < len(event["inputs"]):
        return TOO_FEW
    if not event["backend_fn"]:
        return "a browser-only event (JavaScript): no server function, so Gradio refuses a call"
    if event.get("api_name") in GRADIOS_EVENTS:
        return GRADIOS_EVENTS[event["api_name"]]
    if any(types[i] in FILE_INPUTS and value is not None and not isinstance(value, dict)
           for i, value in zip(event["inputs"], data)):
        return NOT_A_FILE
    if any(types[i] in FILE_LISTS and value is not None and not is_file_list(value)
           for i, value in zip(event["inputs"], data)):
        return NOT_A_FILE
    return ""


def test_every_event_called_by_a_script_gets_a_result_or_one_sentence(base):
    """The browser's own route reaches every event, the private and browser-only ones too (a gallery click
    that needs its click data, JavaScript-only buttons): values no browser sends get one sentence each, except
    where Gradio refuses them before any callback of the app (then: refused, no traceback, still serving)."""
    config = page_config(base)
    types = {component["id"]: component["type"] for component in config["components"]}
    events = config["dependencies"]
    assert len(events) > 20
    for event in events:
        for data in ([{"x": [1, 2]}] * len(event["inputs"]), [10**400] * len(event["inputs"]), []):
            outcome = join(base, event["id"], data)
            where = f"event {event['id']} ({event.get('api_name')}) with {shown(data)}"
            assert outcome.kind in ("complete", "error"), f"{where}: {outcome}"
            if outcome.kind == "error":
                if gradio_answers(event, types, data):
                    assert_refused_by_gradio(outcome)
                else:
                    assert_one_sentence(outcome.data)
        assert call(base, "ping", []).kind == "complete", f"the server stopped after event {event['id']}"


def test_every_endpoint_is_in_the_table(base):
    """A new endpoint without hostile cases fails here. The documented ones come from /gradio_api/info, with their
    parameters (the table's order must be theirs); the undocumented but callable ones (load_example, ping) from
    the page's configuration. Private ones cannot be called by name, so they are left out."""
    info = httpx.get(f"{base}/gradio_api/info", timeout=30).json()["named_endpoints"]
    documented = {name.lstrip("/") for name in info}
    callable_names = documented | {event["api_name"] for event in page_config(base)["dependencies"]
                                   if event["backend_fn"] and event.get("api_name")
                                   and event.get("api_visibility") != "private"}
    assert {"encode", "move_along", "interpolate", "interpolate_gif", "sample", "repair"} <= documented
    assert callable_names <= set(PARAMS), callable_names - set(PARAMS)
    assert callable_names <= {case.api for case in CASES}
    for api in documented:  # the table's parameter order is the API's
        assert [p["parameter_name"] for p in info[f"/{api}"]["parameters"]] == [p for p, _ in PARAMS[api]], api


def test_every_endpoint_answers_normally(base, files):
    """The good payloads the table varies are themselves accepted (so a refusal above is about the change)."""
    for api in PARAMS:
        outcome = run_case(base, Case(api, expect="complete"), files)
        assert outcome.kind == "complete", (api, outcome)


def test_every_gradio_refusal_says_why():
    """Each case left to Gradio names one of the reasons in this module (public API only, issue 14), and they
    stay few: everything else is answered with the app's own sentence."""
    reasons = {TOO_FEW, NOT_A_FILE, OUTSIDE, UNKNOWN_API, EXAMPLES_EVENT}
    left_to_gradio = [case for case in CASES if case.expect == "gradio"]
    assert {case.why for case in left_to_gradio} <= reasons
    assert len([c for c in left_to_gradio if c.why != TOO_FEW]) <= 25, [c.id for c in left_to_gradio]


# --- uploads, bodies and files ------------------------------------------------------------------------------

def upload_limit() -> int:
    """The app's max_file_size in bytes (ui/studio.py, passed to launch)."""
    from ui.studio import MAX_UPLOAD_BYTES

    return MAX_UPLOAD_BYTES


def test_uploads_over_the_size_limit_are_refused(base):
    assert upload_limit() <= 50 * 2**20
    just_over = b"\x00" * (upload_limit() + 1024)  # over Gradio's max_file_size, under the body limit
    refused = httpx.post(f"{base}/gradio_api/upload", files={"files": ("big.png", just_over)}, timeout=120)
    assert refused.status_code == 413 and "\n" not in refused.text.strip(), refused.text[:200]
    far_over = b"\x00" * (upload_limit() + 2_000_000)  # refused before it is read (Content-Length)
    refused = httpx.post(f"{base}/gradio_api/upload", files={"files": ("bigger.png", far_over)}, timeout=120)
    assert refused.status_code == 413 and "over the limit" in refused.text
    under = httpx.post(f"{base}/gradio_api/upload", files={"files": ("fine.png", b"\x00" * 1_000_000)}, timeout=120)
    assert under.status_code == 200
    assert call(base, "describe_device", []).kind == "complete"


def test_request_bodies_over_the_limit_are_refused(base):
    """JSON calls can carry an image inline (a data: URL), so they have a limit too, with or without a length."""
    prompt = "a" * (upload_limit() + 2_000_000)
    body = json.dumps({"data": ["mnist", prompt, 2, 0]}).encode()
    refused = httpx.post(f"{base}/gradio_api/call/text_to_image", content=body,
                         headers={"content-type": "application/json"}, timeout=120)
    assert refused.status_code == 413 and "over the limit" in refused.text

    def chunks():  # no Content-Length: sent chunked, counted as it arrives
        for start in range(0, len(body), 1_000_000):
            yield body[start : start + 1_000_000]

    refused = httpx.post(f"{base}/gradio_api/call/text_to_image", content=chunks(),
                         headers={"content-type": "application/json"}, timeout=120)
    assert refused.status_code == 413
    assert call(base, "describe_device", []).kind == "complete"


@pytest.mark.parametrize("path", ["/etc/passwd", "/proc/self/environ", "etc/passwd", "app.py", "../../etc/passwd",
                                  "/tmp/gradio/../../etc/passwd", "%2Fetc%2Fpasswd", "file:///etc/passwd",
                                  "//etc/passwd", ".git/config", "checkpoints/mnist-cgan/config.json"])
def test_the_file_route_serves_nothing_outside_the_app(base, path):
    for route in (f"/gradio_api/file={path}", f"/gradio_api/file/{path.lstrip('/')}", f"/file={path}"):
        response = httpx.get(base + route, timeout=30)
        assert response.status_code in (400, 403, 404), (route, response.status_code, response.text[:100])
        assert "root:" not in response.text and "AEGAN" not in response.text


def test_the_file_route_serves_the_apps_own_outputs(base):
    """The positive control for the test above: files the app made (a sampled image, the walk's GIF) are
    readable at the URLs it gave."""
    session = "file-route-control"
    assert call(base, "encode", [v for _, v in PARAMS["encode"]], session).kind == "complete"
    outcome = call(base, "interpolate_gif", [v for _, v in PARAMS["interpolate_gif"]], session)
    url = outcome.data[0]["url"]
    assert url.startswith(f"{base}/gradio_api/file=")
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200 and response.content[:6] == b"GIF89a"
    outcome = call(base, "sample", [v for _, v in PARAMS["sample"]])
    url = outcome.data[0][0]["image"]["url"]
    assert url.startswith(f"{base}/gradio_api/file=")
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200 and response.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_payload_path_cannot_read_a_file_outside_the_app(base, tmp_path):
    """An image outside the upload folder, named in a payload, is never read (an image the app could decode
    would otherwise come back re-drawn: the leak this stops). A path in a value marked as Gradio's file is
    refused by Gradio; an unmarked one reaches the app (preprocess=False), which refuses it itself."""
    secret = tmp_path / "secret.png"
    ring((60, 60)).save(secret)
    for picture in ({"path": str(secret)}, {"path": str(secret), "url": None}, {"path": "//" + str(secret)}):
        outcome = call(base, "analogy", ["mnist", None, picture])
        assert outcome.kind == "error" and "not uploaded to this app" in outcome.data, outcome
        assert_one_sentence(outcome.data)
    marked = [{"path": str(secret), "meta": META},
              {"path": str(secret), "url": f"{base}/gradio_api/file={secret}", "meta": META}]
    for picture in marked:  # Gradio's own refusal
        assert_refused_by_gradio(call(base, "analogy", ["mnist", None, picture]))
    for drawing_value in ({"background": None, "layers": [], "composite": {"path": str(secret)}},
                          {"background": None, "layers": [], "composite": {"path": str(secret), "meta": META}}):
        assert_refused_by_gradio(call(base, "analogy", ["mnist", drawing_value, None]))
        assert_refused_by_gradio(call(base, "repair", ["mnist", {**drawing_value, "background": drawing_value[
            "composite"], "layers": [drawing_value["composite"]]}]))
    # the same picture through the upload route is read: it lands in the folder the app reads uploads from
    from ui.requests import upload_folder

    with secret.open("rb") as handle:
        path = httpx.post(f"{base}/gradio_api/upload", files={"files": ("secret.png", handle)}).json()[0]
    assert Path(path).resolve().is_relative_to(upload_folder()), (path, upload_folder())
    assert call(base, "analogy", ["mnist", None, {"path": path, "meta": META}]).kind == "complete"
    assert call(base, "analogy", ["mnist", None, {"path": path}]).kind == "complete"  # unmarked, inside: read
