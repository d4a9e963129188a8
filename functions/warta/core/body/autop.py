"""WordPress's wpautop: the plain-text paragraphs of classic-editor bodies as HTML."""

from __future__ import annotations

import re

# WordPress's classic editor stores text, not HTML: blank lines part paragraphs and a single line
# break is a <br> (wpautop, wp-includes/formatting.php). A chunk that begins with a block tag is
# HTML already and is left as it is; <pre> keeps its line breaks.
_AUTOP_BLOCK = re.compile(
    r"\s*</?(?:p|div|figure|figcaption|ul|ol|li|dl|dt|dd|table|thead|tbody|tfoot|tr|td|th|caption|"
    r"blockquote|h[1-6]|pre|hr|section|article|aside|header|footer|nav|main|iframe|video|audio|"
    r"object|embed|form|fieldset|address|details|summary|math|svg|style|script|noscript)\b|\s*<!--",
    re.IGNORECASE,
)
_PRE = re.compile(r"(<pre\b.*?</pre\s*>)", re.IGNORECASE | re.DOTALL)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def autop(html: str) -> str:
    """Plain-text paragraphs (blank-line separated) as <p>, single line breaks as <br>."""
    if "\n" not in html:
        return html
    out: list[str] = []
    for number, part in enumerate(_PRE.split(html)):
        if number % 2:  # a <pre> block, as it is
            out.append(part)
            continue
        for chunk in _BLANK_LINE.split(part):
            if not chunk.strip():
                continue
            if _AUTOP_BLOCK.match(chunk):
                out.append(chunk)
            else:
                out.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(out)
