"""A classroom on one laptop: simulated students doing what a class does, at 10, 30 and 60 at once.

    python -m benchmarks.classroom                 # 10, 30 and 60 students, 12 actions each
    python -m benchmarks.classroom --students 10,30 --actions 6

Students arrive over ARRIVAL_S seconds (as a class types the address it was shown) and open the page (the
events a page load sends: the first walk, the examples, the text examples, a first grid, the footer), then
each acts every 1-3 s (seeded): moves a direction slider (a new walk), samples a
grid, repairs a test image with a painted hole, types a prompt (what "understood as" asks while typing) and
generates from it. Dragging t sends nothing to the server (benchmarks/browser.py), so it is not simulated.
The app runs as `python app.py` on this machine, sharing its 2 cores with the simulated students.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import threading
import time
from collections import defaultdict

import httpx
import numpy as np
from PIL import Image

from .app_latency import DATASET, EMPTY, PROMPTS, call, encode_data, running_app
from .report import Row, Section, percentile, render_section

CLASS_P95_S = 1.0  # a class of 30: p95 of every action after the page is open under a second, no errors
OPEN_P95_S = 5.0  # and opening the page, while the rest of the class arrives
ARRIVAL_S = 20.0
OPEN = "open the page (its 5 load events)"
ACTIONS = ["move_along", "sample", "repair", "understand", "text_to_image"]


def _upload(client: httpx.Client, base: str, name: str, image: Image.Image) -> dict:
    data = io.BytesIO()
    image.save(data, format="PNG")
    response = client.post(f"{base}/gradio_api/upload", files={"files": (name, data.getvalue())})
    response.raise_for_status()
    return {"path": response.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def _repair_value(client: httpx.Client, base: str) -> dict:
    """An example at editor size with its lower half painted, uploaded as the browser does."""
    from ui.media import examples

    picture = Image.fromarray(np.kron(examples(DATASET)[0][3], np.ones((10, 10), np.uint8))).convert("RGB")
    layer = np.zeros((280, 280, 4), np.uint8)
    layer[140:] = (255, 48, 48, 255)
    background = _upload(client, base, "example.png", picture)
    return {"background": background, "layers": [_upload(client, base, "mask.png", Image.fromarray(layer))],
            "composite": background}


def class_of(base: str, students: int, actions: int) -> tuple[dict[str, list[float]], list[str]]:
    times, errors, lock = defaultdict(list), [], threading.Lock()
    gate = threading.Barrier(students)

    def timed(what: str, calls) -> None:
        """Time `calls` (a list of zero-argument functions) as one action."""
        started = time.perf_counter()
        try:
            for send in calls:
                send()
            with lock:
                times[what].append(time.perf_counter() - started)
        except Exception as error:  # counted: how many fail is the point
            with lock:
                errors.append(f"{what}: {type(error).__name__}: {error}"[:200])

    def student(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(timeout=300) as client:
            editor = _repair_value(client, base)
            session = f"class-{students}-{k}"
            send = lambda api_name, data: lambda: call(client, base, api_name, data, session)  # noqa: E731
            gate.wait()
            time.sleep(rng.uniform(0, ARRIVAL_S))
            timed(OPEN,  # in the order the page sends them
                  [send("encode", encode_data(k)), send("load_examples", [DATASET]), send("text_examples", [DATASET]),
                   send("sample", [DATASET, -1, 0, 20, 1.0]), send("describe_device", [])])
            for i in range(actions):
                time.sleep(rng.uniform(1.0, 3.0))  # a student looks, thinks, clicks
                action, prompt = ACTIONS[(k + i) % len(ACTIONS)], PROMPTS[(k + i) % len(PROMPTS)]
                data = {"move_along": [DATASET, "slerp", 0.5, rng.uniform(-3, 3), 0, 0, 0, 0],
                        "sample": [DATASET, rng.randrange(-1, 10), rng.randrange(1000), 20, 1.0],
                        "repair": [DATASET, editor],
                        "understand": [DATASET, prompt],
                        "text_to_image": [DATASET, prompt, 8, rng.randrange(1000)]}[action]
                timed(action, [send(action, data)])

    threads = [threading.Thread(target=student, args=(k,)) for k in range(students)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def run(class_sizes: tuple[int, ...] = (10, 30, 60), actions: int = 12, device: str = "auto") -> list[Section]:
    rows = []
    with running_app(device) as (base, _):
        for students in class_sizes:
            times, errors = class_of(base, students, actions)
            worst = max(percentile(t, 95) for what, t in times.items() if what != OPEN)
            opened = percentile(times[OPEN], 95)
            sent = sum(len(t) for t in times.values()) + len(errors)
            judged = students == 30
            rows.append(Row(f"{students} students: slowest action's p95, page open", f"{worst:.2f} s · {len(errors)} "
                            f"errors of {sent:,}", f"< {CLASS_P95_S:.0f} s, 0 errors" if judged else "",
                            (worst < CLASS_P95_S and not errors) if judged else None, errors[0] if errors else ""))
            rows.append(Row(f"{students} students: opening the page, p95", f"{opened:.2f} s",
                            f"< {OPEN_P95_S:.0f} s" if judged else "", opened < OPEN_P95_S if judged else None))
            for what, values in sorted(times.items()):
                rows.append(Row(f"{students} students: {what}",
                                f"median {np.median(values):.2f} s · p95 {percentile(values, 95):.2f} s"))
    return [Section("A classroom on one laptop", rows,
                    f"Simulated students (threads, each its own session) against `python app.py` on this machine, "
                    f"arriving over {ARRIVAL_S:.0f} s: each opens the page, then acts {actions} times, every 1-3 s: "
                    "a direction slider, a grid of "
                    "20, a repair, a prompt typed and generated. Moving t sends nothing, so it is not simulated.")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", default="10,30,60", help="class sizes, comma-separated")
    parser.add_argument("--actions", type=int, default=12, help="actions per student after opening the page")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.students.split(","))
    for section in run(sizes, args.actions, args.device):
        print(render_section(section), end="\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
