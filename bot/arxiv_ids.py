"""Parse and normalise arXiv identifiers and URLs.

Every spelling users paste or sources send maps to one key: the id without version.
New style: ``2401.01234`` (4+4 digits until 2014-12, 4+5 since). Old style: ``hep-th/9901001``.
arXiv's DataCite DOI ``10.48550/arXiv.<id>`` (bare, ``doi:``, or a doi.org link) names the same key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>\d+))?"
_ID_RE = re.compile(rf"(?:{_NEW}|{_OLD}){_VERSION}", re.IGNORECASE)
_FULL_RE = re.compile(rf"^(?:arxiv:)?\s*(?:{_NEW}|{_OLD}){_VERSION}$", re.IGNORECASE)
_URL_RE = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?"
    r"(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/|hf\.co/papers/|alphaxiv\.org/abs/)"
    r"(?P<rest>[^?#\s]+)",
    re.IGNORECASE,
)
_OAI_RE = re.compile(r"^oai:arXiv\.org:(?P<rest>\S+)$", re.IGNORECASE)
# arXiv's DOIs (10.48550/arXiv.2405.15738): DOIs are case-insensitive, so is the prefix.
DOI_PREFIX = "10.48550/arXiv."
_DOI_RE = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?10\.48550/arxiv\.(?P<rest>\S+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ArxivId:
    key: str  # without version
    version: int | None = None

    def __str__(self) -> str:
        return self.key if self.version is None else f"{self.key}v{self.version}"


def parse(text: str) -> ArxivId | None:
    """Return the id in ``text`` (bare id, ``arXiv:`` prefix, abs/pdf/HF URL, arXiv DOI or
    doi.org link), or None."""
    s = text.strip().strip("<>").strip()
    if not s or len(s) > 300:
        return None
    m = _URL_RE.match(s) or _OAI_RE.match(s)
    if m:
        s = m.group("rest").removesuffix(".pdf").rstrip("/")
    elif m := _DOI_RE.match(s):
        s = m.group("rest")
    m = _FULL_RE.match(s)
    if not m:
        return None
    new, old, version = m.group("new"), m.group("old"), m.group("version")
    if new:
        yymm = int(new[2:4])
        if not 1 <= yymm <= 12:
            return None
        key = new
    else:
        archive, number = old.split("/")
        # "math.GT/0309136": the subject class is not part of the id (arXiv answers math/0309136).
        key = f"{archive.split('.')[0].lower()}/{number}"
    return ArxivId(key=key, version=int(version) if version else None)


def normalise(text: str) -> str | None:
    """The storage key for ``text``, or None when it holds no arXiv id."""
    parsed = parse(text)
    return parsed.key if parsed else None


def doi(key: str) -> str:
    """arXiv's DOI for a stored key: ``10.48550/arXiv.2405.15738``."""
    return DOI_PREFIX + key


def find_all(text: str) -> list[str]:
    """Every arXiv id mentioned anywhere in free text, in order, without duplicates."""
    seen: dict[str, None] = {}
    for m in _ID_RE.finditer(text):
        parsed = parse(m.group(0))
        if parsed:
            seen.setdefault(parsed.key, None)
    return list(seen)
