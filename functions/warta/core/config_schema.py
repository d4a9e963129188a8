"""What a site config may say: every table and key, its type, default and meaning, as data.

One definition serves three readers: `check_config` refuses what it does not list (naming the
nearest known key), `core.config` takes its defaults from it, and `core.config_reference` writes
docs/configuration.md from it (a test keeps the file and this table in step).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from warta.core.output_kinds import REQUIRED_CACHE_POLICIES

ValueType = Literal["string", "integer", "number", "boolean", "strings", "integers", "table"]


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Final = _Required()
# Google Search indexes the first 2 MB of an HTML file (Google Search Central, "Googlebot",
# file size limit); the official AMP validator also runs out of memory on pages past about 6 MB.
AMP_PAGE_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_FEED_SIZE = 50
# The [cache_control] keys every site needs (core/output_kinds.py).
CACHE_CONTROL_KINDS = REQUIRED_CACHE_POLICIES


@dataclass(frozen=True, slots=True)
class Key:
    name: str
    type: ValueType
    doc: str
    default: Any = REQUIRED
    choices: tuple[str, ...] = ()
    example: Any = None


@dataclass(frozen=True, slots=True)
class Table:
    """A TOML table. `path` segments in angle brackets stand for any name ("feeds.<feed>");
    `many` marks an array of tables ([[boilerplate]]). `free` is the type of the values of a
    table whose keys are the user's own names (sections, cache policies)."""

    path: str
    doc: str
    keys: tuple[Key, ...] = ()
    required: bool = False
    many: bool = False
    free: ValueType | None = None
    free_doc: str = ""
    required_keys: tuple[str, ...] = ()  # of a free table


