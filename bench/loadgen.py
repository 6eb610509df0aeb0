"""The load generator, run in its own process so it never shares a core's time slices with
the server's event loop: a minimal HTTP/1.1 keep-alive client on asyncio streams (lighter than
a general client, so it can outrun the servers it measures), bounded in count and in time.

    python -m bench.loadgen SPEC.json   ->  one JSON line of results on stdout

SPEC: {"port", "mode": "closed"|"rate"|"answer", "concurrency", "rate", "seconds", "scenario",
"items", "offset", "response_base", "control"}: `scenario` names the request kind (see `build`),
`items` the texts or (applicant id, stage) pairs to send, in order; `offset` keeps trigger and
update ids unique.
"closed": `concurrency` connections each send the next request as soon as the last answered
(throughput). "rate": requests start on a fixed schedule whatever the answers do, and latency
is measured from each request's scheduled start, so a stall is not hidden (p99 at N req/s).
"answer": one request at a time; after its acknowledgement, the fake API's `control` server
(bench/capture.py) is asked when the answer arrived, and the next request goes once it did:
the time until the answer arrives, at concurrency 1.

Times are `time.monotonic()` (CLOCK_MONOTONIC on Linux, the clock the fake's stamps use too).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import payloads
from bench.common import percentile
from bench.payloads import Request


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    first: float = 0.0
    last: float = 0.0
    answers: list[float] = field(default_factory=list)  # "answer": request to answer, s
    unanswered: int = 0


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.body = b""

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def roundtrip(self, raw: bytes) -> tuple[int, bool]:
        """(status, server closed the connection); the body is kept in `body`."""
        self.writer.write(raw)
        line = await self.reader.readline()
        if not line:
            raise ConnectionError("closed before answering")
        status = int(line.split()[1])
        length, close = 0, False
        while True:
            header = await self.reader.readline()
            if header in (b"\r\n", b""):
                break
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        self.body = await self.reader.readexactly(length) if length else b""
        return status, close

    def close(self) -> None:
        self.writer.close()


async def closed_loop(port: int, raws: list[bytes], concurrency: int, seconds: float) -> Tally:
    tally = Tally()
    next_index = 0
    tally.first = time.monotonic()
    deadline = tally.first + seconds

    async def worker() -> None:
        nonlocal next_index
        conn: Connection | None = None
        while next_index < len(raws) and time.monotonic() < deadline:
            raw = raws[next_index]
            next_index += 1
            started = time.monotonic()
            try:
                if conn is None:
                    conn = await Connection.open(port)
                status, close = await conn.roundtrip(raw)
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.errors[type(exc).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
                continue
            ended = time.monotonic()
            tally.latencies.append(ended - started)
            tally.statuses[status] += 1
            tally.last = max(tally.last, ended)
            if close:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally


async def fixed_rate(port: int, raws: list[bytes], rate: float, seconds: float) -> Tally:
    tally = Tally()
    idle: list[Connection] = []
    count = min(len(raws), int(rate * seconds))
    tally.first = time.monotonic() + 0.05
    hard_stop = tally.first + seconds + 30

    async def one(raw: bytes, scheduled: float) -> None:
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                conn = await Connection.open(port)
            status, close = await asyncio.wait_for(
                conn.roundtrip(raw), timeout=max(0.1, hard_stop - time.monotonic())
            )
        except (
            OSError,
            ConnectionError,
            asyncio.IncompleteReadError,
            ValueError,
            TimeoutError,
        ) as exc:
            tally.errors[type(exc).__name__] += 1
            if conn is not None:
                conn.close()
            return
        ended = time.monotonic()
        tally.latencies.append(ended - scheduled)
        tally.statuses[status] += 1
        tally.last = max(tally.last, ended)
        if close:
            conn.close()
        else:
            idle.append(conn)

    tasks = []
    for i in range(count):
        scheduled = tally.first + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(raws[i], scheduled)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
    return tally


async def answered(
    port: int, raws: list[bytes], keys: list[str], control: str, seconds: float
) -> Tally:
    """One at a time: send, read the acknowledgement, wait until the answer arrived."""
    tally = Tally()
    host, _, control_port = control.removeprefix("http://").partition(":")
    ask = await Connection.open(int(control_port))
    conn: Connection | None = None
    tally.first = time.monotonic()
    deadline = tally.first + seconds
    for raw, key in zip(raws, keys, strict=True):
        if time.monotonic() >= deadline:
            break
        started = time.monotonic()
        try:
            if conn is None:
                conn = await Connection.open(port)
            status, close = await conn.roundtrip(raw)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            tally.errors[type(exc).__name__] += 1
            conn = None
            continue
        tally.latencies.append(time.monotonic() - started)
        tally.statuses[status] += 1
        if close:
            conn.close()
            conn = None
        query = f"/next?key={key}&after={started!r}&timeout=10"
        await ask.roundtrip(f"GET {query} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        arrived = json.loads(ask.body)["t"]
        if arrived is None:
            tally.unanswered += 1
        else:
            tally.answers.append(float(arrived) - started)
        tally.last = time.monotonic()
    if conn is not None:
        conn.close()
    ask.close()
    return tally


def summarise(tally: Tally) -> dict[str, Any]:
    ok = sum(n for status, n in tally.statuses.items() if 200 <= status < 300)
    elapsed = max(1e-9, tally.last - tally.first)
    values = sorted(v * 1000 for v in tally.latencies)
    return {
        "answered": len(values),
        "ok": ok,
        "statuses": {str(k): v for k, v in tally.statuses.items()},
        "errors": dict(tally.errors),
        "elapsed": elapsed,
        "rps": ok / elapsed,
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": values[-1] if values else float("nan"),
        # the fixed-rate run's window (monotonic, for the fake's arrival stamps) and what a
        # platform would have given up on: acknowledgements over 3 s, and no answer at all
        "t_first": tally.first,
        "t_last": tally.last,
        "over_3s": sum(v > 3000 for v in values) + sum(tally.errors.values()),
        "answers": sorted(v * 1000 for v in tally.answers),
        "unanswered": tally.unanswered,
    }


def build(spec: dict[str, Any]) -> list[Request]:
    """Every request of the run, signed, before the clock starts."""
    scenario, offset, base = (
        spec["scenario"],
        int(spec.get("offset", 0)),
        spec.get("response_base", ""),
    )
    out = []
    for n, item in enumerate(spec["items"]):
        k = offset + n
        if scenario == "slack-command":
            out.append(payloads.slack_command(str(item), k, response_base=base))
        elif scenario == "slack-click":
            out.append(payloads.slack_click(int(item[0]), str(item[1]), k, response_base=base))
        elif scenario == "telegram-command":
            out.append(payloads.telegram_command(str(item), k))
        elif scenario == "telegram-tap":
            out.append(payloads.telegram_tap(int(item[0]), str(item[1]), k))
        else:
            raise ValueError(f"unknown scenario {scenario!r}")
    return out


def answer_keys(spec: dict[str, Any]) -> list[str]:
    """Where each request's answer will arrive: its response_url key, or the chat it came from."""
    offset = int(spec.get("offset", 0))
    if spec["scenario"].startswith("slack-"):
        kind = "cmd" if spec["scenario"] == "slack-command" else "act"
        return [f"{kind}-{offset + n}" for n in range(len(spec["items"]))]
    return [str(spec.get("chat", payloads.SANA_TELEGRAM))] * len(spec["items"])


def run(spec: dict[str, Any]) -> dict[str, Any]:
    port = int(spec["port"])
    raws = [r.raw(port) for r in build(spec)]
    if spec["mode"] == "closed":
        coro = closed_loop(port, raws, int(spec["concurrency"]), float(spec["seconds"]))
    elif spec["mode"] == "answer":
        coro = answered(port, raws, answer_keys(spec), str(spec["control"]), float(spec["seconds"]))
    else:
        coro = fixed_rate(port, raws, float(spec["rate"]), float(spec["seconds"]))
    return summarise(asyncio.run(coro))


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(run(spec)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
