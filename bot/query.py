"""Any user text -> a safe query structure: words, phrases, prefixes, exclusions, filters.

No search syntax is written here (``storage/fts.py`` compiles the structure), so whatever a
user types, ``gpt-4``, ``c++``, ``AND``, ``"unclosed``, ``*``, emoji or 10 KB of junk, is
only ever data. Supported on top of plain words:
``"exact phrase"``, ``-exclude``, ``a OR b``, ``word*`` (prefix), ``author:hinton``,
``cat:cs.LG``, ``since:2025-01-01``, ``before:2025-02-01``, ``upvotes>:10``.
The parser never raises; a bad filter value becomes ``ParsedQuery.error``, one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

MAX_QUERY_CHARS = 500  # longer input is cut: no human query is longer, junk stays cheap
MAX_TERMS = 24  # every term counts (words, phrases, OR alternatives, exclusions)
MAX_PREFIXES = 3  # word* terms per query; each matches only its most frequent completions
MIN_PREFIX = 3  # characters before the *
MAX_PHRASE_WORDS = 8
TOO_BROAD = "That search is too broad: add a word or a filter."
COUNT_CAP = 1_000  # result counts above this show as "1,000+" (counting all would be slow)

_WORDISH = re.compile(r"\w", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)
_FILTER = re.compile(
    r"^(?P<neg>-?)(?P<key>author|au|cat|category|since|after|before|until|upvotes)"
    r"(?P<op>:>|>:|>=|:|>)(?P<value>.*)$",
    re.IGNORECASE,
)
_CATEGORY = re.compile(r"^[a-z\-]+(\.[a-z\-]+)?$", re.IGNORECASE | re.ASCII)
_OPERATORS = frozenset({"OR", "AND", "NOT"})
MAX_UPVOTES = 999_999_999


class QueryTooBroad(Exception):
    """A search past its work budget; ``str()`` is the one sentence to show (TOO_BROAD)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(TOO_BROAD)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    phrase: bool = False
    prefix: bool = False
    column: str | None = None  # the only field to look in, e.g. "authors"

    def describe(self) -> str:
        """The term as parse() reads it back: a phrase keeps its quotes and a prefix its
        ``*`` (also after ``author:``), and a word that is an operator (``OR``) is quoted."""
        if self.phrase or (self.text in _OPERATORS and not self.prefix):
            body = f'"{self.text}"'
        else:
            body = self.text + ("*" if self.prefix else "")
        return f"author:{body}" if self.column == "authors" else body


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """The parsed query. ``groups`` are ANDed; the terms inside a group are ORed."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    categories: tuple[str, ...] = ()
    since: date | None = None
    before: date | None = None
    min_upvotes: int | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_terms(self) -> bool:
        return bool(self.groups)

    @property
    def has_filters(self) -> bool:
        return bool(self.categories or self.since or self.before or self.min_upvotes is not None)

    @property
    def is_empty(self) -> bool:
        return not (self.groups or self.excluded or self.has_filters)

    def describe(self) -> str:
        """Canonical text of the query, for confirmations and de-duplication. Topics are
        stored as this text, so ``parse(q.describe()) == q`` (up to ``notes``) as long as it
        fits in MAX_QUERY_CHARS, which topic_problem checks."""
        out = [" OR ".join(t.describe() for t in g) for g in self.groups]
        out += ["-" + t.describe() for t in self.excluded]
        out += [f"cat:{c}" for c in self.categories]
        if self.since:
            out.append(f"since:{self.since.isoformat()}")
        if self.before:
            out.append(f"before:{self.before.isoformat()}")
        if self.min_upvotes is not None:
            out.append(f"upvotes>:{self.min_upvotes}")
        return " ".join(out)

    def highlight_words(self) -> list[str]:
        return [t.text for g in self.groups for t in g]


def _clean(text: str) -> str:
    # Control characters (NUL included) and bidi marks never carry meaning in a query.
    return "".join(ch if ch.isprintable() or ch == " " else " " for ch in text)


def tokenize(text: str) -> list[str]:
    """Whitespace split that keeps "quoted runs" together; an unclosed quote runs to the end.
    Shared with the command-line parser, so both read quotes the same way."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        while i < n and not text[i].isspace():
            if text[i] == '"':
                close = text.find('"', i + 1)
                i = n if close == -1 else close + 1
            else:
                i += 1
        out.append(text[start:i])
    return out


