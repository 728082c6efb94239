"""Citations of papers as BibTeX, RIS and CSL-JSON: pure functions, no I/O.

Every writer takes papers in the order they should appear, drops repeats of an arXiv id,
and gives each paper the same citation key in every format (BibTeX key, RIS ``ID``,
CSL-JSON ``id``), so ``[@key]`` works whichever file a reader imports. An empty list gives
an empty file (``[]`` for CSL-JSON); saying so to a person is the caller's job.

- BibTeX (``@misc``, as arXiv's own export): every author in order, ``Last, First``;
  ``eprint``/``archivePrefix``/``primaryClass``, arXiv's DOI and URL, year and month. Text
  is UTF-8 as is (biber, bibtexparser and BibTeX with inputenc read it); TeX's specials are
  escaped so a title prints exactly as written, never as TeX: ``$O(n)$`` prints its dollar
  signs. User braces become ``\\textbraceleft{}``/``\\textbraceright{}``, because BibTeX
  counts even an escaped ``\\{``; the only braces in a value are balanced ones we write.
  Words with capitals after their first letter (GPT, LLaMA, iPhone) are braced so styles
  that lower-case titles keep them. Author lists are never cut: BibTeX, RIS and CSL all
  carry every author (3,000 names of 18 characters: an 80 KB BibTeX entry, its author
  field wrapped at ``and`` into lines under 80 characters).
- RIS: ``TY  - JOUR`` with ``T2  - arXiv preprint arXiv:<id>``, the form Google Scholar
  exports and reference managers render as a citation people recognise (``UNPB`` renders
  as "unpublished manuscript", ``ELEC`` as a web page). One ``AU`` per author, ``AB`` the
  abstract, ``KW`` the categories.
- CSL-JSON: ``type: article`` (CSL's type for preprints), publisher/archive ``arXiv``,
  ``number`` the id, names as ``family``/``given``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.arxiv_ids import doi
from bot.models import Paper
from bot.sources.text import one_line

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Letters NFKD does not take apart (Ł is not L + a mark); enough for names and titles.
_FOLD = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ħ": "h",
        "Ħ": "H",
        "ı": "i",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "þ": "th",
        "Þ": "Th",
    }
)
# Words a key skips to find the first significant word of a title.
_STOPWORD_TEXT = """a an the on of in for to and or with without towards toward via is are be do
does can how what why when where which who from by at as into onto we our your you it its not no
this that these those"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_RE = re.compile("|".join(re.escape(c) for c in _TEX_SPECIALS))
_WORD = re.compile(r"[^\W_]+")  # letters and digits, any script
_AND = re.compile(r"(?:^|\s)and(?:\s|$)", re.IGNORECASE)
_WRAP = 78  # BibTeX author lines are wrapped at " and " near this width


@dataclass(frozen=True, slots=True)
class Name:
    """An author's name split for citation formats; ``given`` is empty when it cannot be
    told apart (a one-word name, 王小明, or a team)."""

    family: str
    given: str = ""
    suffix: str = ""


def clean(text: str) -> str:
    """One line of text: control characters (C0, DEL, C1) dropped, every run of whitespace
    one space."""
    return one_line(text)


def split_name(full: str) -> Name:
    """``"Ludwig van Beethoven"`` -> family ``van Beethoven``, given ``Ludwig``. A name
    already written ``"Last, First"`` (or ``"Last, Jr., First"``) keeps its parts."""
    text = clean(full)
    if "," in text:
        parts = [p.strip() for p in text.split(",")]
        if len(parts) == 2 and all(parts):
            return Name(family=parts[0], given=parts[1])
        if len(parts) == 3 and all(parts):
            return Name(family=parts[0], given=parts[2], suffix=parts[1])
        return Name(family=text)
    words = text.split()
    if len(words) < 2:
        return Name(family=text)
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    # BibTeX's rule: the family name starts at the first lower-case word (the "von" part:
    # van, de, della, ...) before the last word, or is the last word.
    start = len(words) - 1
    for i in range(1, len(words) - 1):
        if words[i][:1].islower():
            start = i
            break
    return Name(family=" ".join(words[start:]), given=" ".join(words[:start]), suffix=suffix)


