"""The booking page's two posts over plain HTTP against the served pages: a pick or an
"other times" note whose CSRF token is missing is refused with the page shown again (the
note still in its box), and nothing is booked or sent."""

from __future__ import annotations

import httpx

from tests.pages.booking import interviews, offered, told
from tests.pages.conftest import Site


def test_a_post_without_its_token_is_refused_and_changes_nothing(site: Site):
    _applicant_id, link, _reply = offered(site.hirebot, "Ayesha Khan", "ayesha@example.com")
    with httpx.Client(timeout=30) as http:
        assert http.get(link).status_code == 200  # the page, and its CSRF cookie
        pick = http.post(link, data={"slot": "0"})
        note = "<b>Tuesday</b> after 3 works better"
        other = http.post(f"{link}/other", data={"other": note})

    assert pick.status_code == 403
    assert "Nothing was booked" in pick.text
    assert other.status_code == 403
    assert "Nothing was sent" in other.text
    assert "&lt;b&gt;Tuesday&lt;/b&gt; after 3 works better" in other.text  # kept, escaped
    assert interviews(site.hirebot) == []
    assert told(site.hirebot, "asks for other interview times") == []
