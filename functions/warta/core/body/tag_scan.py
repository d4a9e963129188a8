"""Tag scanning before libxml2 parses: the tags that would make it silently lose text go."""

from __future__ import annotations

import re

from warta.core.body.elements import DROP, MEDIA, tag_set

# Two things make libxml2 silently lose text, so the tags that cause them are removed before
# parsing (the text stays, only tags go):
# * nesting deeper than its limit (256 elements, or about 2,048 with huge_tree) ends the parse
#   there: start and end tags beyond _MAX_DEPTH open elements are removed;
# * everything after </html> is discarded: </html> and </body> are removed.
_MAX_DEPTH = 256
# Only the void elements libxml2 knows are empty; it nests what follows embed, source, track
# and wbr inside them, so those count towards the depth.
_VOID = tag_set("area base br col hr img input link meta param")
# Elements whose end tag is optional: counting them would make the depth of ordinary documents
# (<p>one<p>two) look ever-growing.
_IMPLIED_END = tag_set(
    "p li dt dd tr td th thead tbody tfoot option optgroup colgroup caption rb rt rp rtc html head body"
)
_DOCUMENT_END = tag_set("html body")
# Removing these would let content escape from an element that is dropped with its content.
_NO_UNWRAP = DROP | MEDIA
_TAG_OPEN = re.compile(r"<(?:(!--)|(/?)([A-Za-z][A-Za-z0-9:-]*))")
_RAW_TEXT_END = {tag: re.compile(rf"</{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}


class _TagCutter:
    """Finds the tags to remove; tracks open elements roughly the way libxml2 does."""

    def __init__(self) -> None:
        self.open_tags: list[tuple[str, bool]] = []  # (tag, removed)
        self.counts: dict[str, int] = {}
        self.kept_depth = 0
        self.cuts: list[tuple[int, int]] = []

    def tag(self, tag: str, is_end: bool, span: tuple[int, int], self_closing: bool) -> None:
        if is_end and tag in _DOCUMENT_END:
            self.cuts.append(span)
        elif tag in _VOID or tag in _IMPLIED_END or self_closing:
            return
        elif is_end:
            self._end(tag, span)
        else:
            self._start(tag, span)

    def _start(self, tag: str, span: tuple[int, int]) -> None:
        removed = self.kept_depth >= _MAX_DEPTH and tag not in _NO_UNWRAP
        self.open_tags.append((tag, removed))
        self.counts[tag] = self.counts.get(tag, 0) + 1
        self.kept_depth += not removed
        if removed:
            self.cuts.append(span)

    def _end(self, tag: str, span: tuple[int, int]) -> None:
        """An end tag closes the nearest open element of its name and everything inside it."""
        if not self.counts.get(tag):
            return  # a stray end tag: libxml2 ignores it too
        while self.open_tags:
            open_tag, removed = self.open_tags.pop()
            self.counts[open_tag] -= 1
            self.kept_depth -= not removed
            if open_tag == tag:
                if removed:
                    self.cuts.append(span)
                return


def _scan_tags(html: str, cutter: _TagCutter) -> None:
    """Feed every tag to the cutter, skipping comments and script/style content, in linear time.

    A tag ends at the next ">" (a ">" inside a quoted attribute value ends it early; this only
    makes the depth count rougher). The position of the next ">" is remembered, so junk such as
    thousands of "<a href=x" without any ">" is not scanned again and again.
    """
    position, next_gt = 0, -1
    while match := _TAG_OPEN.search(html, position):
        if match.group(1):  # a comment runs to "-->" or to the end
            close = html.find("-->", match.end())
            position = len(html) if close < 0 else close + 3
            continue
        if next_gt < match.end():
            next_gt = html.find(">", match.end())
            if next_gt < 0:
                return
        tag, is_end = match.group(3).lower(), bool(match.group(2))
        position = next_gt + 1
        if tag in _RAW_TEXT_END and not is_end:  # self-contained: its content holds no tags
            raw_end = _RAW_TEXT_END[tag].search(html, position)
            position = len(html) if raw_end is None else raw_end.end()
        else:
            cutter.tag(tag, is_end, (match.start(), position), html[next_gt - 1] == "/")


def defuse(html: str) -> str:
    """The HTML without the tags that would make libxml2 lose text (see above); the text stays."""
    cutter = _TagCutter()
    _scan_tags(html, cutter)
    if not cutter.cuts:
        return html
    pieces, position = [], 0
    for start, end in cutter.cuts:
        pieces.append(html[position:start])
        position = end
    pieces.append(html[position:])
    return "".join(pieces)