def ascii_fold(text: str) -> str:
    """Müller -> Muller, Łukasz -> Lukasz; letters with no ASCII form (王) are dropped."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def date_parts(paper: Paper) -> tuple[int, int, int | None]:
    """(year, month, day) of the paper's first version: its publication time, or else the
    month its id was given (2405.15738 -> May 2024; hep-th/9901001 -> January 1999)."""
    if paper.published_at is not None:
        at = paper.published_at
        return at.year, at.month, at.day
    digits = paper.arxiv_id.rsplit("/", 1)[-1]
    yy, mm = int(digits[:2]), int(digits[2:4])
    return (1900 + yy if yy >= 91 else 2000 + yy), mm, None


def _key_base(paper: Paper) -> str:
    family = split_name(paper.authors[0]).family if paper.authors else ""
    last = re.sub(r"[^a-z0-9]", "", ascii_fold(family).lower()) or "arxiv"
    year = date_parts(paper)[0]
    words = re.findall(r"[a-z0-9]+", ascii_fold(paper.title).lower())
    word = next((w for w in words if w not in _STOPWORDS and not w.isdigit()), "")
    return f"{last}{year}{word}"


def _letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa: suffixes for colliding keys."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def unique(papers: Iterable[Paper]) -> list[Paper]:
    """The papers in order, each arXiv id once (the first one wins)."""
    seen: dict[str, Paper] = {}
    for p in papers:
        seen.setdefault(p.arxiv_id, p)
    return list(seen.values())


def cite_keys(papers: Sequence[Paper]) -> list[str]:
    """A key per paper (ids assumed unique): first author's family name (ASCII), year and
    first significant title word, ``vaswani2017attention``. Papers sharing a key are told
    apart by id, not by list order: the smallest id keeps the key, the next ones get
    ``a``, ``b``, ... so a file's keys do not change when its ranking does."""
    bases = [_key_base(p) for p in papers]
    taken = set(bases)
    keys = list(bases)
    groups: dict[str, list[int]] = {}
    for i, base in enumerate(bases):
        groups.setdefault(base, []).append(i)
    for base, members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: papers[i].arxiv_id)
        n = 0
        for i in members[1:]:
            while (candidate := base + _letters(n)) in taken:
                n += 1
            keys[i] = candidate
            taken.add(candidate)
    return keys


# BibTeX ------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return _TEX_RE.sub(lambda m: _TEX_SPECIALS[m.group(0)], text)


def tex(text: str) -> str:
    """Text as TeX that prints it literally: one line, TeX's specials escaped."""
    return _escape(clean(text))


def _protected(run: str) -> bool:
    return any(c.isupper() for c in run[1:])


def tex_title(title: str) -> str:
    """A title as a BibTeX value: specials escaped, and each word with a capital after its
    first letter (GPT, LLaMA, iPhone, ImageNet) braced, so styles that lower-case titles
    keep it. Brace groups never start with a backslash (BibTeX treats those as accents)."""
    out: list[str] = []
    pos = 0
    text = clean(title)
    for m in _WORD.finditer(text):
        out.append(_escape(text[pos : m.start()]))
        run = m.group(0)
        out.append(f"{{{run}}}" if _protected(run) else run)
        pos = m.end()
    out.append(_escape(text[pos:]))
    return "".join(out)


def bibtex_name(full: str) -> str:
    """``Last, First`` (``Last, Jr., First``), escaped. A name holding the word "and" is
    braced whole, or BibTeX would read it as two authors."""
    if _AND.search(clean(full)):
        return f"{{{tex(full)}}}"
    name = split_name(full)
    parts = [tex(name.family), tex(name.suffix), tex(name.given)]
    out = ", ".join(p for p in parts if p)
    # An empty group before a leading escape (``\&``, ``\textbraceleft{}``): bibtexparser's
    # splitter drops a backslash that follows "and "; BibTeX prints nothing for ``{}``.
    return "{}" + out if out.startswith("\\") else out


def _authors_value(authors: Sequence[str]) -> str:
    names = [bibtex_name(a) for a in authors if clean(a)]
    lines: list[str] = []
    line = ""
    for name in names:
        if not line:
            line = name
        elif len(line) + len(name) + 5 > _WRAP:
            lines.append(line)
            line = "and " + name
        else:
            line += " and " + name
    if line:
        lines.append(line)
    return "\n    ".join(lines)


