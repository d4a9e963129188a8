"""After a render: tell WebSub hubs which feeds changed and IndexNow which article URLs did.

`plan_pings` is pure (what to send, from the render report and the config); `send_pings` sends
through a `Pinger` and only logs failures: a hub that is down never fails a publish.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from warta.app.outputs.indexnow_key import key_file_path
from warta.app.render import RenderReport
from warta.core.config import Deployment, SiteConfig
from warta.core.pings import Pinger, PingResult, RetryPolicy

logger = logging.getLogger(__name__)

# IndexNow protocol: "You can submit up to 10,000 URLs per post."
INDEXNOW_BATCH_LIMIT = 10_000
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Ping:
    kind: str  # "websub" or "indexnow", for logs
    endpoint: str
    body: bytes
    content_type: str
    policy: RetryPolicy
    subject: str  # what the ping is about: the feed URL, or "N URLs"


@dataclass
class NotifyReport:
    sent: list[PingResult] = field(default_factory=list)
    failed: list[PingResult] = field(default_factory=list)


def _policy(site: SiteConfig) -> RetryPolicy:
    notify = site.notify
    return RetryPolicy(notify.timeout_seconds, notify.attempts, notify.backoff_seconds)


def _site_path(site: SiteConfig, store_path: str) -> str:
    return store_path.removeprefix(site.output_prefix)


def websub_pings(site: SiteConfig, feed_urls: Iterable[str]) -> list[Ping]:
    """A publish ping (WebSub's hub.mode=publish convention) per hub and changed feed."""
    return [
        Ping(
            "websub",
            hub,
            urlencode({"hub.mode": "publish", "hub.url": feed}).encode("ascii"),
            FORM_CONTENT_TYPE,
            _policy(site),
            feed,
        )
        for hub in site.notify.websub_hubs
        for feed in sorted(set(feed_urls))
    ]


def indexnow_pings(
    site: SiteConfig, urls: Iterable[str], batch_limit: int = INDEXNOW_BATCH_LIMIT
) -> list[Ping]:
    """The IndexNow submissions for these URLs: JSON posts of at most `batch_limit` URLs."""
    notify = site.notify
    if not notify.indexnow_endpoint or not notify.indexnow_key:
        return []
    ordered = sorted(set(urls))
    pings = []
    for start in range(0, len(ordered), batch_limit):
        batch = ordered[start : start + batch_limit]
        body = {
            "host": site.domain,
            "key": notify.indexnow_key,
            "keyLocation": site.public_url(key_file_path(notify.indexnow_key)),
            "urlList": batch,
        }
        pings.append(
            Ping(
                "indexnow",
                notify.indexnow_endpoint,
                json.dumps(body, ensure_ascii=False).encode("utf-8"),
                JSON_CONTENT_TYPE,
                _policy(site),
                f"{len(batch)} URLs",
            )
        )
    return pings


def plan_pings(report: RenderReport, deployment: Deployment) -> list[Ping]:
    """Feeds written → hubs; articles whose page appeared, changed or went → IndexNow."""
    feeds: dict[str, set[str]] = {}
    articles: dict[str, set[str]] = {}
    for key, path, outcome in report.changed_outputs:
        site = deployment.sites.get(key.site)
        if site is None:
            continue
        if key.kind == "feed" and outcome == "written":
            feeds.setdefault(site.id, set()).add(site.public_url(_site_path(site, path)))
        elif key.kind == "amp":
            # An AMP output is keyed by its article's canonical URL: written when the article
            # appeared or changed, deleted when it went (takedown or new URL).
            articles.setdefault(site.id, set()).add(key.name)
    pings: list[Ping] = []
    for site_id in sorted(feeds.keys() | articles.keys()):
        site = deployment.sites[site_id]
        pings += websub_pings(site, feeds.get(site_id, ()))
        pings += indexnow_pings(site, articles.get(site_id, ()))
    return pings


def send_pings(pings: Iterable[Ping], pinger: Pinger) -> NotifyReport:
    """Send each ping; failures are logged and reported, never raised.

    An endpoint that gave no answer or a server error after all its attempts is skipped for the
    rest of the run: a dead hub then costs one ping's timeouts, not one per changed feed.
    """
    report = NotifyReport()
    down: set[str] = set()
    for ping in pings:
        if ping.endpoint in down:
            result = PingResult(
                ping.endpoint, False, None, 0, "skipped: the endpoint failed earlier in this run"
            )
        else:
            try:
                result = pinger.post(ping.endpoint, ping.body, ping.content_type, ping.policy)
            except Exception as exc:  # a pinger bug must not fail the publish either
                result = PingResult(ping.endpoint, False, None, 0, f"{type(exc).__name__}: {exc}")
            if not result.ok and (result.status is None or result.status >= 500):
                down.add(ping.endpoint)
        fields = {
            "ping": ping.kind,
            "endpoint": ping.endpoint,
            "subject": ping.subject,
            "status": result.status,
            "attempts": result.attempts,
        }
        if result.ok:
            report.sent.append(result)
            logger.info(f"{ping.kind} ping sent", extra=fields)
        else:
            report.failed.append(result)
            logger.warning(
                f"{ping.kind} ping failed: {result.error}", extra={**fields, "error": result.error}
            )
    return report


def notify_after_render(report: RenderReport, deployment: Deployment, pinger: Pinger) -> NotifyReport:
    return send_pings(plan_pings(report, deployment), pinger)
