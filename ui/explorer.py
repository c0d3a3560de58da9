"""Tab 1, Latent explorer: walk between two endpoints (a seed, a class, a drawing or an upload pushed
through the encoder), live, by lerp or slerp; move along the main directions of the latent space;
see the whole walk as a strip and export it as a GIF.

Events (api_name = the pipeline verb):
    encode          endpoints -> per-session state, previews, the frame and the strip (and the walk drawn at
                    all 101 positions of the t slider, kept for the moves that follow)
    interpolate     the walk slider -> one frame (live: a lookup in that walk; after the direction sliders
                    moved, the first move draws the moved walk)
    move_along      the direction sliders -> frame and strip (live)
    interpolate_gif the whole walk -> an animated GIF
"""

from __future__ import annotations

import functools
import json

import gradio as gr
import numpy as np

from .common import (HEAVY, LIVE, SCALE, class_choices, class_names, explain, friendly, get_directions,
                     get_model, gpu, image_output, read_drawing, read_image, seed_number, show, show_strip,
                     sketchpad, upload, write_gif)

N_DIRECTIONS = 5  # sliders for the first principal directions (the shipped file has 8)
T_STEPS = 100  # the t slider moves in steps of 1/100: 101 positions
STRIP_STEPS = np.arange(0, T_STEPS + 1, T_STEPS // 10)  # the strip: t = 0, 0.1, ..., 1, slider positions too
WALKS_KEPT = 128  # walks whose every slider position is kept (79 kB each: 10 MB at most)
GIF_FRAMES = 24
METHODS = [("slerp (around the sphere)", "slerp"), ("lerp (straight line)", "lerp")]
SOURCES = [("seed", "seed"), ("drawing", "drawing"), ("upload", "upload")]
AUTO = "auto (seed picks / E guesses)"

EXPLAIN = """**What E, G and D do here.** The generator **G** turns a code *z* (32 numbers) and a class into an
image, so every point on the way from code A to code B is an image too: the slider walks that path.
For a drawing or an upload, the encoder **E** finds the code and class that G would need to draw it (the
preview is G's re-drawing). The discriminator **D** is not called here; in training it taught G which
codes look real, which is why the in-between images look like clothes or digits, not blurs."""


# --- callbacks (module level so tests can call them) ----------------------------------------------------

def _endpoint(model, dataset: str, source: str, seed, label, drawing, picture, side: str) -> tuple[dict, str]:
    """One endpoint as {'z': [L], 'class': k} and a note for the student."""
    from aegan.images import to_tensor
    from aegan.pipeline import check_label, draw_latents, encode

    names = model.config.class_names or class_names(dataset)
    k = model.config.num_classes
    label = int(label) if label is not None else -1
    if label != -1:
        check_label(model, label)
    note = ""
    if source in ("drawing", "upload"):
        read = read_drawing(drawing) if source == "drawing" else read_image(picture)
        if read is not None:
            image, notes = read
            z, probs = encode(model, to_tensor(image))  # z [1, L], probs [1, K]
            guess = int(probs[0].argmax())
            chosen = guess if label == -1 else label
            note = f"E reads it as **{names[guess]}** ({float(probs[0, guess]):.0%})"
            if chosen != guess:
                note += f"; drawn as **{names[chosen]}**"
            if notes:
                note += " · " + ", ".join(notes)
            return {"z": z[0].tolist(), "class": chosen, "encoded": 1.0}, note  # G decodes with encoded statistics
        # Not a warning: picking the Draw or Upload tab before drawing is the normal way in.
        what = "draw on the sketchpad" if source == "drawing" else "upload an image"
        note = f"_({what} to use it; until then:)_ "
    if seed is None:
        seed = 0
    z = draw_latents(model, 1, seed=int(seed))[0]  # as sample() draws it
    chosen = int(seed) % k if label == -1 else label
    return {"z": z.tolist(), "class": chosen}, note + f"seed {int(seed)}, class **{names[chosen]}**"


def _pair(endpoint: dict, num_classes: int):
    """Stored endpoint -> (z [L], one-hot class weights [K]) for aegan.pipeline.interpolate."""
    import torch

    weights = torch.zeros(num_classes)
    weights[int(endpoint["class"])] = 1.0
    return torch.tensor(endpoint["z"], dtype=torch.float32), weights


def _check_endpoints(dataset: str, endpoints: dict | None) -> None:
    from aegan.errors import InputError

    if not endpoints or endpoints.get("dataset") != dataset:
        raise InputError("the endpoints are not set for this dataset yet; set them first (the encode event)")


def _walk(dataset: str, endpoints: dict | None, fractions, method: str, amounts):
    """x [T, 1, 28, 28]: the walk at `fractions`, both endpoints moved along the main directions."""
    import torch

    from aegan.latent import move_along
    from aegan.pipeline import interpolate as walk

    _check_endpoints(dataset, endpoints)
    model = get_model(dataset)
    start, end = (_pair(endpoints[side], model.config.num_classes) for side in ("a", "b"))
    directions = get_directions(dataset)
    moves = torch.tensor([float(a or 0.0) for a in amounts], dtype=torch.float32)
    if directions is not None and bool(moves.abs().sum() > 0):
        moves = moves[: len(directions["scales"])]
        start = (move_along(start[0], directions, moves), start[1])
        end = (move_along(end[0], directions, moves), end[1])
    encoded = tuple(float(endpoints[side].get("encoded", 0.0)) for side in ("a", "b"))
    return walk(model, start, end, torch.as_tensor(fractions, dtype=torch.float32), method=method, encoded=encoded)


def _frame_and_strip(dataset, endpoints, t, method, amounts):
    """The frame at t and the strip, drawn now (the direction sliders move the walk: no whole walk yet)."""
    from aegan.images import to_uint8

    fractions = np.concatenate([[float(t)], STRIP_STEPS / T_STEPS])
    frames = to_uint8(_walk(dataset, endpoints, fractions, method, amounts))  # [1 + strip, 28, 28]
    return show(frames[0], SCALE), show_strip(frames[1:])


def _amounts(*directions) -> tuple[float, ...]:
    """The direction sliders' values (None: at rest) as the walk's key."""
    return tuple(float(a or 0.0) for a in directions)


def _slider_step(t: float) -> int | None:
    """k when t is the slider's k-th position (k / T_STEPS, as a browser sends it), else None."""
    if not 0.0 <= t <= 1.0:  # also False for NaN
        return None
    k = round(t * T_STEPS)
    return k if abs(t - k / T_STEPS) < 1e-9 else None


def _slider_frames(dataset: str, endpoints: dict | None, method: str, amounts: tuple[float, ...]) -> np.ndarray:
    """uint8 [T_STEPS + 1, 28, 28]: the walk at every position of the t slider (kept for WALKS_KEPT walks)."""
    _check_endpoints(dataset, endpoints)
    return _whole_walk(get_model(dataset), dataset, json.dumps(endpoints, sort_keys=True), method, amounts)


@functools.lru_cache(maxsize=WALKS_KEPT)
def _whole_walk(model, dataset: str, endpoints: str, method: str, amounts: tuple[float, ...]) -> np.ndarray:
    """The walk at all 101 slider positions, drawn in one batch.

    Why: one batch of 101 frames costs about 10-16 frames drawn one by one (22 ms against 1.4-2.1 ms here), and
    then each slider move is a lookup, so a drag costs the server little more than a no-op request, for
    every user on the same walk (a class starts on the same two seeds). `model` is only part of the key
    (another checkpoints folder may hold a model for the same dataset); `endpoints` is the state as JSON."""
    from aegan.images import to_uint8

    fractions = np.arange(T_STEPS + 1) / T_STEPS  # k / 100, the very floats the slider's values parse to
    frames = to_uint8(_walk(dataset, json.loads(endpoints), fractions, method, amounts))
    frames.setflags(write=False)  # shared by every caller
    return frames


def _frame(dataset, endpoints, t, method, amounts):
    """The frame at t: looked up at the slider's positions, drawn now between them (only a script sends those)."""
    from aegan.images import to_uint8

    step = _slider_step(float(t))
    if step is not None:
        return show(_slider_frames(dataset, endpoints, method, amounts)[step], SCALE)
    return show(to_uint8(_walk(dataset, endpoints, [float(t)], method, amounts))[0], SCALE)


@friendly
@gpu
def encode(dataset, a_source, a_seed, a_class, a_drawing, a_upload, b_source, b_seed, b_class, b_drawing, b_upload,
           t=0.5, method="slerp",
           direction_1=0.0, direction_2=0.0, direction_3=0.0, direction_4=0.0, direction_5=0.0):
    """Set both endpoints (E encodes drawings and uploads); returns the session state, both previews and
    notes, the frame at t and the strip of the walk."""
    import torch

    from aegan.images import to_uint8
    from aegan.pipeline import interpolate as walk

    model = get_model(dataset)
    endpoints = {"dataset": dataset}
    previews, notes = [], []
    for side, spec in (("a", (a_source, a_seed, a_class, a_drawing, a_upload)),
                       ("b", (b_source, b_seed, b_class, b_drawing, b_upload))):
        endpoint, note = _endpoint(model, dataset, *spec, side=side.upper())
        endpoints[side] = endpoint
        pair = _pair(endpoint, model.config.num_classes)
        source = float(endpoint.get("encoded", 0.0))
        previews.append(show(to_uint8(walk(model, pair, pair, torch.zeros(1), encoded=(source, source)))[0], 4))
        notes.append(note)
    amounts = _amounts(direction_1, direction_2, direction_3, direction_4, direction_5)
    strip = show_strip(_slider_frames(dataset, endpoints, method, amounts)[STRIP_STEPS])  # draws the whole walk
    frame = _frame(dataset, endpoints, t, method, amounts)
    return endpoints, previews[0], notes[0], previews[1], notes[1], frame, strip


@friendly
@gpu
def interpolate(dataset, endpoints, t, method="slerp",
                direction_1=0.0, direction_2=0.0, direction_3=0.0, direction_4=0.0, direction_5=0.0):
    """The image at fraction t of the walk (one frame, for the live slider)."""
    amounts = _amounts(direction_1, direction_2, direction_3, direction_4, direction_5)
    return _frame(dataset, endpoints, t, method, amounts)


@friendly
@gpu
def move_along(dataset, endpoints, t=0.5, method="slerp",
               direction_1=0.0, direction_2=0.0, direction_3=0.0, direction_4=0.0, direction_5=0.0):
    """Both endpoints moved along the main directions: the frame at t and the strip."""
    amounts = _amounts(direction_1, direction_2, direction_3, direction_4, direction_5)
    return _frame_and_strip(dataset, endpoints, t, method, amounts)


@friendly
@gpu
def interpolate_gif(dataset, endpoints, method="slerp",
                    direction_1=0.0, direction_2=0.0, direction_3=0.0, direction_4=0.0, direction_5=0.0):
    """The walk A -> B -> A as an endlessly looping GIF file."""
    from aegan.images import to_uint8

    there = np.linspace(0.0, 1.0, GIF_FRAMES)
    fractions = np.concatenate([there, there[::-1][1:-1]])  # ping-pong, without doubled end frames
    amounts = (direction_1, direction_2, direction_3, direction_4, direction_5)
    return write_gif(to_uint8(_walk(dataset, endpoints, fractions, method, amounts)))


# --- layout and wiring -------------------------------------------------------------------------------------

def _endpoint_column(side: str, dataset: str, seed: int, label: int):
    """Controls of one endpoint; the source follows the inner tab the user picks."""
    gr.Markdown(f"### Endpoint {side}")
    source = gr.Radio(SOURCES, value="seed", label=f"{side} comes from", visible=False)
    with gr.Tabs():
        with gr.Tab("Seed", id=f"{side}-seed") as seed_tab:
            seed_box = seed_number(f"Seed {side}", seed)
        with gr.Tab("Draw", id=f"{side}-draw") as draw_tab:
            drawing = sketchpad(f"Draw {side}", elem_id=f"sketch-{side.lower()}")
        with gr.Tab("Upload", id=f"{side}-upload") as upload_tab:
            picture = upload(f"Upload {side}")
    klass = gr.Dropdown(class_choices(dataset, AUTO), value=label, label=f"Class of {side}",
                        info="auto: the seed picks a class; for a drawing, E's guess")
    preview = image_output(f"{side} as G draws it", height=130)
    note = gr.Markdown()
    # The tab the user picks is the endpoint's source (set in the browser, no server call).
    for tab, value in ((seed_tab, "seed"), (draw_tab, "drawing"), (upload_tab, "upload")):
        tab.select(None, None, source, js=f"() => '{value}'")
    drawing.input(None, None, source, js="() => 'drawing'")
    picture.upload(None, None, source, js="() => 'upload'")
    return dict(source=source, seed=seed_box, klass=klass, drawing=drawing, picture=picture, preview=preview,
                note=note)


def build_explorer_tab(dataset: gr.Radio, demo: gr.Blocks) -> dict:
    """Layout and wiring of the latent explorer; returns its components by name."""
    initial = dataset.value
    explain(EXPLAIN)
    endpoints = gr.State(None)  # per user: {'dataset', 'a': {'z', 'class'}, 'b': {...}}
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            a = _endpoint_column("A", initial, seed=1, label=-1)
        with gr.Column(scale=2, min_width=360):
            frame = image_output("The walk at t", height=260, elem_id="walk-frame")
            t = gr.Slider(0.0, 1.0, value=0.5, step=1 / T_STEPS, label="t: from A (0) to B (1)", elem_id="walk-t")
            method = gr.Radio(METHODS, value="slerp", label="Path")
            strip = image_output("The whole walk, A to B", height=110)
            with gr.Accordion("Main directions of the latent space (PCA of encoded training images)", open=True):
                amounts = [gr.Slider(-3.0, 3.0, value=0.0, step=0.1, label=f"Direction {i + 1}",
                                     info="in standard deviations of real images' codes" if i == 0 else None)
                           for i in range(N_DIRECTIONS)]
                reset = gr.Button("Reset directions", size="sm")
            with gr.Row():
                make_gif = gr.Button("Export the walk as GIF")
                gif = image_output("walk.gif (right-click or the download button to save)", type="filepath",
                                   height=130, elem_id="walk-gif")
        with gr.Column(scale=1, min_width=280):
            b = _endpoint_column("B", initial, seed=2, label=-1)

    endpoint_inputs = [a["source"], a["seed"], a["klass"], a["drawing"], a["picture"],
                       b["source"], b["seed"], b["klass"], b["drawing"], b["picture"]]
    triggers = [demo.load, dataset.change, method.change]
    for side in (a, b):
        triggers += [side["source"].change, side["seed"].change, side["klass"].change, side["drawing"].change,
                     side["picture"].change]
    gr.on(triggers, encode, [dataset, *endpoint_inputs, t, method, *amounts],
          [endpoints, a["preview"], a["note"], b["preview"], b["note"], frame, strip],
          api_name="encode", trigger_mode="always_last", **HEAVY)
    t.input(interpolate, [dataset, endpoints, t, method, *amounts], frame, api_name="interpolate",
            trigger_mode="always_last", show_progress="hidden", **LIVE)
    gr.on([s.change for s in amounts], move_along, [dataset, endpoints, t, method, *amounts], [frame, strip],
          api_name="move_along", trigger_mode="always_last", show_progress="hidden", **LIVE)
    reset.click(None, None, amounts, js=f"() => {[0] * N_DIRECTIONS}")
    make_gif.click(interpolate_gif, [dataset, endpoints, method, *amounts], gif, api_name="interpolate_gif",
                   **HEAVY)
    return dict(endpoints=endpoints, a=a, b=b, frame=frame, t=t, method=method, strip=strip, amounts=amounts,
                gif=gif, class_dropdowns=[(a["klass"], AUTO), (b["klass"], AUTO)])
