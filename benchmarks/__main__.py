"""Every benchmark in one command: prints one markdown report and writes it to docs/PERFORMANCE.md.

    python -m benchmarks                        # full size (make bench); 2-3 minutes on 2 cores
    python -m benchmarks --quick                # a short smoke run of every section
    python -m benchmarks --sections models,training --device cuda

Sections (each also runs alone: python -m benchmarks.models / .training / .app_latency):
    models     model time per operation (CPU, and CUDA when present)           benchmarks/models.py
    training   training images/s per stage on the real preset                 benchmarks/training.py
    coldstart  python app.py to its first page, beside a Gradio hello-world   benchmarks/app_latency.py
    latency    HTTP round trips at 1, 4 and 16 users beside a no-op endpoint   benchmarks/app_latency.py
    memory     the app's RSS over many mixed requests                          benchmarks/app_latency.py
    browser    the t slider in Chromium: key -> frame, requests per tick       benchmarks/browser.py
    classroom  10, 30 and 60 simulated students on one app                     benchmarks/classroom.py

Sections that need gradio (coldstart, latency, memory, browser, classroom) are skipped with a note where it is not installed,
so a bare GPU machine with only torch can run the others. Run it on a quiet machine: every other job on
the cores shows up in the figures (the report records the load average at the start and the end).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

from .report import ROOT, Row, Section, devices_for, load_average, machine_lines, now, render, skipped

SECTIONS = ("models", "training", "coldstart", "latency", "memory", "browser", "classroom")
NEED_GRADIO = {"coldstart", "latency", "memory", "browser", "classroom"}
FULL = dict(repeats=30, requests=100, memory_requests=4000, starts=3, train_steps=20)
QUICK = dict(repeats=5, requests=10, memory_requests=100, starts=1, train_steps=2)
TITLES = {"models": "Model time per operation", "training": "Training throughput", "coldstart": "Cold start",
          "latency": "Round trips through the app (HTTP)", "memory": "Memory of the app",
          "browser": "The t slider in the browser", "classroom": "A classroom on one laptop"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="smoke-run sizes: " + ", ".join(f"{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated subset of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="auto: the CPU, and CUDA too when present (models, training); the app picks its own")
    parser.add_argument("--repeats", type=int, help=f"calls per model operation (default {FULL['repeats']})")
    parser.add_argument("--requests", type=int,
                        help=f"HTTP requests per endpoint and number of users (default {FULL['requests']})")
    parser.add_argument("--memory-requests", type=int,
                        help=f"mixed requests for the memory run (default {FULL['memory_requests']})")
    parser.add_argument("--starts", type=int, help=f"cold starts of each server (default {FULL['starts']})")
    parser.add_argument("--train-steps", type=int,
                        help=f"training steps per timed window, 4 windows (default {FULL['train_steps']})")
    parser.add_argument("--out", default="docs/PERFORMANCE.md", help="where the report goes ('-': print only)")
    return parser


def sizes(args) -> dict[str, int]:
    base = QUICK if args.quick else FULL
    return {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in base.items()}


def run_sections(wanted: list[str], n: dict[str, int], device: str) -> tuple[list[Section], bool]:
    """Run the wanted sections in order; a section that fails is reported as such and the rest still run."""
    has_gradio = importlib.util.find_spec("gradio") is not None
    sections, ok = [], True
    app_wanted = [s for s in ("latency", "memory") if s in wanted]

    def attempt(names: list[str], fn) -> None:
        nonlocal ok
        started = time.perf_counter()
        print(f"[benchmarks] {', '.join(names)} ...", file=sys.stderr, flush=True)
        try:
            sections.extend(fn())
        except Exception as error:  # one broken section must not lose the others' figures
            ok = False
            traceback.print_exc()
            sections.extend(Section(TITLES[name], [Row("(section)", "failed", ok=False,
                                                       note=f"{type(error).__name__}: {error}"[:300])])
                            for name in names)
        print(f"[benchmarks] {', '.join(names)} done in {time.perf_counter() - started:.0f} s",
              file=sys.stderr, flush=True)

    for name in wanted:
        if name in NEED_GRADIO and not has_gradio:
            sections.append(skipped(TITLES[name], "gradio is not installed on this machine"))
        elif name == "models":
            from . import models

            attempt(["models"], lambda: models.run(devices_for(device), n["repeats"]))
        elif name == "training":
            from . import training

            attempt(["training"], lambda: training.run(devices_for(device), n["train_steps"]))
        elif name == "coldstart":
            from . import app_latency

            attempt(["coldstart"], lambda: [app_latency.cold_start(n["starts"], device)])
        elif name == "browser":
            if importlib.util.find_spec("playwright") is None or not shutil.which("chromium"):
                sections.append(skipped(TITLES[name], "playwright or Debian's chromium is not installed"))
                continue
            from . import browser

            attempt(["browser"], lambda: browser.run(device=device))
        elif name == "classroom":
            from . import classroom

            attempt(["classroom"], lambda: classroom.run(device=device))
        elif name == app_wanted[0]:  # latency and memory share one running app
            from . import app_latency

            attempt(app_wanted, lambda: app_latency.on_one_app(n["requests"] if "latency" in app_wanted else 0,
                                                               n["memory_requests"] if "memory" in app_wanted else 0,
                                                               device))
    return sections, ok


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    wanted = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(wanted) - set(SECTIONS))
    if unknown:
        build_parser().error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    wanted = [s for s in SECTIONS if s in wanted]  # always in the report's order
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the text encoder's loading bar
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # for the servers this starts, and gradio if imported
    n = sizes(args)
    devices = devices_for(args.device) if {"models", "training"} & set(wanted) else [args.device]
    started_at, load_at_start, started = now(), load_average(), time.perf_counter()
    sections, ok = run_sections(wanted, n, args.device)
    command = "python -m benchmarks" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    sizes_line = ("- Sizes: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in n.items())
                  + (" (--quick smoke run: figures are indicative only)" if args.quick else ""))
    report = render(sections, command=command, started=started_at, seconds=time.perf_counter() - started,
                    machine_lines=machine_lines(devices, load_at_start) + [sizes_line])
    print(report)
    if args.out != "-":
        out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report)
        print(f"[benchmarks] written to {out}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
