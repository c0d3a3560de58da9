"""AE-GAN Studio: `python app.py` serves the app on http://127.0.0.1:7860.

Settings from the environment: AEGAN_CHECKPOINTS (model folder, default ./checkpoints), AEGAN_DEVICE
(auto, cpu, cuda, mps), AEGAN_LOG_LEVEL (INFO; DEBUG logs every call's time), GRADIO_SERVER_NAME /
GRADIO_SERVER_PORT (address and port), MALLOC_ARENA_MAX (glibc's; 2 unless set).
"""

import ctypes
import os

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # offline: no telemetry, no version check; before gradio loads


def limit_malloc_arenas(arenas: int = 2) -> None:
    """What MALLOC_ARENA_MAX=2 does, for a process already started. glibc gives each thread that allocates
    an arena of its own (up to 8 per core) and each keeps the memory it freed: with Gradio's worker threads
    the app's peak RSS over 3,000 mixed requests was 1,397 MB, against 1,191-1,207 MB with 2 arenas, at the
    same speed (`python -m benchmarks.app_latency`). Must run before other threads start; no-op off glibc."""
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc read it at start-up: the user's value holds
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8 = M_ARENA_MAX in malloc.h
    except (OSError, AttributeError):  # macOS, Windows, musl
        pass


limit_malloc_arenas()

import logging  # noqa: E402

from ui.common import start_warm_up  # noqa: E402
from ui.studio import build_demo, launch  # noqa: E402


def main() -> None:
    logging.basicConfig(level=os.environ.get("AEGAN_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # gradio's own start-up probes, one line each
    demo = build_demo()
    launch(demo)
    start_warm_up()  # torch, the models and the text encoder load after the page is up
    demo.block_thread()


if __name__ == "__main__":
    main()
