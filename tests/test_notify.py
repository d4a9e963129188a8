"""WebSub and IndexNow pings against real HTTP servers on 127.0.0.1: one that works, one that
answers 500, one that never answers; and end to end through `warta publish`."""

from __future__ import annotations

import json
import socket
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from warta.adapters.http_ping import MAX_BACKOFF_SECONDS, HttpPinger, backoff_delay
from warta.app.notify import INDEXNOW_BATCH_LIMIT, indexnow_pings, plan_pings, send_pings, websub_pings
from warta.app.render import RenderReport
from warta.cli.main import main
from warta.core.config import Deployment, NotifySpec, SiteConfig
from warta.core.pings import RetryPolicy
from warta.core.planner import OutputKey

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.local_http import LocalServers, QuietHandler, StatusScript

FAST = RetryPolicy(timeout_seconds=0.3, attempts=3, backoff_seconds=0.01)
FEED = "https://www.andalpost.com/feed/index.xml"
NOW = "2023-09-21T00:00:00+07:00"


@dataclass
class Received:
    path: str
    content_type: str
    body: bytes


@dataclass
class Endpoint(StatusScript):
    """A local HTTP server answering each POST with the next status of `statuses` (then the last)."""

    statuses: list[int]
    received: list[Received] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def endpoint() -> Iterator[Callable[..., Endpoint]]:
    servers = LocalServers()

    def start(*statuses: int) -> Endpoint:
        state = Endpoint(list(statuses or (204,)))

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                state.received.append(Received(self.path, self.headers.get("Content-Type", ""), body))
                self.answer(state.next_status())

        state.url = servers.start(Handler) + "/hub"
        return state

    yield start
    servers.stop_all()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A port that accepts connections (the kernel's backlog) and never answers them."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hub"
    finally:
        sock.close()


@pytest.fixture
def closed_url() -> str:
    """A port nobody listens on: connection refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/hub"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def notifying(site: SiteConfig, **notify: Any) -> SiteConfig:
    return replace(site, notify=replace(site.notify, **notify))


# --- the HTTP client -----------------------------------------------------------------------------


def test_a_working_hub_gets_one_form_post(endpoint: Callable[..., Endpoint]) -> None:
    hub = endpoint(204)
    sleeps = Sleeps()
    body = b"hub.mode=publish&hub.url=x"
    result = HttpPinger(sleep=sleeps).post(hub.url, body, "application/x-www-form-urlencoded", FAST)
    assert (result.ok, result.status, result.attempts) == (True, 204, 1)
    assert [r.body for r in hub.received] == [body]
    assert sleeps == []


def test_a_hub_answering_500_is_retried_with_backoff_then_given_up(endpoint: Callable[..., Endpoint]) -> None:
    hub = endpoint(500)
    sleeps = Sleeps()
    result = HttpPinger(sleep=sleeps).post(hub.url, b"x", "text/plain", FAST)
    assert (result.ok, result.status, result.attempts) == (False, 500, 3)
    assert len(hub.received) == 3
    assert sleeps == [0.01, 0.02]


def test_a_hub_that_recovers_is_reached(endpoint: Callable[..., Endpoint]) -> None:
    hub = endpoint(503, 429, 202)
    result = HttpPinger(sleep=Sleeps()).post(hub.url, b"x", "text/plain", FAST)
    assert (result.ok, result.status, result.attempts) == (True, 202, 3)


def test_a_refusal_is_not_retried(endpoint: Callable[..., Endpoint]) -> None:
    hub = endpoint(403)
    result = HttpPinger(sleep=Sleeps()).post(hub.url, b"x", "text/plain", FAST)
    assert (result.ok, result.status, result.attempts) == (False, 403, 1)
    assert len(hub.received) == 1


def test_a_hub_that_never_answers_times_out_every_attempt(silent_url: str) -> None:
    sleeps = Sleeps()
    policy = RetryPolicy(timeout_seconds=0.2, attempts=2, backoff_seconds=0.01)
    result = HttpPinger(sleep=sleeps).post(silent_url, b"x", "text/plain", policy)
    assert (result.ok, result.status, result.attempts) == (False, None, 2)
    assert "timed out" in result.error
    assert sleeps == [0.01]


def test_a_closed_port_fails_without_raising(closed_url: str) -> None:
    result = HttpPinger(sleep=Sleeps()).post(closed_url, b"x", "text/plain", FAST)
    assert not result.ok and result.status is None and result.attempts == 3


def test_backoff_is_bounded() -> None:
    policy = RetryPolicy(timeout_seconds=1, attempts=50, backoff_seconds=1)
    assert [backoff_delay(policy, n) for n in (1, 2, 3)] == [1, 2, 4]
    assert backoff_delay(policy, 40) == MAX_BACKOFF_SECONDS


# --- what is sent ---------------------------------------------------------------------------------


def test_websub_ping_is_hub_mode_publish(site: SiteConfig) -> None:
    hubbed = notifying(site, websub_hubs=("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"))
    pings = websub_pings(hubbed, [FEED, FEED])
    assert [p.endpoint for p in pings] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    assert parse_qs(pings[0].body.decode()) == {"hub.mode": ["publish"], "hub.url": [FEED]}
    assert pings[0].content_type == "application/x-www-form-urlencoded"
    assert websub_pings(site, [FEED]) == []  # no hub configured


def test_indexnow_batches_hold_at_most_the_limit(site: SiteConfig) -> None:
    configured = notifying(site, indexnow_endpoint="http://127.0.0.1:9/indexnow")
    urls = [f"https://www.andalpost.com/nasional/berita-{n}" for n in range(2 * INDEXNOW_BATCH_LIMIT + 1)]
    pings = indexnow_pings(configured, urls)
    bodies = [json.loads(p.body) for p in pings]
    assert [len(b["urlList"]) for b in bodies] == [INDEXNOW_BATCH_LIMIT, INDEXNOW_BATCH_LIMIT, 1]
    assert sorted(u for b in bodies for u in b["urlList"]) == sorted(urls)
    key = site.notify.indexnow_key
    assert bodies[0]["key"] == key
    assert bodies[0]["host"] == "www.andalpost.com"
    assert bodies[0]["keyLocation"] == f"https://www.andalpost.com/{key}.txt"
    assert indexnow_pings(site, urls) == []  # no endpoint configured


def test_plan_pings_from_a_render_report(site: SiteConfig) -> None:
    configured = notifying(
        site, websub_hubs=("http://127.0.0.1:9/hub",), indexnow_endpoint="http://127.0.0.1:9/in"
    )
    report = RenderReport()
    gone = "https://www.andalpost.com/nasional/lama"
    report.changed_outputs += [
        (OutputKey(site.id, "feed", "home"), "feed/index.xml", "written"),
        (OutputKey(site.id, "feed", "home"), "feed/atom/index.xml", "written"),
        (OutputKey(site.id, "feed", "section:opini"), "feed/opini.xml", "deleted"),
        (
            OutputKey(site.id, "amp", "https://www.andalpost.com/nasional/baru"),
            "amp/nasional/baru.html",
            "written",
        ),
        (OutputKey(site.id, "amp", gone), "amp/nasional/lama.html", "deleted"),
        (OutputKey(site.id, "robots"), "robots.txt", "written"),
    ]
    pings = plan_pings(report, Deployment({site.id: configured}, site.id))
    hub_feeds = [parse_qs(p.body.decode())["hub.url"][0] for p in pings if p.kind == "websub"]
    assert hub_feeds == ["https://www.andalpost.com/feed/atom/index.xml", FEED]
    (indexnow,) = [json.loads(p.body) for p in pings if p.kind == "indexnow"]
    assert indexnow["urlList"] == ["https://www.andalpost.com/nasional/baru", gone]


def test_failures_are_logged_never_raised(
    site: SiteConfig,
    endpoint: Callable[..., Endpoint],
    silent_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good, broken = endpoint(204), endpoint(500)
    configured = notifying(
        site,
        websub_hubs=(good.url, broken.url, silent_url),
        timeout_seconds=0.2,
        attempts=2,
        backoff_seconds=0.01,
    )
    atom = "https://www.andalpost.com/feed/atom/index.xml"
    with caplog.at_level("WARNING", logger="warta"):
        report = send_pings(websub_pings(configured, [FEED, atom]), HttpPinger(sleep=Sleeps()))
    assert [r.url for r in report.sent] == [good.url, good.url]
    assert [r.url for r in report.failed] == [broken.url, broken.url, silent_url, silent_url]
    failed = [r for r in caplog.records if r.getMessage().startswith("websub ping failed")]
    assert [(r.endpoint, r.subject) for r in failed] == [
        (broken.url, atom),
        (broken.url, FEED),
        (silent_url, atom),
        (silent_url, FEED),
    ]
    # A hub that failed is not asked again in the same run: its 2 attempts were for one feed.
    assert len(broken.received) == 2
    assert "skipped" in failed[1].getMessage() and "skipped" in failed[3].getMessage()


# --- end to end: `warta publish` ------------------------------------------------------------------


def _config(tmp_path: Path, notify: dict[str, Any]) -> Path:
    text = EXAMPLE_SITE.read_text()
    data = tomllib.loads(text)
    assert "notify" in data
    lines = [f"{k} = {json.dumps(v)}" for k, v in notify.items()]
    # Replace the example's [notify] table: it is the last table before [amp].
    start = text.index("[notify]")
    end = text.index("[amp]")
    path = tmp_path / "site.toml"
    path.write_text(text[:start] + "[notify]\n" + "\n".join(lines) + "\n\n" + text[end:])
    return path


def _publish(tmp_path: Path, config: Path, *events: Path | str, extra: tuple[str, ...] = ()) -> int:
    args = ["publish", "--config", str(config), "--out", str(tmp_path / "public")]
    args += ["--state", str(tmp_path / "state"), "--now", NOW, *extra]
    return main(args + [str(e) for e in events])


def test_publish_pings_hubs_and_indexnow(
    tmp_path: Path,
    endpoint: Callable[..., Endpoint],
    silent_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub, broken, indexnow = endpoint(204), endpoint(500), endpoint(200)
    key = "andalpost-4f9c2a7e1b6d"
    config = _config(
        tmp_path,
        {
            "websub_hubs": [hub.url, broken.url, silent_url],
            "indexnow_endpoint": indexnow.url,
            "indexnow_key": key,
            "timeout_seconds": 0.2,
            "attempts": 2,
            "backoff_seconds": 0.01,
        },
    )
    events = sorted(EXAMPLE_EVENTS.glob("*.json"))
    first = [e for e in events if e.name.startswith(("001", "002", "016"))]
    # A hub that answers 500 and one that never answers do not fail the publish.
    assert _publish(tmp_path, config, *first) == 0
    assert "failed (see the log)" in capsys.readouterr().out
    pinged = {parse_qs(r.body.decode())["hub.url"][0] for r in hub.received}
    assert FEED in pinged
    assert "https://www.andalpost.com/feed/json/index.json" in pinged
    assert "https://www.andalpost.com/feed/smartnews/index.xml" in pinged
    assert all(r.content_type == "application/x-www-form-urlencoded" for r in hub.received)
    (submitted,) = [json.loads(r.body) for r in indexnow.received]
    assert submitted["key"] == key
    assert len(submitted["urlList"]) == 3
    assert (tmp_path / "public" / f"{key}.txt").read_text() == key
    # The takedown of 016: its URL goes to IndexNow again; the unchanged articles do not.
    hub.received.clear()
    indexnow.received.clear()
    takedown = next(e for e in events if e.name.startswith("022"))
    gone = json.loads(first[2].read_text())["article"]["url"]  # 016, taken down by 022
    assert _publish(tmp_path, config, takedown) == 0
    assert [json.loads(r.body)["urlList"] for r in indexnow.received] == [[gone]]
    assert hub.received  # the feeds that held it changed
    # Nothing changed: nothing is pinged.
    hub.received.clear()
    indexnow.received.clear()
    assert _publish(tmp_path, config, takedown) == 0
    assert hub.received == [] and indexnow.received == []


def test_no_ping_sends_nothing(tmp_path: Path, endpoint: Callable[..., Endpoint]) -> None:
    hub = endpoint(204)
    config = _config(tmp_path, {"websub_hubs": [hub.url], "indexnow_key": "andalpost-4f9c2a7e1b6d"})
    first = sorted(EXAMPLE_EVENTS.glob("001*.json"))
    assert _publish(tmp_path, config, *first, extra=("--no-ping",)) == 0
    assert hub.received == []


def test_the_example_notify_spec_is_silent(site: SiteConfig) -> None:
    assert plan_pings(RenderReport(), Deployment({site.id: site}, site.id)) == []
    assert isinstance(site.notify, NotifySpec)
