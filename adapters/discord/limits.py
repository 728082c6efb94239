"""Discord's limits (PLATFORM-LIMITS.md) and the truncation that keeps every post within them.

Long text is cut with "…", never rejected: a post must not fail because an abstract is long.
"""

from __future__ import annotations

CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10
ROW_WIDTH = 5
ROWS_MAX = 5
LABEL_MAX = 80
CUSTOM_ID_MAX = 100
EMBED_URL_MAX = 2048
LINK_URL_MAX = 512
THREAD_NAME_MAX = 100
CHOICE_MAX = 100

ELLIPSIS = "…"


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut with "…" when longer."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)].rstrip()
    # A dangling escape backslash would escape the ellipsis itself.
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]
    return cut + ELLIPSIS


def safe_url(url: str | None, limit: int = EMBED_URL_MAX) -> str | None:
    """Discord rejects the whole message for one bad URL: drop it instead."""
    if url and url.startswith(("https://", "http://")) and len(url) <= limit and " " not in url:
        return url
    return None


def thread_name(title: str) -> str:
    return clip(" ".join(title.split()), THREAD_NAME_MAX) or "Daily Papers"
