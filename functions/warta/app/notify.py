"""After a render: tell WebSub hubs which feeds changed, IndexNow which article URLs did, and
the AMP caches which AMP pages went.

`plan_pings` is pure (what to send, from the render report and the config); `send_pings` sends
through a `Pinger` and only logs failures: a hub that is down never fails a publish. An AMP
cache flush is signed when it is sent (the cache takes a timestamp a minute either way), with
the signer the shell gives for the site (`SignerFor`: a key file locally, SSM on AWS).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

from warta.app.outputs.indexnow_key import key_file_path
from warta.app.render import RenderReport
from warta.core.amp_cache import Signer, cache_origin, update_cache_url
from warta.core.config import Deployment, SiteConfig
from warta.core.pings import Pinger, PingResult, RetryPolicy
from warta.core.urls import InvalidUrl

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


@dataclass(frozen=True, slots=True)
class Flush:
    """A flush of one removed AMP page from one AMP cache: a GET, signed when sent."""

    site: str
    page_url: str  # where the AMP page was served
    cache_host: str  # the cache's update-cache domain suffix
    endpoint: str  # the cache's origin for the page's domain: one dead cache is skipped
    policy: RetryPolicy
    kind: str = "amp_cache"

    @property
    def subject(self) -> str:
        return self.page_url


SignerFor = Callable[[SiteConfig], Signer]  # the site's AMP cache signer; raises when there is none


def _real_clock() -> datetime:
    return datetime.now(UTC)


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


def amp_cache_flushes(site: SiteConfig, page_urls: Iterable[str]) -> list[Flush]:
    """A flush per configured AMP cache and removed AMP page URL (none without [notify.amp_cache])."""
    spec = site.notify.amp_cache
    if spec is None:
        return []
    flushes = []
    for host in spec.cache_hosts:
        for url in sorted(set(page_urls)):
            try:
                origin = cache_origin(url, host)
            except InvalidUrl as exc:  # a public_base_url no cache could hold a page of
                logger.warning("amp_cache flush not planned", extra={"subject": url, "error": str(exc)})
                continue
            flushes.append(Flush(site.id, url, host, origin, _policy(site)))
    return flushes


def plan_pings(report: RenderReport, deployment: Deployment) -> list[Ping | Flush]:
    """Feeds written → hubs; articles whose page appeared, changed or went → IndexNow; AMP pages
    deleted (a takedown, a moved URL, a page under an old amp.path) → AMP caches."""
    feeds: dict[str, set[str]] = {}
    articles: dict[str, set[str]] = {}
    removed_pages: dict[str, set[str]] = {}
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
            if outcome == "deleted":
                removed_pages.setdefault(site.id, set()).add(site.public_url(_site_path(site, path)))
    pings: list[Ping | Flush] = []
    for site_id in sorted(feeds.keys() | articles.keys()):
        site = deployment.sites[site_id]
        pings += websub_pings(site, feeds.get(site_id, ()))
        pings += indexnow_pings(site, articles.get(site_id, ()))
        pings += amp_cache_flushes(site, removed_pages.get(site_id, ()))
    return pings


def _no_signer(site: SiteConfig) -> Signer:
    raise LookupError(f"no AMP cache signing key is available for site {site.id}")


def send_pings(
    pings: Iterable[Ping | Flush],
    pinger: Pinger,
    deployment: Deployment | None = None,
    signer_for: SignerFor = _no_signer,
    clock: Callable[[], datetime] = _real_clock,
) -> NotifyReport:
    """Send each ping; failures are logged and reported, never raised.

    An endpoint that gave no answer or a server error after all its attempts is skipped for the
    rest of the run: a dead hub then costs one ping's timeouts, not one per changed feed. A
    flush is signed with `signer_for(site)` (asked once per site and run) and `clock()`; the
    flushes of a site without a usable key are reported failed, unsent.
    """
    report = NotifyReport()
    down: set[str] = set()
    signers: dict[str, Signer | Exception] = {}

    def signer(site_id: str) -> Signer | Exception:
        if site_id not in signers:
            try:
                if deployment is None:
                    raise LookupError("no deployment given to find the site's key")
                signers[site_id] = signer_for(deployment.sites[site_id])
            except Exception as exc:  # a missing or broken key fails its flushes, not the run
                signers[site_id] = exc
        return signers[site_id]

    for ping in pings:
        key = signer(ping.site) if isinstance(ping, Flush) and ping.endpoint not in down else None
        if ping.endpoint in down:
            result = PingResult(
                ping.endpoint, False, None, 0, "skipped: the endpoint failed earlier in this run"
            )
        elif isinstance(key, Exception):
            result = PingResult(ping.endpoint, False, None, 0, f"no signing key: {type(key).__name__}: {key}")
        else:
            try:
                result = _deliver(ping, pinger, key, clock)
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


def _deliver(
    ping: Ping | Flush, pinger: Pinger, sign: Signer | None, clock: Callable[[], datetime]
) -> PingResult:
    if isinstance(ping, Ping):
        return pinger.post(ping.endpoint, ping.body, ping.content_type, ping.policy)
    if sign is None:
        raise LookupError("a flush needs a signer")
    return pinger.get(update_cache_url(ping.page_url, clock(), sign, ping.cache_host), ping.policy)


def notify_after_render(
    report: RenderReport,
    deployment: Deployment,
    pinger: Pinger,
    signer_for: SignerFor = _no_signer,
    clock: Callable[[], datetime] = _real_clock,
) -> NotifyReport:
    return send_pings(plan_pings(report, deployment), pinger, deployment, signer_for, clock)