SCHEMA: tuple[Table, ...] = (
    Table(
        "site",
        "Who the site is and where its tree is served.",
        required=True,
        keys=(
            Key("id", "string", "The site's id; events name it in `site`.", example="andalpost"),
            Key("name", "string", "The site's name, as feeds and AMP pages show it.", example="Andalpost"),
            Key("description", "string", "The feeds' channel description.", default=""),
            Key(
                "base_url",
                "string",
                "The site's own address (article URLs live under it).",
                example="https://www.andalpost.com",
            ),
            Key(
                "public_base_url",
                "string",
                "Where the published tree is served (the CDN); output URLs are built on it. "
                "Default: `base_url`.",
                default="",
            ),
            Key(
                "output_prefix",
                "string",
                'Where this site\'s tree starts in a store several sites share ("" = the root).',
                default="",
            ),
            Key("language", "string", "The site's language (BCP 47).", example="id"),
            Key(
                "timezone",
                "string",
                "The site's IANA time zone: sitemap shards follow its calendar.",
                example="Asia/Jakarta",
            ),
        ),
    ),
    Table(
        "site.logo",
        "The publisher logo (AMP pages, RSS channel image, structured data).",
        required=True,
        keys=(
            Key(
                "url", "string", "The logo's URL.", example="https://www.andalpost.com/static/logo-600x60.png"
            ),
            Key("width", "integer", "Its width in pixels.", example=600),
            Key("height", "integer", "Its height in pixels.", example=60),
        ),
    ),
    Table(
        "sections",
        "The site's sections: id = name. An event's section id must be one of these.",
        required=True,
        free="string",
        free_doc='section id = the name readers see, e.g. `nasional = "Nasional"`',
    ),
    Table("feeds", "The feeds: one table per feed kind.", required=True),
    Table(
        "feeds.<feed>",
        "One table per feed kind; the table's name is the feed's name.",
        keys=(
            Key(
                "select",
                "string",
                "`all` (one feed), `section`, `tag` or `author` (one feed per value that has articles).",
                choices=("all", "section", "tag", "author"),
                example="all",
            ),
            Key(
                "path",
                "string",
                "The RSS path; `{section}`, `{tag}` or `{author}` as `select` asks.",
                example="feed/index.xml",
            ),
            Key(
                "title",
                "string",
                "The feed's title; `{name}` is the section, tag or author. Default: site.name.",
                default="",
            ),
            Key("size", "integer", "How many newest articles the feed lists.", default=DEFAULT_FEED_SIZE),
            Key("ttl_minutes", "integer", "RSS <ttl>: minutes a reader may cache the feed.", default=5),
            Key(
                "formats",
                "strings",
                "Formats written: `rss`, `atom` (Atom 1.0), `json` (JSON Feed 1.1).",
                default=["rss"],
                choices=("rss", "atom", "json"),
            ),
            Key("cache_policy", "string", "The [cache_control] key for the feed's files.", default="feed"),
            Key(
                "content",
                "string",
                "`full`: items carry the article body; `summary`: title, summary, image and link only "
                "(bounds tag and author feeds, which list one article many times over).",
                default="full",
                choices=("full", "summary"),
            ),
        ),
    ),
    Table(
        "feeds.<feed>.paths",
        "The path of each format besides RSS, with the same placeholder as `path`.",
        keys=(
            Key("rss", "string", "The RSS path (default: the feed's `path`).", default=""),
            Key("atom", "string", "The Atom path.", default=""),
            Key("json", "string", "The JSON Feed path.", default=""),
        ),
    ),
    Table(
        "feeds.<feed>.profiles",
        "Aggregator copies of the feed: profile name = the RSS path of that copy.",
        free="string",
        free_doc="profile name (a [profiles.NAME] table) = path",
    ),
    Table("profiles", "Aggregator profiles, named by feeds' `profiles` tables."),
    Table(
        "profiles.<profile>",
        "An aggregator's rules; an item breaking one is left out of that aggregator's copy, and logged.",
        keys=(
            Key("require_https", "boolean", "The article URL and its image must be https.", default=False),
            Key(
                "title_length",
                "integers",
                "[min, max] characters of the title.",
                default=None,
                example=[20, 150],
            ),
            Key(
                "required_image_width", "integer", "An item needs an image at least this wide.", default=None
            ),
            Key(
                "preferred_image_width",
                "integer",
                "A narrower hero image is logged, the item kept.",
                default=None,
            ),
            Key(
                "full_text",
                "boolean",
                "Items carry their whole body (subscriber articles left out).",
                default=False,
            ),
            Key("max_bytes", "integer", "The oldest items go until the file fits.", default=None),
            Key("enclosure", "boolean", "The hero image also as an RSS <enclosure>.", default=False),
            Key("snf_logo", "string", "SmartNews: the channel logo (snf:logo).", default=""),
            Key("require_body", "boolean", "Items must carry a body (MSN).", default=False),
            Key("plain_title", "boolean", "Titles that look like HTML are left out (MSN).", default=False),
            Key("channel_pub_date", "boolean", "The channel carries <pubDate> (SmartFormat).", default=False),
            Key(
                "channel_description_chars",
                "integer",
                "The channel description cut at a word (SmartFormat: 30).",
                default=None,
            ),
        ),
    ),
    Table(
        "cdn",
        "How the CDN learns of changes.",
        keys=(
            Key(
                "invalidate",
                "string",
                "`takedowns`: only renders that removed something invalidate; `changes`: every changed path "
                "(billed per path).",
                default="takedowns",
                choices=("takedowns", "changes"),
            ),
        ),
    ),
    Table(
        "notify",
        "Who hears of changes after each publish (`warta publish --no-ping` sends nothing).",
        keys=(
            Key("websub_hubs", "strings", "WebSub hubs pinged for every feed that changed.", default=[]),
            Key(
                "indexnow_endpoint",
                "string",
                "The IndexNow endpoint told of every article URL that changed.",
                default="",
            ),
            Key(
                "indexnow_key",
                "string",
                "The site's IndexNow key (8-128 of a-z, A-Z, 0-9, -); published as {key}.txt.",
                default="",
            ),
            Key("timeout_seconds", "number", "Per request.", default=5.0),
            Key("attempts", "integer", "Tries per request.", default=3),
            Key("backoff_seconds", "number", "The wait before the second try; doubles after.", default=1.0),
        ),
    ),
    Table(
        "notify.amp_cache",
        "Flush requests to AMP caches when an AMP page is removed (a takedown, a moved URL), "
        "signed with the site's RSA key; the public key is published at "
        "/.well-known/amphtml/apikey.pub. Absent: no flushes. Give `public_key` or "
        '`public_key_file`, one of them (docs/operations.md, "AMP cache flushes").',
        keys=(
            Key("public_key", "string", "The public key, PEM (BEGIN PUBLIC KEY).", default=""),
            Key(
                "public_key_file",
                "string",
                "... or a file holding it, relative to the config file.",
                default="",
            ),
            Key(
                "private_key_file",
                "string",
                "The private key for local signing, relative to the config file (on AWS the render "
                "function reads it from SSM instead).",
                default="",
            ),
            Key("cache_hosts", "strings", "The AMP caches to flush.", default=["cdn.ampproject.org"]),
        ),
    ),
    Table(
        "amp",
        "The AMP page of each article.",
        required=True,
        keys=(
            Key(
                "path",
                "string",
                "`{path}` is the article URL's path without its leading slash.",
                example="amp/{path}.html",
            ),
            Key(
                "subscriber_teaser_paragraphs", "integer", "Paragraphs a subscriber article shows.", default=3
            ),
            Key(
                "subscriber_teaser_chars",
                "integer",
                "... and at most this many characters of them.",
                default=1_200,
            ),
            Key(
                "max_page_bytes",
                "integer",
                "A page is at most this many bytes (Googlebot indexes the first 2 MB of an HTML file); "
                "a longer body is cut and links to the article.",
                default=AMP_PAGE_MAX_BYTES,
            ),
        ),
    ),
    Table(
        "amp.analytics",
        "One <amp-analytics>: a vendor `type` and/or an https `config_url`.",
        keys=(
            Key("type", "string", "A vendor the AMP runtime knows.", default=""),
            Key("config_url", "string", "An https URL of a remote config.", default=""),
        ),
    ),
    Table("amp.analytics.vars", "Variables of the analytics config.", free="string", free_doc="name = value"),
    Table(
        "amp.ads",
        "One <amp-ad> of network `type` after each paragraph listed.",
        keys=(
            Key("type", "string", "The ad network.", example="doubleclick"),
            Key("width", "integer", "Slot width.", example=300),
            Key("height", "integer", "Slot height.", example=250),
            Key("after_paragraphs", "integers", "After which paragraphs.", default=[3]),
        ),
    ),
    Table("amp.ads.data", "data-* attributes of the slot.", free="string", free_doc="name = value"),
    Table(
        "sitemaps",
        "The sitemap index, its shards, the news sitemap and robots.txt.",
        required=True,
        keys=(
            Key("index_path", "string", "The sitemap index.", example="sitemap.xml"),
            Key(
                "shard_period",
                "string",
                "Shards by calendar month or day of publication, in site.timezone.",
                default="month",
                choices=("month", "day"),
            ),
            Key(
                "shard_path",
                "string",
                "`{period}` is the shard's month or day.",
                example="sitemaps/{period}.xml",
            ),
            Key(
                "shard_part_path",
                "string",
                "A shard past 50,000 URLs continues in parts.",
                example="sitemaps/{period}-{part}.xml",
            ),
            Key("news_path", "string", "The news sitemap.", example="sitemap-news.xml"),
            Key(
                "news_window_hours",
                "integer",
                "Articles published this recently are in the news sitemap.",
                default=48,
            ),
            Key("robots_path", "string", "robots.txt.", example="robots.txt"),
            Key(
                "index_part_path",
                "string",
                "Past 50,000 sitemaps the index continues in these files.",
                default="sitemap-{part}.xml",
            ),
            Key(
                "gzip",
                "boolean",
                "Also write FILE.xml.gz of every sitemap file, and list those.",
                default=False,
            ),
        ),
    ),
    Table(
        "cache_control",
        "Cache-Control per kind of output, as the CDN and browsers see it.",
        required=True,
        free="string",
        free_doc="policy name = Cache-Control value; feeds name theirs in `cache_policy`",
        required_keys=CACHE_CONTROL_KINDS,
    ),
    Table(
        "boilerplate",
        "[[boilerplate]]: a paragraph whose whole text matches `pattern` gets `action`.",
        many=True,
        keys=(
            Key("name", "string", "For logs (default: its position).", default=""),
            Key(
                "pattern",
                "string",
                "A Python regular expression, case-insensitive.",
                example="^Baca juga\\s*:.*$",
            ),
            Key(
                "action",
                "string",
                "`drop` removes it; `related` moves its links into one related-links box.",
                default="drop",
                choices=("drop", "related"),
            ),
        ),
    ),
    Table(
        "captions",
        "Image captions.",
        keys=(
            Key(
                "credit_pattern",
                "string",
                "A caption matching it becomes caption + credit (group `credit`).",
                default="",
            ),
        ),
    ),
)

