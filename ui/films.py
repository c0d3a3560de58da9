"""A training film (aegan.film.Film) as the page shows it: the grid of one frame, the frames for the in-page
player, and the loss curves up to a step as four of Gradio's line plots. The player (ui/training.py) and the
live run (ui/live.py) both show films with these, so a live run looks exactly like its played-back film.
"""

from __future__ import annotations

import gradio as gr
import numpy as np
import pandas as pd

from aegan.film import Film

from .media import png_data_url

SWITCH = "GAN starts"
STAGES = ("stage 1 (autoencoder)", "stage 2 (GAN)")
SHORT = ("stage 1 (AE)", "stage 2 (GAN)")  # a curve's stage in a plot's legend
# (title, y axis, the film's series shown, whether a series is split into the two stages)
PLOTS = (("Reconstruction error L_rec", "mean squared error", ("L_rec",), True),
         ("KL divergence of E's codes", "nats per image", ("KL",), True),
         ("GAN losses L_D and L_G", "loss", ("L_D", "L_G"), False),
         ("D's mean score sigmoid(D)", "0 = fake, 1 = real", ("real", "fake"), False))
COLORS = {SHORT[0]: "#1f77b4", SHORT[1]: "#d62728", "L_D": "#9467bd", "L_G": "#ff7f0e", "real": "#2ca02c",
          "fake": "#8c564b", SWITCH: "#7f7f7f", " ": "#7f7f7f", "  ": "#7f7f7f"}
# A frame on the page: twice its size, pixels kept sharp (the film's grids are 182x302 pixels).
FRAME_CSS = """img { width: 364px; max-width: 100%; image-rendering: pixelated; background: #000; display: block; }
.film-bar { margin-top: 6px; display: flex; gap: 10px; align-items: center; }
.film-play { padding: 4px 14px; border-radius: 6px; border: 1px solid var(--border-color-primary);
             background: var(--button-secondary-background-fill); cursor: pointer; }"""
ANCHORS = (" ", "  ")  # two points, no line, no legend: the corners of the axes
EMPTY_VIEW = {"frames": [], "steps": [], "gan": 0, "total": 0, "k": 0, "step": 0}


def new_plots(prefix: str) -> list[gr.LinePlot]:
    """The four empty plots, in PLOTS order, two rows of two (elem_id prefix-0 .. prefix-3)."""
    plots = []
    for pair in ((0, 1), (2, 3)):
        with gr.Row():
            plots += [gr.LinePlot(x="step", y="value", color="curve", title=PLOTS[k][0], x_title="training step",
                                  y_title=PLOTS[k][1], color_map=COLORS, height=200, label=PLOTS[k][0],
                                  colors_in_legend=[*(SHORT if PLOTS[k][3] else PLOTS[k][2]), SWITCH],
                                  show_label=False, elem_id=f"{prefix}-{k}", min_width=220) for k in pair]
    return plots


def plot_updates(film: Film | None, step: int | None = None) -> list[gr.LinePlot]:
    """The four plots of `film` up to `step` (None: all of it), on axes that span the whole film, so that the
    curves grow instead of the axes moving; plots with no curve when there is no film."""
    return [gr.LinePlot(value=_plot(film, names, split, step)) for _, _, names, split in PLOTS]


def _plot(film: Film | None, names: tuple[str, ...], split: bool, step: int | None) -> pd.DataFrame:
    """Rows (step, value, curve) of one plot, up to `step`. The switch between the stages is a vertical line,
    drawn from the start.

    The page's plot takes its curves (its colour scale) from the first table it draws, and redraws its axes
    and curves from scratch when x_lim or y_lim change, which can show the previous table: so every table
    has the same curves, and no limits are set. A curve with no point yet has one point, and so do the two
    ANCHORS that make the axes span the whole film: a line of one point draws nothing."""
    curves = list(SHORT) if split else list(names)
    rows = []
    for name in names if film is not None else ():
        steps, values = {**film.losses, **film.d_scores}.get(name, ((), ()))
        for at, value in zip(steps, values):  # a point is the mean of the steps up to it: the switch's is stage 1's
            rows.append((int(at), float(value), SHORT[int(at > film.gan_start)] if split else name))
    finite = [value for _, value, _ in rows if np.isfinite(value)]
    if names == ("real", "fake") or not finite:
        low, high = 0.0, 1.0
    else:
        low, high = min(0.0, min(finite)), max(finite)
    if step is not None:
        rows = [row for row in rows if row[0] <= step]
    total = film.total_steps if film is not None else 1
    if film is not None and 0 < film.gan_start < total:
        rows += [(film.gan_start, low, SWITCH), (film.gan_start, high, SWITCH)]
    shown = {curve for _, _, curve in rows}
    rows += [(0, low, curve) for curve in [*curves, SWITCH] if curve not in shown]
    rows += [(0, high, ANCHORS[0]), (total, low, ANCHORS[1])]
    frame = pd.DataFrame(rows, columns=["step", "value", "curve"])
    return frame.astype({"step": "int64", "value": "float64", "curve": "str"})


def frame_data_url(film: Film, k: int) -> str:
    return png_data_url(film.frames[k])


def player_view(film: Film | None, step: int | None = None) -> dict:
    """The in-page player's value: every frame as a PNG data: URL, its step, the switch, the step and frame shown."""
    if film is None:
        return dict(EMPTY_VIEW)
    step = film.total_steps if step is None else step
    return {"frames": [png_data_url(frame) for frame in film.frames], "steps": [int(s) for s in film.steps],
            "gan": int(film.gan_start), "total": int(film.total_steps), "k": film.frame_at(step), "step": int(step)}


def stage_of(film: Film, step: int) -> str:
    return STAGES[0] if step < film.gan_start else STAGES[1]