def _word_term(raw: str, column: str | None = None) -> Term | None:
    phrase = '"' in raw
    text = raw.replace('"', " ").strip()
    prefix = False
    if not phrase and text.endswith("*"):
        stem = text.rstrip("*")
        if len(stem) >= 2 and _WORDISH.search(stem):
            text, prefix = stem, True
    text = " ".join(text.split())
    if not _WORDISH.search(text):
        return None  # only punctuation or emoji: nothing the tokenizer would index
    # Prefix only makes sense on a single token; "gpt-4*" falls back to a phrase.
    if prefix and re.search(r"\W", text):
        prefix = False
    # A quoted single word is just that word ("diffusion" is diffusion: FTS5 treats both
    # alike), so topics compare equal; anything with a space or punctuation is a phrase.
    return Term(text=text, phrase=bool(re.search(r"\W", text)), prefix=prefix, column=column)


def _parse_day(value: str, key: str) -> tuple[date | None, str | None]:
    try:
        return date.fromisoformat(value.strip('"')), None
    except ValueError:
        return None, f"{key}: needs a date like 2025-01-31, not {value[:40]!r}."


def parse(text: str) -> ParsedQuery:
    """Parse ``text``; never raises. Check ``.error`` before using the result."""
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"Your query was cut to its first {MAX_QUERY_CHARS} characters.")
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    categories: list[str] = []
    since = before = None
    min_upvotes: int | None = None
    pending_or = False
    pending_not = False
    seen: set[tuple[bool, str, bool, bool, str | None]] = set()
    prefixes = 0

    too_many = f"Only the first {MAX_TERMS} terms were used."

    def full() -> bool:
        # Filters are not terms: one after the 24th term is still read (a stored topic
        # lists its filters last).
        if sum(len(g) for g in groups) + len(excluded) < MAX_TERMS:  # every term, not groups
            return False
        if too_many not in notes:
            notes.append(too_many)
        return True

    for tok in tokenize(_clean(text)):
        if tok == "OR":
            pending_or = bool(groups)
            continue
        if tok == "AND":
            continue
        if tok == "NOT":
            pending_not = True
            continue
        m = _FILTER.match(tok)
        if m and m.group("value").strip('"'):
            key, op = m.group("key").lower(), m.group("op")
            value = m.group("value").strip('"').strip()
            if key in ("author", "au"):
                # The raw value: author:"hin*" is the exact name, as "hin*" is elsewhere.
                term = _word_term(m.group("value"), column="authors")
                if term is None:
                    return ParsedQuery(error="author: needs a name, like author:hinton.")
                if full():
                    pending_or = pending_not = False
                    continue
                if m.group("neg") or pending_not:
                    excluded.append(term)
                    pending_not = False
                else:
                    _add(groups, term, pending_or)
                pending_or = False
                continue
            if m.group("neg") or pending_not:
                # Only words and authors can be left out; reading "-cat:cs.LG" as
                # "cat:cs.LG" would return the very papers the person asked to drop.
                return ParsedQuery(
                    error=f"Only words and author: can be left out with - or NOT, not {key}:; "
                    "remove the minus."
                )
            if key in ("cat", "category"):
                if not _CATEGORY.match(value):
                    return ParsedQuery(
                        error=f"cat: needs an arXiv category like cs.LG, not {value[:40]!r}."
                    )
                categories.append(_normalise_category(value))
                continue
            if key in ("since", "after"):
                since, err = _parse_day(value, "since")
                if err:
                    return ParsedQuery(error=err)
                continue
            if key in ("before", "until"):
                before, err = _parse_day(value, "before")
                if err:
                    return ParsedQuery(error=err)
                continue
            if key == "upvotes":
                if op == ":" and value.startswith(">"):
                    value = value.lstrip(">=")
                number = int(value) + (1 if op == ">" else 0) if _digits(value) else -1
                if not 0 <= number <= MAX_UPVOTES:
                    return ParsedQuery(error="upvotes>: needs a whole number, like upvotes>:10.")
                min_upvotes = number
                continue
        negative = tok.startswith("-") and len(tok) > 1
        term = _word_term(tok[1:] if negative else tok)
        if term is None:
            pending_or = False
            continue
        if term.prefix:
            if len(term.text) < MIN_PREFIX:
                return ParsedQuery(
                    error=f"A word* needs at least {MIN_PREFIX} letters before the *, like diffus*."
                )
            prefixes += 1
            if prefixes > MAX_PREFIXES:
                return ParsedQuery(error=f"Use at most {MAX_PREFIXES} word* terms in a search.")
        if term.phrase and len(_WORDS.findall(term.text)) > MAX_PHRASE_WORDS:
            return ParsedQuery(
                error=f'A "phrase" can have at most {MAX_PHRASE_WORDS} words; shorten it.'
            )
        key = (negative or pending_not, term.text.casefold(), term.phrase, term.prefix, term.column)
        if key in seen:
            pending_or = pending_not = False
            continue  # the same word twice adds nothing but work
        seen.add(key)
        if full():
            pending_or = pending_not = False
            continue
        if negative or pending_not:
            excluded.append(term)
        else:
            _add(groups, term, pending_or)
        pending_or = pending_not = False

    if since and before and since >= before:
        return ParsedQuery(error="since: must be earlier than before:.")
    return ParsedQuery(
        groups=tuple(tuple(g) for g in groups),
        excluded=tuple(excluded),
        categories=tuple(dict.fromkeys(categories)),
        since=since,
        before=before,
        min_upvotes=min_upvotes,
        notes=tuple(notes),
    )