TYPE_NAMES: Mapping[ValueType, str] = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "strings": "a list of strings",
    "integers": "a list of integers",
    "table": "a table",
}


def _is(value: Any, kind: ValueType) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "strings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "integers":
        return isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    return isinstance(value, dict)


def _pattern(path: str) -> re.Pattern[str]:
    escaped = re.escape(path).replace(r"\<", "<").replace(r"\>", ">")
    return re.compile(re.sub(r"<[a-z]+>", "[^.]+", escaped) + "$")


_TABLES: tuple[tuple[re.Pattern[str], Table], ...] = tuple((_pattern(t.path), t) for t in SCHEMA)


def table_for(path: str) -> Table | None:
    """The definition of the table at a concrete path ("feeds.home" → `feeds.<feed>`)."""
    for pattern, table in _TABLES:
        if pattern.match(path):
            return table
    return None


def default(path: str, name: str) -> Any:
    """The default of a key, from the table at `path` (a table path like "feeds.<feed>")."""
    for table in SCHEMA:
        if table.path == path:
            for key in table.keys:
                if key.name == name:
                    return key.default
    raise KeyError(f"{path}.{name}")


# TOML 1.0 "Keys": a bare key is ASCII letters, digits, underscores and dashes.
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")
SHOWN_NAME_CHARS = 80  # as values are shown (`{value!r:.80}`)


