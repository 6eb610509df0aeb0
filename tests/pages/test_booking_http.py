"""Two candidates pick the same time at the same moment: one interview, the other told the
times still free. Real requests to `hirebot serve` from two threads, on both databases."""

from __future__ import annotations

import re
import threading

import httpx

from tests.pages.booking import interviews, offered
from tests.pages.conftest import Site

SLOT = "2026-12-07T05:00:00+00:00"  # 10:00 in Karachi


def _ready(link: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(timeout=60)
    page = client.get(link)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    return client, token.group(1)


def test_parallel_bookings_of_one_time_make_one_interview(site: Site):
    links = [offered(site.hirebot, f"Person {i}", f"p{i}@example.com")[1] for i in range(2)]
    ready = [_ready(link) for link in links]
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def book(i: int) -> None:
        client, token = ready[i]
        start.wait()
        answers.append(client.post(links[i], data={"csrf_token": token, "slot": SLOT}))

    threads = [threading.Thread(target=book, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(a.status_code for a in answers) == [200, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "that time was just taken" in refused.text
    assert "15:00" in refused.text
    assert [i.starts_at.isoformat() for i in interviews(site.hirebot)] == [SLOT]
    for client, _token in ready:
        client.close()
