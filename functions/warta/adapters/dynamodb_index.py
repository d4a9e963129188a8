"""The article index on one DynamoDB table: the AWS counterpart of `SqliteIndex`.

Every query a render makes reads base-table partitions with strongly consistent reads, never a
GSI: GSIs are eventually consistent, and a render must see every index write made before the
push that queued it (docs/architecture.md). So each live article keeps, besides its own item,
one small *membership* item per list it belongs to, written in the same transaction:

    pk                          sk                     for
    A#<site>#<id>               ARTICLE                the article (revision, doc, memberships)
    L#<site>                    <published_us>#<id>    the home feed, the news sitemap, facets
    S#<site>#<section>          <published_us>#<id>    section feeds
    G#<site>#<tag slug>         <published_us>#<id>    tag feeds
    W#<site>#<author slug>      <published_us>#<id>    author feeds (core.authors.author_slug)
    U#<site>#<url>              <published_us>#<id>    the AMP page of a URL
    R#<site>#<url>              CLAIM                  the live article holding a URL (its id)
    P#<site>#<period>           <published_us>#<id>    a sitemap shard (its <url> element)
    C#<site>#<period>           <published_us>#<id>    the shard's articles that end a part
    SP#<site>                   <period>#<part>        rendered shard parts, for the index
    SL#<site>                   B#<period>             their sitemap-index entries (dynamodb_listing)
    Q#<site>                    <kind>|<name>          pending outputs (`SqsRenderQueue`)
    T#<site>                    TEMPLATES              output path templates ever used (a set)
    TS#<site>                   <id>                   articles that are takedowns now
    F#<site>#<id>               <variant>              finished feed items (`dynamodb_feed_items`)

A list's membership items name their article's id and revision (`rev`), so a warm reader takes
the articles it holds parsed already (`dynamodb_articles`) and reads only the others.

Keys built from a URL, tag or author go through `list_pk`: past DynamoDB's partition key limit
the value is shortened and hashed (`core.urls.bounded_key`), so no URL the contract allows fails
the write. A URL claim is put with a condition in the article's transaction, so two articles can
never hold one URL, however their writes interleave.

The one GSI, `due`, is sparse: only live articles not yet released carry its keys. The
scheduler tolerates its lag (a due article is released a minute later at worst).

How an article's document is stored in its item (or, past the item limit, in the private state
bucket) and read back is `dynamodb_documents`.

The table itself (limits, keys, marshalling, consistent paged reads, batched writes and its
CreateTable request) is `dynamodb_table`; this module is what the index keeps in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError

from warta.adapters.dynamodb_count import count_items
from warta.adapters.dynamodb_documents import DynamoDocuments
from warta.adapters.dynamodb_feed_items import DynamoFeedItems
from warta.adapters.dynamodb_listing import DynamoListing
from warta.adapters.dynamodb_table import (
    ARTICLE_SK,
    CLAIM_SK,
    DUE_INDEX,
    TEMPLATES_SK,
    TRANSACT_ITEMS_LIMIT,
    Condition,
    article_pk,
    claim_condition,
    is_condition_failure,
    list_pk,
    marshal,
    sort_key,
    table_definition,
    transact_put,
    until_key,
)
from warta.core.articles import Article, ArticleState, Tombstone
from warta.core.authors import author_slugs
from warta.core.planner import epoch_micros
from warta.core.ports import Facets, ShardPart, UrlHeld, WriteResult
from warta.core.render.sitemaps import ends_part, iter_shard_files, sitemap_image_urls, url_fragment
from warta.core.text import slugify
from warta.core.views import (
    NewsEntry,
    ShardPosition,
    ShardRow,
    SitemapEntry,
    SitemapImage,
    SitemapPart,
    parse_position,
    position_text,
)

__all__ = ["DynamoIndex", "table_definition"]  # table_definition: the tests read it here

if TYPE_CHECKING:  # boto3-stubs, a dev dependency: never imported at run time
    from mypy_boto3_dynamodb.type_defs import WriteRequestUnionTypeDef

# What a list's membership items give of the articles they name (`_articles_of`).
MEMBER_ATTRIBUTES = ("id", "rev")
NEWS_ATTRIBUTES = ("url", "title", "language", "published_at")  # what the news sitemap shows
ROW_ATTRIBUTES = ("us", "id", "fragment", "lastmod", "cut")  # a shard's row (core.views.ShardRow)
WRITE_ATTEMPTS = 8
# Keys of the `due` GSI a due read takes a page: those still ahead beyond it are counted by the
# status report's own query (a site schedules a few articles ahead, not hundreds).
SCHEDULED_READ = 100


def _micros(moment: datetime) -> int:
    return epoch_micros(moment)  # the unit shard positions are named in


def _sitemap_entry(article: Article) -> SitemapEntry:
    return SitemapEntry(
        url=article.url,
        lastmod=article.modified_at,
        images=tuple(SitemapImage(src) for src in sitemap_image_urls(article)),
    )


def _shard_part_item(pk: str, period: str, part: ShardPart) -> dict[str, Any]:
    return {
        "pk": pk,
        "sk": f"{period}#{part.part:06d}",
        "period": period,
        "part": part.part,
        "url_count": part.url_count,
        "lastmod": part.lastmod.isoformat() if part.lastmod else None,
        "cut": position_text(part.cut) if part.cut else None,
    }


def _stored_fields(item: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """A shard part item's fields as stored text and numbers (a read gives numbers as Decimal)."""
    if item is None:
        return None
    return (
        item["period"],
        int(item["part"]),
        int(item["url_count"]),
        item.get("lastmod"),
        item.get("cut"),
    )