def _children(template: str) -> list[Table]:
    """The tables defined directly under a table path ("" for the file itself)."""
    prefix = f"{template}." if template else ""
    return [t for t in SCHEMA if t.path.startswith(prefix) and "." not in t.path[len(prefix) :]]


def _shown(name: str) -> str:
    """A key's name as a message shows it: bare TOML keys as they are, any other quoted and cut,
    so a pasted blob or a control character in a key neither floods nor garbles the terminal."""
    if _BARE_KEY.fullmatch(name):
        return name
    return repr(name) if len(name) <= SHOWN_NAME_CHARS else f"{name[:SHOWN_NAME_CHARS]!r}…"


def _suggest(name: str, known: Sequence[str]) -> str:
    # difflib is quadratic in the name's length; no known key is anywhere near this long.
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) if len(name) <= SHOWN_NAME_CHARS else []
    return f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"


def _type_problem(where: str, value: Any, kind: ValueType) -> str | None:
    return None if _is(value, kind) else f"{where}: expected {TYPE_NAMES[kind]}, got {value!r:.80}"


def _check_key(where: str, value: Any, key: Key, problems: list[str]) -> None:
    wrong = _type_problem(where, value, key.type)
    if wrong:
        problems.append(wrong)
        return
    for item in value if isinstance(value, list) else [value]:
        if key.choices and item not in key.choices:
            problems.append(f"{where}: expected one of {', '.join(key.choices)}, got {item!r:.80}")


def _check_table(path: str, template: str, data: Mapping[str, Any], problems: list[str]) -> None:
    table = next((t for t in SCHEMA if t.path == template), None)
    keys = {key.name: key for key in table.keys} if table else {}
    children = _children(template)
    named = {t.path.rsplit(".", 1)[-1]: t for t in children if not t.path.endswith(">")}
    anyname = next((t for t in children if t.path.endswith(">")), None)
    for name, value in data.items():
        where = f"{path}.{_shown(name)}" if path else _shown(name)
        child = named.get(name) or anyname
        if name in keys:
            _check_key(where, value, keys[name], problems)
        elif child is not None:
            _check_child(where, child, value, problems)
        elif table is not None and table.free is not None:
            wrong = _type_problem(where, value, table.free)
            if wrong:
                problems.append(wrong)
        else:
            known = [*keys, *named]
            what = "key" if path else "table"
            problems.append(f"{where}: unknown {what}{_suggest(name, known)}")
    missing = [name for name, key in keys.items() if key.default is REQUIRED and name not in data]
    missing += [name for name in (table.required_keys if table else ()) if name not in data]
    missing += [name for name, child in named.items() if child.required and name not in data]
    problems.extend(f"{path}.{name}: missing" if path else f"{name}: missing" for name in missing)


def _check_child(where: str, table: Table, value: Any, problems: list[str]) -> None:
    if table.many:
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            problems.append(f"{where}: expected an array of tables ([[{where}]])")
            return
        for number, item in enumerate(value):
            _check_table(f"{where}[{number}]", table.path, item, problems)
    elif not isinstance(value, dict):
        problems.append(f"{where}: expected a table ([{where}]), got {value!r:.80}")
    else:
        _check_table(where, table.path, value, problems)


def check_config(data: Mapping[str, Any]) -> list[str]:
    """Every problem of a site config's shape, each naming its key: unknown tables and keys
    (with the nearest known name), missing required ones, wrong types, values not allowed."""
    problems: list[str] = []
    _check_table("", "", data, problems)
    return problems


__all__ = [
    "AMP_PAGE_MAX_BYTES",
    "CACHE_CONTROL_KINDS",
    "DEFAULT_FEED_SIZE",
    "REQUIRED",
    "SCHEMA",
    "Key",
    "Table",
    "check_config",
    "default",
    "table_for",
]