def bibtex_entry(paper: Paper, key: str) -> str:
    year, month, _ = date_parts(paper)
    fields: list[tuple[str, str]] = [("title", "{" + tex_title(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", "{" + _authors_value(paper.authors) + "}"))
    fields += [
        ("year", "{" + str(year) + "}"),
        ("month", MONTHS[month - 1]),  # the standard month macros
        ("eprint", "{" + tex(paper.arxiv_id) + "}"),
        ("archivePrefix", "{arXiv}"),
    ]
    primary = paper.categories[0] if paper.categories else None
    if primary is None and "/" in paper.arxiv_id:
        primary = paper.arxiv_id.split("/")[0]  # old-style ids name their archive
    if primary:
        fields.append(("primaryClass", "{" + tex(primary) + "}"))
    fields += [
        ("doi", "{" + tex(doi(paper.arxiv_id)) + "}"),
        ("url", "{" + paper.abs_url + "}"),
    ]
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def bibtex(papers: Iterable[Paper]) -> str:
    """A BibTeX file: one ``@misc`` entry per paper, in order, a blank line between."""
    items = unique(papers)
    return "\n".join(bibtex_entry(p, k) for p, k in zip(items, cite_keys(items), strict=True))


# RIS ---------------------------------------------------------------------------------


def ris_name(full: str) -> str:
    name = split_name(full)
    parts = [name.family, name.given, name.suffix] if name.given else [name.family]
    return ", ".join(p for p in parts if p)


def ris_record(paper: Paper, key: str) -> str:
    year, month, day = date_parts(paper)
    lines: list[tuple[str, str]] = [("TY", "JOUR"), ("ID", key), ("TI", clean(paper.title))]
    lines += [("AU", ris_name(a)) for a in paper.authors if clean(a)]
    lines += [
        ("T2", f"arXiv preprint arXiv:{paper.arxiv_id}"),
        ("PY", str(year)),
        ("DA", f"{year}/{month:02d}/{f'{day:02d}' if day else ''}/"),
        ("DO", doi(paper.arxiv_id)),
        ("UR", paper.abs_url),
    ]
    if clean(paper.abstract):
        lines.append(("AB", clean(paper.abstract)))
    lines += [("KW", c) for c in paper.categories if clean(c)]
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\n" for tag, value in lines)


def ris(papers: Iterable[Paper]) -> str:
    """An RIS file: one record per paper, in order, a blank line between."""
    items = unique(papers)
    return "\n".join(ris_record(p, k) for p, k in zip(items, cite_keys(items), strict=True))


# CSL-JSON ----------------------------------------------------------------------------


def csl_name(full: str) -> dict[str, str]:
    name = split_name(full)
    out = {"family": name.family}
    if name.given:
        out["given"] = name.given
    if name.suffix:
        out["suffix"] = name.suffix
    return out


def csl_item(paper: Paper, key: str) -> dict[str, Any]:
    year, month, day = date_parts(paper)
    item: dict[str, Any] = {
        "id": key,
        "type": "article",
        "title": clean(paper.title),
        "author": [csl_name(a) for a in paper.authors if clean(a)],
        "issued": {"date-parts": [[year, month] + ([day] if day else [])]},
        "DOI": doi(paper.arxiv_id),
        "URL": paper.abs_url,
        "publisher": "arXiv",
        "archive": "arXiv",
        "number": paper.arxiv_id,
    }
    if clean(paper.abstract):
        item["abstract"] = clean(paper.abstract)
    return item


def csl_json(papers: Iterable[Paper]) -> str:
    """A CSL-JSON file: a JSON array of items, in order (``[]`` when there are none)."""
    items = unique(papers)
    data = [csl_item(p, k) for p, k in zip(items, cite_keys(items), strict=True)]
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# Formats -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Format:
    """A file format: its name in commands, file extension, media type and writer."""

    name: str
    extension: str
    media_type: str
    write: Callable[[Iterable[Paper]], str]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("bibtex", ".bib", "application/x-bibtex", bibtex),
        Format("ris", ".ris", "application/x-research-info-systems", ris),
        Format("csl-json", ".json", "application/vnd.citationstyles.csl+json", csl_json),
    )
}
