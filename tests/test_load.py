"""A bounded load test on loopback: a fixed burst, larger than the queue, at a model endpoint.

The app's queue (ui/studio.py QUEUE) holds at most 64 waiting events; heavier events share 2 slots. A burst of
150 calls at once must end with every call either answered or turned away at once with Gradio's one-line
"Queue is full" (HTTP 503), none hanging, and the server answering normally afterwards. Nothing here asserts
speed: the time bound only tells a hung call from a slow one (speed lives in benchmarks/). Whether the queue fills
must not depend on speed either (tiny models answer faster than a burst arrives on a quick machine), so the calls
that reach the model wait there, at a gate around the real `aegan.pipeline.realness`, until every call of the
burst has been queued or turned away: the server's state then is what a burst against a busy model meets.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import time
from collections import Counter

import httpx
import pytest

pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting:Warning"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated:Warning")]

BURST = 150  # calls, all sent at once: more than the queue holds (64 waiting + the running ones)
COUNT = 64  # images per call: the largest grid, so each call keeps a slot busy while the burst arrives
CALL_BOUND_S = 300  # a call not ended by then is hung (a generous bound: the CPU is shared with training)
BURST_BOUND_S = 900  # the whole burst, answered or refused


async def one_call(client: httpx.AsyncClient, base: str, seed: int, posted_one) -> tuple[str, str]:
    """One sampler call the way a script makes it -> (outcome, detail): complete, refused or error. `posted_one()`
    is called once the server has queued the call or turned it away."""
    try:
        posted = await client.post(f"{base}/gradio_api/call/sample", json={"data": ["mnist", -1, seed, COUNT, 1.0]})
    finally:
        posted_one()
    if posted.status_code == 503:
        return "refused", posted.json().get("detail", "")
    if posted.status_code != 200:
        return f"http {posted.status_code}", posted.text[:200]
    event_id = posted.json()["event_id"]
    kind = None
    async with client.stream("GET", f"{base}/gradio_api/call/sample/{event_id}") as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                data = json.loads(line.split(":", 1)[1])
                if kind == "complete":
                    return "complete", str(len(data[0]))
                return "error", str(data)
    return "stream ended", ""


async def burst(base: str, posted_one) -> list[tuple[str, str]]:
    # One connection per request, as separate users have: a kept-alive connection can be closed by the server's
    # keep-alive timeout just as the client reuses it, a client-side race that is not the app's doing.
    limits = httpx.Limits(max_connections=2 * BURST, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(CALL_BOUND_S)) as client:
        async def bounded(seed):
            try:
                return await asyncio.wait_for(one_call(client, base, seed, posted_one), CALL_BOUND_S)
            except asyncio.TimeoutError:
                return "hung", f"no answer within {CALL_BOUND_S} s"
            except httpx.HTTPError as error:
                return "connection error", f"{type(error).__name__}: {error}"

        return await asyncio.wait_for(asyncio.gather(*(bounded(seed) for seed in range(BURST))), BURST_BOUND_S)


def test_a_burst_larger_than_the_queue_is_answered_or_refused_cleanly(server, monkeypatch):
    import aegan.pipeline
    from ui.studio import QUEUE

    assert BURST > QUEUE["max_size"] + QUEUE["default_concurrency_limit"]
    all_posted, posted, lock = threading.Event(), [0], threading.Lock()

    def posted_one() -> None:
        with lock:
            posted[0] += 1
            if posted[0] == BURST:
                all_posted.set()

    realness = aegan.pipeline.realness

    def held_realness(*args, **kwargs):  # the sampler's last step (ui/sampler.py imports it at each call)
        all_posted.wait(CALL_BOUND_S)
        return realness(*args, **kwargs)

    monkeypatch.setattr(aegan.pipeline, "realness", held_realness)
    base = server.local_url.rstrip("/")
    started = time.monotonic()
    # In a thread of its own: in the full suite the browser tests leave Playwright's event loop running in
    # this one, and asyncio.run() refuses to start inside a running loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        results = pool.submit(asyncio.run, burst(base, posted_one)).result()
    took = time.monotonic() - started
    outcomes = Counter(kind for kind, _ in results)
    print(f"\n{BURST} calls in {took:.1f} s: {dict(outcomes)}")

    assert len(results) == BURST
    assert set(outcomes) <= {"complete", "refused"}, [r for r in results if r[0] not in ("complete", "refused")][:5]
    # Every accepted call got the whole grid; every refusal is Gradio's one line naming the limit.
    assert all(detail == str(COUNT) for kind, detail in results if kind == "complete")
    refusals = {detail for kind, detail in results if kind == "refused"}
    assert all(d.startswith("Queue is full") and "\n" not in d and str(QUEUE["max_size"]) in d for d in refusals)
    # The queue bounds what waits: at least the queue's worth is served, and the excess is turned away.
    assert outcomes["complete"] >= QUEUE["max_size"]
    assert outcomes["refused"] >= BURST - QUEUE["max_size"] - QUEUE["default_concurrency_limit"]

    # The server is still serving, and its queue is empty again (GET /gradio_api/queue/status: the route the
    # browser asks for the queue's size).
    with httpx.Client(timeout=60) as client:
        assert client.get(f"{base}/gradio_api/info").status_code == 200
        posted = client.post(f"{base}/gradio_api/call/describe_device", json={"data": []})
        assert posted.status_code == 200
        answer = client.get(f"{base}/gradio_api/call/describe_device/{posted.json()['event_id']}").text
        assert "event: complete" in answer and "Models run on" in answer
        assert client.get(f"{base}/gradio_api/queue/status").json()["queue_size"] == 0
