"""bot.cite: what we write is read back by real parsers: bibtexparser (BibTeX), rispy (RIS),
citeproc-py (CSL-JSON, rendered as a bibliography with a bundled CSL style)."""

from __future__ import annotations

import json
import warnings
from datetime import UTC, datetime
from typing import Any

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from hypothesis import given, settings
from hypothesis import strategies as st
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from bot import cite
from bot.models import Paper

MAY_24 = datetime(2024, 5, 24, 17, 59, tzinfo=UTC)


def paper(
    arxiv_id: str = "2405.15738",
    title: str = "Attention Is All You Need",
    authors: tuple[str, ...] = ("Ashish Vaswani", "Noam Shazeer"),
    **kw: Any,
) -> Paper:
    kw.setdefault("published_at", MAY_24)
    kw.setdefault("categories", ("cs.CL", "cs.LG"))
    return Paper(arxiv_id, title, kw.pop("abstract", "We propose a network."), authors, **kw)


# --- readers ---------------------------------------------------------------------------------


def _decoder() -> LatexNodes2Text:
    # pylatexenc lacks three LaTeX kernel text macros we write (it prints \textbraceleft as
    # nothing and \textasciicircum as U+02C6); teach it what LaTeX prints for them.
    db = get_default_latex_context_db()
    db.add_context_category(
        "latex-kernel",
        prepend=True,
        macros=[
            MacroTextSpec("textbraceleft", "{"),
            MacroTextSpec("textbraceright", "}"),
            MacroTextSpec("textasciicircum", "^"),
        ],
    )
    return LatexNodes2Text(latex_context=db, math_mode="verbatim")


DECODE = _decoder()


def read_bibtex(text: str) -> list[dict[str, Any]]:
    """Entries as dicts (plus ENTRYTYPE, ID); values as written, authors split by BibTeX's
    rules. Fails on any block the parser could not read."""
    library = bibtexparser.parse_string(text, append_middleware=[middlewares.SeparateCoAuthors()])  # type: ignore[attr-defined]  # re-exported without __all__
    assert not library.failed_blocks, [b.error for b in library.failed_blocks]
    assert not library.comments and not library.strings
    entries = []
    for entry in library.entries:
        fields = {f.key: f.value for f in entry.fields}
        entries.append({"ENTRYTYPE": entry.entry_type, "ID": entry.key, **fields})
    return entries


def braces_balance_as_bibtex_counts_them(text: str) -> bool:
    """BibTeX itself counts every brace, escaped (``\\{``) or not; bibtexparser is kinder.
    So: in the whole file, depth never drops below zero and every entry closes."""
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def printed(value: str) -> str:
    """What LaTeX prints for a BibTeX value."""
    return str(DECODE.latex_to_text(value))