class DynamoIndex(DynamoDocuments, DynamoFeedItems, DynamoListing):
    """`ArticleIndex` on a DynamoDB table (pk, sk strings; GSI `due` on due_pk, due_sk)."""

    # Kept feed items are read beside a few articles (DynamoFeedItems, not DynamoDocuments'
    # none): a warm render reads a publish's new article, and its feeds then ask for its items.
    _items_beside = DynamoFeedItems._items_beside
    _fetched_beside = DynamoFeedItems._fetched_beside

    # --- ArticleIndex -----------------------------------------------------------------------

    # The article item `get` read last: an ingest reads the stored state, then writes the new
    # one, and the write's first attempt starts from it instead of reading the item again. Its
    # condition (the revision read, or no item) refuses it if another write came in between.
    _got: tuple[str, dict[str, Any] | None] | None = None

    def get(self, site: str, article_id: str) -> ArticleState | None:
        pk = article_pk(site, article_id)
        item = self._get_item(pk, ARTICLE_SK)
        self._got = (pk, item)
        return None if item is None else self._state(item)

    def _item_got(self, pk: str, revision: int) -> tuple[bool, dict[str, Any] | None]:
        """(True, the item `get` last read) when a write of `revision` may start from it: the
        same article, and a state the write would replace (no cleanup left, an older revision).
        Otherwise (False, None): the write reads the item, as it decides on what it reads."""
        got, self._got = self._got, None
        if got is None or got[0] != pk:
            return False, None
        item = got[1]
        if item is not None and ("cleanup" in item or int(item["revision"]) >= revision):
            return False, None
        return True, item

    def _memberships(self, article: Article, period: str | None) -> dict[tuple[str, str], dict[str, Any]]:
        site, us = article.site, _micros(article.published_at)
        sk = sort_key(us, article.id)
        base = {"sk": sk, "id": article.id, "us": us, "rev": article.revision}
        tags = sorted({slugify(tag) for tag in article.tags})
        authors = list(author_slugs(article))
        members: list[dict[str, Any]] = [
            {
                **base,
                "pk": f"L#{site}",
                "url": article.url,
                "section": article.section.id,
                "period": period,
                "tags": tags,
                "authors": authors,
                # What the news sitemap shows, so it never loads article bodies.
                "title": article.title,
                "language": article.language,
                "published_at": article.published_at.isoformat(),
            },
            {**base, "pk": f"S#{site}#{article.section.id}"},
            {**base, "pk": list_pk("U", site, article.url)},
            *({**base, "pk": list_pk("G", site, tag)} for tag in tags),
            *({**base, "pk": list_pk("W", site, author)} for author in authors),
            {"pk": list_pk("R", site, article.url), "sk": CLAIM_SK, "id": article.id},
        ]
        if period is not None:
            entry = _sitemap_entry(article)
            cut = ends_part(article.id)
            members.append(
                {
                    **base,
                    "pk": f"P#{site}#{period}",
                    "url": article.url,
                    "lastmod": entry.lastmod.isoformat(),
                    # The <url> element rendered once here, so a shard part is a concatenation.
                    "fragment": Binary(url_fragment(entry)),
                    "cut": cut,
                }
            )
            if cut:
                members.append({**base, "pk": f"C#{site}#{period}"})
        return {(m["pk"], m["sk"]): m for m in members}

    def _finish_cleanup(self, item: dict[str, Any]) -> None:
        """Delete memberships a previous write had to leave to a second step."""
        leftovers = [tuple(k) for k in item.get("cleanup", [])]
        if not leftovers:
            return
        self._batch_write([{"DeleteRequest": {"Key": marshal({"pk": pk, "sk": sk})}} for pk, sk in leftovers])
        self._ddb.update_item(
            TableName=self.table,
            Key=marshal({"pk": item["pk"], "sk": ARTICLE_SK}),
            UpdateExpression="REMOVE cleanup",
            ConditionExpression="revision = :rev",
            ExpressionAttributeValues=marshal({":rev": item["revision"]}),
        )

    def write(self, state: ArticleState, period: str | None, released: bool) -> WriteResult:
        pk = article_pk(state.site, state.id)
        reused, item = self._item_got(pk, state.revision)
        for _ in range(WRITE_ATTEMPTS):
            if not reused:
                item = self._get_item(pk, ARTICLE_SK)
            if item is not None:
                try:
                    self._finish_cleanup(item)
                except ClientError as exc:
                    if not is_condition_failure(exc):
                        raise
                    continue  # a newer write came in between: read again
            previous = None if item is None else self._state(item)
            if previous is not None and previous.revision >= state.revision:
                return WriteResult(applied=False, previous=previous)
            if isinstance(state, Tombstone) and previous is not None and previous.url:
                # The last live URL stays with the tombstone, so a forced takedown finds its pages.
                state = replace(state, url=previous.url)
            # A refused attempt from the item `get` read names no holder of the URL: the item
            # is read afresh, and what it shows now decides (a newer revision: stale).
            written = self._try_write(state, period, released, item, check_url=not reused)
            reused = False
            if written:
                if item is not None and "doc_ref" in item and self._s3 is not None:
                    self._s3.delete_object(Bucket=self._doc_bucket, Key=item["doc_ref"])
                if isinstance(state, Tombstone) and previous is not None:
                    self.drop_feed_items(state.site, state.id)
                return WriteResult(applied=True, previous=previous)
        raise RuntimeError(f"article {state.id}: index write kept losing races after {WRITE_ATTEMPTS} tries")

    def _try_write(
        self,
        state: ArticleState,
        period: str | None,
        released: bool,
        item: dict[str, Any] | None,
        check_url: bool = True,
    ) -> bool:
        """One optimistic attempt: False if another write replaced `item` in the meantime."""
        pk = article_pk(state.site, state.id)
        main: dict[str, Any] = {
            "pk": pk,
            "sk": ARTICLE_SK,
            "site": state.site,
            "id": state.id,
            "revision": state.revision,
            "live": isinstance(state, Article),
        }
        members: dict[tuple[str, str], dict[str, Any]] = {}
        if isinstance(state, Tombstone):
            if state.url:
                main["url"] = state.url
            # A site whose index holds only takedowns holds something (`holds_site`); the item
            # goes with the other memberships when the article is published again.
            members = {
                (f"TS#{state.site}", state.id): {"pk": f"TS#{state.site}", "sk": state.id, "id": state.id}
            }
        if isinstance(state, Article):
            members = self._memberships(state, period)
            main.update(self._encode_doc(state))
            main["released"] = released
            if not released:
                main["due_pk"] = state.site
                main["due_sk"] = sort_key(_micros(state.published_at), state.id)
        old = {tuple(k) for k in (item or {}).get("members", [])}
        stale = sorted(old - members.keys())
        room = TRANSACT_ITEMS_LIMIT - 1 - len(members)
        now_deleted, later = stale[:room], stale[room:]
        main["members"] = [list(k) for k in sorted(members)]
        if later:
            main["cleanup"] = [list(k) for k in later]
        if item is None:
            condition: Condition = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "revision = :prev",
                "ExpressionAttributeValues": marshal({":prev": item["revision"]}),
            }
        actions = [transact_put(self.table, main, condition)]
        actions += [transact_put(self.table, m, claim_condition(m)) for m in members.values()]
        actions += [
            {"Delete": {"TableName": self.table, "Key": marshal({"pk": k[0], "sk": k[1]})}}
            for k in now_deleted
        ]
        try:
            self._ddb.transact_write_items(TransactItems=actions)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "TransactionCanceledException":
                if "doc_ref" in main and self._s3 is not None:
                    self._s3.delete_object(Bucket=self._doc_bucket, Key=main["doc_ref"])
                if isinstance(state, Article) and check_url:
                    self._raise_if_url_held(state)
                return False
            raise
        if later:
            self._finish_cleanup(main)
        return True

    def _raise_if_url_held(self, article: Article) -> None:
        claim = self._get_item(list_pk("R", article.site, article.url), CLAIM_SK)
        if claim is not None and claim["id"] != article.id:
            raise UrlHeld(article.url, claim["id"])

    def live_by_url(self, site: str, url: str, now: datetime) -> Article | None:
        url_pk = list_pk("U", site, url)
        for member in self._partition(url_pk, until_key(now), limit=1, attributes=MEMBER_ATTRIBUTES):
            found = self._articles_of([member], site)
            return found[0] if found else None
        return None

    def live_by_urls(self, site: str, urls: Sequence[str], now: datetime) -> dict[str, Article]:
        # A URL's newest member is one Query's answer; rebuilds on AWS render page by page.
        found = {url: self.live_by_url(site, url, now) for url in dict.fromkeys(urls)}
        return {url: article for url, article in found.items() if article is not None}

    def latest(
        self,
        site: str,
        now: datetime,
        limit: int,
        section: str | None = None,
        tag: str | None = None,
        author: str | None = None,
        bodies: bool = True,
    ) -> list[Article]:
        lists = [
            pk
            for pk, value in (
                (list_pk("G", site, tag or ""), tag),
                (list_pk("W", site, author or ""), author),
                (f"S#{site}#{section}", section),
            )
            if value is not None
        ]
        if len(lists) > 1:
            # Several filters (not asked by any feed today): walk the first list, keep the rest.
            members = self._partition(lists[0], until_key(now), attributes=MEMBER_ATTRIBUTES)
            return [
                a
                for a in self._articles_of(members, site, bodies)
                if (tag is None or tag in {slugify(t) for t in a.tags})
                and (author is None or author in author_slugs(a))
                and (section is None or a.section.id == section)
            ][:limit]
        pk = lists[0] if lists else f"L#{site}"
        members = self._partition(pk, until_key(now), limit=limit, attributes=MEMBER_ATTRIBUTES)
        return self._articles_of(list(members), site, bodies)

    def shard_rows(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> Iterator[ShardRow]:
        upper = until_key(now)
        if until is not None:
            upper = min(upper, sort_key(*until))
        lower = sort_key(*after) if after is not None else "0"
        if lower > upper:
            return
        rows = self._partition(f"P#{site}#{period}", upper, lower, False, attributes=ROW_ATTRIBUTES)
        for member in rows:
            position = (int(member["us"]), member["id"])
            if after is not None and position == after:
                continue  # BETWEEN includes the lower bound; `after` is exclusive
            yield ShardRow(
                position=position,
                fragment=bytes(member["fragment"]),
                lastmod=datetime.fromisoformat(member["lastmod"]),
                cut=bool(member["cut"]),
            )

    def shard_files(
        self,
        site: str,
        period: str,
        now: datetime,
        after: ShardPosition | None = None,
        until: ShardPosition | None = None,
    ) -> list[SitemapPart]:
        return list(iter_shard_files(self.shard_rows(site, period, now, after, until)))

    def shard_entries(self, site: str, period: str, now: datetime) -> Iterator[SitemapEntry]:
        keys = [
            (article_pk(site, m["id"]), ARTICLE_SK)
            for m in self._partition(f"P#{site}#{period}", until_key(now), newest_first=False)
        ]
        items = self._batch_get(keys)
        for key in keys:
            article = self._article(items[key]) if key in items else None
            if article is not None:
                yield _sitemap_entry(article)

    def shard_cuts(self, site: str, period: str, now: datetime) -> list[ShardPosition]:
        return [
            (int(m["us"]), m["id"])
            for m in self._partition(
                f"C#{site}#{period}", until_key(now), None, False, attributes=("us", "id")
            )
        ]

    def news_entries(self, site: str, after: datetime, until: datetime, limit: int) -> list[NewsEntry]:
        return [
            NewsEntry(m["url"], m["title"], m["language"], datetime.fromisoformat(m["published_at"]))
            for m in self._between(site, after, until, limit, NEWS_ATTRIBUTES)
        ]

    def _between(
        self, site: str, after: datetime, until: datetime, limit: int, attributes: Sequence[str]
    ) -> list[dict[str, Any]]:
        lower = f"{_micros(after) + 1:020d}"
        upper = f"{_micros(until) + 1:020d}"
        if lower >= upper:
            return []
        # BETWEEN is inclusive, but no key equals `upper`: keys go on with "#<id>".
        return list(self._partition(f"L#{site}", upper, lower=lower, limit=limit, attributes=attributes))

    def published_between(self, site: str, after: datetime, until: datetime, limit: int) -> list[Article]:
        return self._articles_of(self._between(site, after, until, limit, MEMBER_ATTRIBUTES), site)

    # What the last `due` read of a site found still ahead (the `due` GSI's sort keys), when it
    # read the partition to its end: the batch's status report counts the scheduled articles
    # from it (`scheduled_count`, once), instead of counting them with a query of its own.
    _ahead: dict[str, list[str]] | None = None

    def due(self, site: str, now: datetime) -> list[Article]:
        hi = until_key(now)
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_pk = :site",
            "ExpressionAttributeValues": marshal({":site": site}),
            "Limit": SCHEDULED_READ,
        }
        due_keys: list[str] = []
        ahead: list[str] = []
        while True:  # in sort-key order: the due ones, then those ahead
            page = self._ddb.query(**request)
            for raw in page.get("Items", []):
                key = raw["due_sk"]["S"]
                (due_keys if key < hi else ahead).append(key)
            more = page.get("LastEvaluatedKey")
            if more is None or ahead:
                break
            request["ExclusiveStartKey"] = more
        if self._ahead is None:
            self._ahead = {}
        if more is None:
            self._ahead[site] = ahead
        else:  # more ahead than one page: scheduled_count counts them itself
            self._ahead.pop(site, None)
        ids = [{"id": key.split("#", 1)[1]} for key in due_keys]
        # The GSI may lag: check each candidate against its item, read consistently.
        return [a for a in self._articles_of(ids, site) if a.is_visible(now) and self._unreleased(site, a.id)]

    def scheduled_count(self, site: str, now: datetime) -> int:
        """Live articles whose publish time is still ahead, for the status report (the sparse
        `due` GSI holds only unreleased articles; it may lag a write by a moment). After a `due`
        read of the site (a render batch's first step), from what it found ahead, once: a
        scheduled article written since would have been lag of the GSI as well."""
        ahead = self._ahead.pop(site, None) if self._ahead else None
        if ahead is not None:
            start = until_key(now)
            return sum(1 for key in ahead if key >= start)
        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": "due_pk = :site AND due_sk >= :from",
            "ExpressionAttributeValues": marshal({":site": site, ":from": until_key(now)}),
        }
        return count_items(self._ddb, request)

    def _unreleased(self, site: str, article_id: str) -> bool:
        item = self._get_item(article_pk(site, article_id), ARTICLE_SK)
        return item is not None and bool(item.get("live")) and not item.get("released")

    def mark_released(self, site: str, article_ids: Sequence[str]) -> None:
        for article_id in article_ids:
            try:
                self._ddb.update_item(
                    TableName=self.table,
                    Key=marshal({"pk": article_pk(site, article_id), "sk": ARTICLE_SK}),
                    UpdateExpression="SET released = :yes REMOVE due_pk, due_sk",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues=marshal({":yes": True}),
                )
            except ClientError as exc:
                if not is_condition_failure(exc):
                    raise

    def facets(self, site: str, now: datetime) -> Facets:
        urls: set[str] = set()
        sections: set[str] = set()
        periods: set[str] = set()
        tags: set[str] = set()
        authors: set[str] = set()
        for member in self._partition(f"L#{site}", until_key(now)):
            urls.add(member["url"])
            sections.add(member["section"])
            if member.get("period") is not None:
                periods.add(member["period"])
            tags.update(member.get("tags", []))
            authors.update(member.get("authors", []))
        return Facets(
            urls=tuple(sorted(urls)),
            feed_values={
                "section": tuple(sorted(sections)),
                "tag": tuple(sorted(tags)),
                "author": tuple(sorted(authors)),
            },
            periods=tuple(sorted(periods)),
        )

    def shard_parts(self, site: str, period: str | None = None) -> list[ShardPart]:
        values: dict[str, Any] = {":pk": f"SP#{site}"}
        condition = "pk = :pk"
        if period is not None:
            condition += " AND begins_with(sk, :period)"
            values[":period"] = f"{period}#"
        return [
            ShardPart(
                item["period"],
                int(item["part"]),
                int(item["url_count"]),
                datetime.fromisoformat(item["lastmod"]) if item.get("lastmod") else None,
                parse_position(item["cut"]) if item.get("cut") else None,
            )
            for item in self._query(
                KeyConditionExpression=condition,
                ExpressionAttributeValues=marshal(values),
                ConsistentRead=True,
            )
        ]

    def set_shard_parts(
        self, site: str, period: str, parts: Sequence[ShardPart], stored: Sequence[ShardPart] | None = None
    ) -> None:
        pk = f"SP#{site}"
        existing: dict[str, dict[str, Any]]
        if stored is None:
            existing = {
                item["sk"]: item
                for item in self._query(
                    KeyConditionExpression="pk = :pk AND begins_with(sk, :period)",
                    ExpressionAttributeValues=marshal({":pk": pk, ":period": f"{period}#"}),
                    ConsistentRead=True,
                )
            }
        else:
            existing = {item["sk"]: item for item in (_shard_part_item(pk, period, p) for p in stored)}
        wanted = {item["sk"]: item for item in (_shard_part_item(pk, period, p) for p in parts)}
        # A part whose item is the stored one is not written again (a publish changes the open one).
        requests: list[WriteRequestUnionTypeDef] = [
            {"PutRequest": {"Item": marshal(item)}}
            for sk, item in wanted.items()
            if _stored_fields(existing.get(sk)) != _stored_fields(item)
        ]
        requests += [
            {"DeleteRequest": {"Key": marshal({"pk": pk, "sk": sk})}}
            for sk in sorted(existing.keys() - wanted.keys())
        ]
        if requests:
            self._batch_write(requests)

    def output_templates(self, site: str) -> set[str]:
        item = self._get_item(f"T#{site}", TEMPLATES_SK)
        return set(item.get("templates", ())) if item else set()

    def remember_output_templates(self, site: str, templates: Iterable[str]) -> None:
        wanted = set(templates)
        if not wanted:
            return
        self._ddb.update_item(
            TableName=self.table,
            Key=marshal({"pk": f"T#{site}", "sk": TEMPLATES_SK}),
            UpdateExpression="ADD templates :t",
            ExpressionAttributeValues={":t": {"SS": sorted(wanted)}},
        )

    def holds_site(self, site: str) -> bool:
        """Whether the table has anything of the site: a live article, a shard part, templates
        or a takedown."""
        for pk in (f"L#{site}", f"SP#{site}", f"T#{site}", f"TS#{site}"):
            key = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": marshal({":pk": pk})}
            if next(self._query(**key, ConsistentRead=True, Limit=1), None) is not None:
                return True
        return False