def _digits(value: str) -> bool:
    # ASCII only: "²".isdigit() is true and int("²") raises.
    return value.isascii() and value.isdigit() and len(value) <= len(str(MAX_UPVOTES))


def _add(groups: list[list[Term]], term: Term, or_previous: bool) -> None:
    if or_previous and groups:
        groups[-1].append(term)
    else:
        groups.append([term])


def _normalise_category(value: str) -> str:
    # arXiv spells archives lower-case and subject classes upper-case: cs.LG, stat.ML, hep-th.
    archive, _, klass = value.partition(".")
    if not klass:
        return archive.lower()
    # Two-letter subject classes are upper-case (cs.LG, math.GT); others lower (physics.comp-ph).
    return f"{archive.lower()}.{klass.upper() if len(klass) == 2 else klass.lower()}"


def topic_problem(parsed: ParsedQuery, today: date, *, example: str) -> str | None:
    """Why a parsed query cannot be a standing topic (a subscription, a channel's topic),
    which only ever sees new papers; None when it can. ``example`` is the command to show,
    e.g. ``/papers subscribe``."""
    if parsed.error:
        return parsed.error
    if parsed.is_empty:
        return f'A topic needs at least one word, e.g. {example} "gaussian splatting".'
    if len(parsed.describe()) > MAX_QUERY_CHARS:
        # A topic is stored as its describe() text and read back with parse(), which cuts.
        return (
            f"This topic is too long to keep: written out in full it is over "
            f"{MAX_QUERY_CHARS} characters; leave out some words."
        )
    if parsed.before is not None and parsed.before <= today:
        return (
            f"before:{parsed.before.isoformat()} is in the past, so no new paper can match "
            "this topic; leave it out."
        )
    if parsed.since is not None and parsed.since > today:
        return (
            f"since:{parsed.since.isoformat()} is in the future, so no paper published until "
            "then can match this topic; leave it out or use an earlier date."
        )
    if not parsed.has_terms and not parsed.categories and parsed.min_upvotes is None:
        if parsed.excluded:
            shown = " ".join("-" + t.describe() for t in parsed.excluded)
            return (
                f"A topic of only exclusions ({shown}) would match nearly every new paper; "
                f"add a word to follow, e.g. {example} diffusion {shown}."
            )
        return (
            "A date alone is not a topic: every new paper would match it. "
            f"Add a word, e.g. {example} diffusion."
        )
    return None