def render_csl(text: str) -> list[str]:
    """The CSL-JSON items as a bibliography (Harvard, the style citeproc-py ships). Any
    variable citeproc-py does not know is a warning, and warnings fail."""
    items = json.loads(text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = CiteProcJSON(items)
        style = CitationStylesStyle("harvard-cite-them-right", validate=False)
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        for item in items:
            bibliography.register(Citation([CitationItem(item["id"])]))
        return [str(b) for b in bibliography.bibliography()]


# --- BibTeX ----------------------------------------------------------------------------------


def test_a_bibtex_entry_has_what_a_paper_needs() -> None:
    (entry,) = read_bibtex(cite.bibtex([paper()]))
    assert entry["ENTRYTYPE"] == "misc"
    assert entry["ID"] == "vaswani2024attention"
    assert entry["author"] == ["Vaswani, Ashish", "Shazeer, Noam"]
    assert printed(entry["title"]) == "Attention Is All You Need"
    assert (entry["year"], entry["month"]) == ("2024", "may")
    assert entry["eprint"] == "2405.15738"
    assert entry["archivePrefix"] == "arXiv"
    assert entry["primaryClass"] == "cs.CL"
    assert entry["doi"] == "10.48550/arXiv.2405.15738"
    assert entry["url"] == "https://arxiv.org/abs/2405.15738"


def test_old_style_ids_cite_with_their_archive_and_date() -> None:
    old = paper("hep-th/9901001", "Large N Limits", ("Juan Maldacena",), categories=())
    old = Paper(old.arxiv_id, old.title, old.abstract, old.authors)  # no date, no category
    (entry,) = read_bibtex(cite.bibtex([old]))
    assert entry["ID"] == "maldacena1999large"
    assert (entry["year"], entry["month"]) == ("1999", "jan")
    assert entry["eprint"] == "hep-th/9901001"
    assert entry["primaryClass"] == "hep-th"
    assert entry["doi"] == "10.48550/arXiv.hep-th/9901001"
    assert entry["url"] == "https://arxiv.org/abs/hep-th/9901001"
    (record,) = rispy.loads(cite.ris([old]))
    assert record["doi"] == "10.48550/arXiv.hep-th/9901001" and record["year"] == "1999"
    (item,) = json.loads(cite.csl_json([old]))
    assert item["number"] == "hep-th/9901001" and item["issued"] == {"date-parts": [[1999, 1]]}


def test_non_ascii_names_survive_and_keys_are_ascii() -> None:
    authors = (
        "Jürgen Müller",
        "Łukasz Kaiser",
        "王小明",
        "Ludwig van Beethoven",
        "Martin King Jr.",
    )
    text = cite.bibtex([paper(authors=authors), paper("2405.00001", authors=("王小明",))])
    first, second = read_bibtex(text)
    assert first["ID"] == "muller2024attention"
    assert first["author"] == [
        "Müller, Jürgen",
        "Kaiser, Łukasz",
        "王小明",
        "van Beethoven, Ludwig",
        "King, Jr., Martin",
    ]
    assert second["ID"] == "arxiv2024attention"  # 王 has no ASCII spelling
    assert cite.cite_keys([paper(authors=("Łukasz Kaiser",))]) == ["kaiser2024attention"]
    assert cite.cite_keys([paper(authors=("Łucja Ørsted",))]) == ["orsted2024attention"]


def test_a_team_name_with_and_stays_one_author() -> None:
    (entry,) = read_bibtex(cite.bibtex([paper(authors=("Ann Lee", "Research and Development"))]))
    assert entry["author"] == ["Lee, Ann", "{Research and Development}"]


def test_names_with_tex_specials_survive() -> None:
    authors = ("Ann {Brace", "&Co Team", "Jo_Ann O'Neil", "50% Hash#")
    (entry,) = read_bibtex(cite.bibtex([paper(authors=authors)]))
    assert [printed(a) for a in entry["author"]] == [
        "{Brace, Ann",
        "Team, &Co",
        "O'Neil, Jo_Ann",
        "Hash#, 50%",
    ]


SPECIAL_TITLES = [
    "100% of $O(n^2)$ & #1 on C_4 with ~x^2 and C:\\path",
    "Unbalanced { brace",
    "Unbalanced } brace",
    "}{ backwards braces {{{",
    "\\textbf{not bold} \\end{document}",
    'A title with an @ sign and "quotes", commas',
    "Ünïcödé 标题 with emoji 🚀",
]


@pytest.mark.parametrize("title", SPECIAL_TITLES)
def test_titles_with_tex_specials_print_as_written(title: str) -> None:
    neighbour = paper("2405.00002", "Next Entry", ("Zed Zulu",))
    text = cite.bibtex([paper(title=title), neighbour])
    assert braces_balance_as_bibtex_counts_them(text)
    first, second = read_bibtex(text)
    assert printed(first["title"]) == title
    # the entry ends where it should: every field of it and of the next one is there
    assert first["doi"] == "10.48550/arXiv.2405.15738"
    assert (second["ID"], printed(second["title"])) == ("zulu2024next", "Next Entry")


# TeX's specials, brackets, accents and other scripts; not - ` ' ! ? which LaTeX turns into
# dashes and quotes on purpose (a title's "--" prints as an en dash, as its author meant).
TITLE_CHARS = st.sampled_from(list('aB9 {}%&$#_~^\\@",.;:()[]=+*/|é王\t\n'))


@settings(max_examples=100, deadline=None)
@given(st.text(TITLE_CHARS, max_size=60))
def test_any_mix_of_specials_prints_as_written(title: str) -> None:
    text = cite.bibtex([paper(title=title)])
    assert braces_balance_as_bibtex_counts_them(text)
    (entry,) = read_bibtex(text)
    assert printed(entry["title"]) == cite.clean(title)


def test_capitals_and_acronyms_are_protected_from_lower_casing() -> None:
    (entry,) = read_bibtex(cite.bibtex([paper(title="GPT-4 and LLaMA Beat BERT on ImageNet")]))
    assert entry["title"] == "{GPT}-4 and {LLaMA} Beat {BERT} on {ImageNet}"


def test_three_thousand_authors_all_in_order() -> None:
    authors = tuple(f"Given{i} Family{i}" for i in range(3000))
    text = cite.bibtex([paper(authors=authors)])
    assert len(text.encode()) < 100_000  # about 60 KB
    assert max(len(line) for line in text.splitlines()) < 100
    (entry,) = read_bibtex(text)
    assert entry["author"] == [f"Family{i}, Given{i}" for i in range(3000)]
    (record,) = rispy.loads(cite.ris([paper(authors=authors)]))
    assert record["authors"] == [f"Family{i}, Given{i}" for i in range(3000)]
    csl = cite.csl_json([paper(authors=authors)])
    assert len(json.loads(csl)[0]["author"]) == 3000
    (line,) = render_csl(csl)
    assert line.startswith("Family0, G. et al. (2024)")


def test_colliding_keys_get_letters_by_id_whatever_the_order() -> None:
    a = paper("2405.00003", "Attention Is All You Need")
    b = paper("2405.00001", "Attention, Again")
    c = paper("2405.00002", "Attention for the Third Time")
    other = paper("2405.00004", "Attentiona", ("Ashish Vaswani",))  # its base key is "…a"
    keys = dict(zip("abco", cite.cite_keys([a, b, c, other]), strict=True))
    assert keys == {
        "b": "vaswani2024attention",
        "c": "vaswani2024attentionb",
        "a": "vaswani2024attentionc",
        "o": "vaswani2024attentiona",
    }
    assert cite.cite_keys([other, c, b, a]) == [keys[k] for k in "ocba"]
    ids = [e["ID"] for e in read_bibtex(cite.bibtex([a, b, c, other]))]
    assert ids == [keys[k] for k in "abco"]


def test_many_collisions_stay_unique() -> None:
    same = [paper(f"2405.{i:05d}") for i in range(60)]
    keys = cite.cite_keys(same)
    assert len(set(keys)) == 60
    assert keys[27] == "vaswani2024attentionaa"
    assert len(read_bibtex(cite.bibtex(same))) == 60


def test_a_paper_listed_twice_is_written_once() -> None:
    assert len(read_bibtex(cite.bibtex([paper(), paper()]))) == 1
    assert len(rispy.loads(cite.ris([paper(), paper()]))) == 1
    assert len(json.loads(cite.csl_json([paper(), paper()]))) == 1


@pytest.mark.parametrize("name", sorted(cite.FORMATS))
def test_control_characters_never_reach_a_file(name: str) -> None:
    hostile = paper(
        title="\x1b]0;pwned\x07Clean\x9b2J Title\r\nOver two lines",
        authors=("Eve\x1b[2J Mallory", "Bob\x85Builder"),
        abstract="Text\x00 with \x7fcontrols\x0c.",
    )
    text = cite.FORMATS[name].write([hostile])
    assert not [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    unbraced = text.replace("{", "").replace("}", "")  # BibTeX braces {Clean2J}
    assert "Clean2J Title Over two lines" in unbraced


def test_empty_lists_give_empty_files() -> None:
    assert cite.bibtex([]) == ""
    assert cite.ris([]) == ""
    assert json.loads(cite.csl_json([])) == []


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(max_size=120),
    authors=st.lists(st.text(max_size=30), max_size=6),
)
def test_any_title_and_names_make_a_valid_entry(title: str, authors: list[str]) -> None:
    neighbour = paper("2405.00002", "Next Entry", ("Zed Zulu",))
    text = cite.bibtex([paper(title=title, authors=tuple(authors)), neighbour])
    assert braces_balance_as_bibtex_counts_them(text)
    first, second = read_bibtex(text)
    assert first["doi"] == "10.48550/arXiv.2405.15738"
    assert len(first.get("author", [])) == sum(1 for a in authors if cite.clean(a))
    assert second["ID"] == "zulu2024next"
    (record, _) = rispy.loads(cite.ris([paper(title=title, authors=tuple(authors)), neighbour]))
    assert record["title"] == cite.clean(title) or not cite.clean(title)


# --- RIS -------------------------------------------------------------------------------------


def test_ris_reads_back_with_every_field() -> None:
    p = paper(
        authors=("Jürgen Müller", "Łukasz Kaiser", "王小明"),
        title="Attention\nIs All\tYou Need",
        abstract="Line one.\nLine two.\nER  - not the end",
    )
    (record,) = rispy.loads(cite.ris([p]))
    assert record["type_of_reference"] == "JOUR"
    assert record["id"] == "muller2024attention"
    assert record["title"] == "Attention Is All You Need"
    assert record["authors"] == ["Müller, Jürgen", "Kaiser, Łukasz", "王小明"]
    assert record["secondary_title"] == "arXiv preprint arXiv:2405.15738"
    assert (record["year"], record["date"]) == ("2024", "2024/05/24/")
    assert record["doi"] == "10.48550/arXiv.2405.15738"
    assert record["urls"] == ["https://arxiv.org/abs/2405.15738"]
    assert record["abstract"] == "Line one. Line two. ER - not the end"
    assert record["keywords"] == ["cs.CL", "cs.LG"]


def test_ris_records_stay_apart() -> None:
    records = rispy.loads(cite.ris([paper(), paper("2405.00002", "Second")]))
    assert [r["id"] for r in records] == ["vaswani2024attention", "vaswani2024second"]


# --- CSL-JSON --------------------------------------------------------------------------------


def test_csl_json_items_have_the_csl_variables() -> None:
    p = paper(authors=("Jürgen Müller", "王小明", "Martin King Jr."))
    (item,) = json.loads(cite.csl_json([p]))
    assert item == {
        "id": "muller2024attention",
        "type": "article",
        "title": "Attention Is All You Need",
        "author": [
            {"family": "Müller", "given": "Jürgen"},
            {"family": "王小明"},
            {"family": "King", "given": "Martin", "suffix": "Jr."},
        ],
        "issued": {"date-parts": [[2024, 5, 24]]},
        "DOI": "10.48550/arXiv.2405.15738",
        "URL": "https://arxiv.org/abs/2405.15738",
        "publisher": "arXiv",
        "archive": "arXiv",
        "number": "2405.15738",
        "abstract": "We propose a network.",
    }


def test_csl_json_renders_as_a_bibliography() -> None:
    papers = [
        paper(authors=("Jürgen Müller", "Łukasz Kaiser"), title="Scaling 100% & $x$ {odd"),
        paper("hep-th/9901001", "Large N", ("Juan Maldacena",), published_at=None),
    ]
    lines = render_csl(cite.csl_json(papers))
    assert sorted(lines) == [
        "Maldacena, J. (1999) “Large N”. arXiv. "
        "Available at: https://doi.org/10.48550/arXiv.hep-th/9901001.",
        "Müller, J. and Kaiser, Ł. (2024) “Scaling 100% & $x$ {odd”. arXiv. "
        "Available at: https://doi.org/10.48550/arXiv.2405.15738.",
    ]


def test_every_format_is_registered_with_a_file_extension() -> None:
    assert {name: f.extension for name, f in cite.FORMATS.items()} == {
        "bibtex": ".bib",
        "ris": ".ris",
        "csl-json": ".json",
    }
    for f in cite.FORMATS.values():
        assert f.write([paper()]).endswith("\n")
