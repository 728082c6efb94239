"""bot.arxiv_ids: every spelling users paste or sources send maps to one key."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.arxiv_ids import ArxivId, doi, find_all, normalise, parse


@pytest.mark.parametrize(
    ("text", "key", "version"),
    [
        ("2401.01234", "2401.01234", None),
        ("2401.01234v2", "2401.01234", 2),
        ("1501.0001v10", "1501.0001", 10),  # 4+4 digits (before 2015)
        ("  2411.12345  ", "2411.12345", None),
        ("arXiv:2401.01234", "2401.01234", None),
        ("arxiv:2401.01234v3", "2401.01234", 3),
        ("ARXIV: 2401.01234", "2401.01234", None),
        ("<2401.01234>", "2401.01234", None),
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v3", "hep-th/9901001", 3),
        ("HEP-TH/9901001", "hep-th/9901001", None),
        ("astro-ph/0601001v1", "astro-ph/0601001", 1),
        ("arXiv:cond-mat/0102536", "cond-mat/0102536", None),
        ("https://arxiv.org/abs/2401.01234", "2401.01234", None),
        ("http://arxiv.org/abs/2401.01234v1", "2401.01234", 1),
        ("https://arxiv.org/pdf/2401.01234v2.pdf", "2401.01234", 2),
        ("https://arxiv.org/pdf/2401.01234", "2401.01234", None),
        ("https://www.arxiv.org/abs/2401.01234/", "2401.01234", None),
        ("https://export.arxiv.org/abs/2401.01234", "2401.01234", None),
        ("arxiv.org/html/2401.01234v1", "2401.01234", 1),
        ("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
        ("https://arxiv.org/abs/2401.01234?context=cs.LG", "2401.01234", None),
        ("https://huggingface.co/papers/2401.01234", "2401.01234", None),
        ("https://hf.co/papers/2401.01234#community", "2401.01234", None),
        ("https://www.alphaxiv.org/abs/2401.01234", "2401.01234", None),
        ("oai:arXiv.org:2609.26811v1", "2609.26811", 1),
        # arXiv's DataCite DOIs, bare, with doi:, or as a link; DOIs ignore case.
        ("10.48550/arXiv.2405.15738", "2405.15738", None),
        ("10.48550/ARXIV.2405.15738", "2405.15738", None),
        ("doi:10.48550/arXiv.2405.15738", "2405.15738", None),
        ("DOI: 10.48550/arxiv.2405.15738", "2405.15738", None),
        ("https://doi.org/10.48550/arXiv.2405.15738", "2405.15738", None),
        ("HTTPS://DOI.ORG/10.48550/ARXIV.2405.15738", "2405.15738", None),
        ("http://dx.doi.org/10.48550/arXiv.2405.15738", "2405.15738", None),
        ("doi.org/10.48550/arXiv.1501.00001", "1501.00001", None),
        ("<https://doi.org/10.48550/arXiv.2405.15738>", "2405.15738", None),
        ("10.48550/arXiv.hep-th/9901001", "hep-th/9901001", None),
        ("10.48550/arXiv.2405.15738v2", "2405.15738", 2),
    ],
)
def test_parse_known_spellings(text: str, key: str, version: int | None) -> None:
    assert parse(text) == ArxivId(key=key, version=version)
    assert normalise(text) == key


def test_old_style_with_subject_class_is_recognised() -> None:
    parsed = parse("math.GT/0309136")
    assert parsed is not None
    assert parsed.key.endswith("/0309136") and parsed.key.startswith("math")
    assert parse("math.GT/0309136v2") == ArxivId(key=parsed.key, version=2)


def test_old_style_subject_class_maps_to_the_canonical_key() -> None:
    assert normalise("math.GT/0309136") == "math/0309136"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "2413.01234",  # month 13
        "2400.01234",  # month 0
        "2401.123",  # too short
        "2401.123456",  # too long
        "2401.01234v",
        "2401.01234vx",
        "hep-th/990100",  # old style needs 7 digits
        "https://example.org/abs/2401.01234",
        "https://arxiv.org/list/cs.LG/recent",
        "see 2401.01234 for details",  # parse wants one id; find_all handles prose
        "x" * 400,
        # malformed or foreign DOIs
        "10.48550/arXiv.",
        "10.48550/arXiv.2405",
        "10.48550/arXiv.2413.15738",  # month 13
        "10.48550/arXiv 2405.15738",
        "10.48550/2405.15738",
        "10.1234/arXiv.2405.15738",  # another registrant's DOI
        "10.48550/arXiv.2405.15738.pdf",
        "https://doi.org/10.48550/arXiv.2405.15738/extra",
        "https://example.org/10.48550/arXiv.2405.15738",
    ],
)
def test_parse_rejects(text: str) -> None:
    assert parse(text) is None
    assert normalise(text) is None


def test_doi_is_the_one_the_parser_reads() -> None:
    assert doi("2405.15738") == "10.48550/arXiv.2405.15738"
    assert doi("hep-th/9901001") == "10.48550/arXiv.hep-th/9901001"
    for key in ("2405.15738", "hep-th/9901001"):
        assert normalise(doi(key)) == key
        assert normalise(f"https://doi.org/{doi(key)}") == key


def test_str_round_trip() -> None:
    assert str(ArxivId("2401.01234", 2)) == "2401.01234v2"
    assert str(ArxivId("hep-th/9901001")) == "hep-th/9901001"


def test_find_all_in_prose() -> None:
    text = (
        "Compare 2401.01234v2 with https://huggingface.co/papers/2401.01234 and "
        "hep-th/9901001, but not 2413.01234."
    )
    assert find_all(text) == ["2401.01234", "hep-th/9901001"]


def test_find_all_sees_dois_in_prose() -> None:
    text = "cited as https://doi.org/10.48550/arXiv.2405.15738 (and 10.48550/arXiv.2401.01234)"
    assert find_all(text) == ["2405.15738", "2401.01234"]


@given(st.text(max_size=400))
def test_parse_never_raises(text: str) -> None:
    result = parse(text)
    assert result is None or isinstance(result, ArxivId)
    assert isinstance(find_all(text), list)


_NEW_IDS = st.builds(
    lambda yy, mm, num, v: f"{yy:02d}{mm:02d}.{num:05d}" + (f"v{v}" if v else ""),
    st.integers(15, 99),
    st.integers(1, 12),
    st.integers(0, 99999),
    st.one_of(st.none(), st.integers(1, 99)),
)


@given(
    _NEW_IDS,
    st.sampled_from(
        [
            "{}",
            "arXiv:{}",
            "https://arxiv.org/abs/{}",
            "https://arxiv.org/pdf/{}.pdf",
            "https://huggingface.co/papers/{}",
            "10.48550/arXiv.{}",
            "https://doi.org/10.48550/arXiv.{}",
        ]
    ),
)
def test_every_spelling_of_a_valid_id_has_the_same_key(raw: str, template: str) -> None:
    parsed = parse(template.format(raw))
    assert parsed is not None
    assert parse(str(parsed)) == parsed
    assert parsed.key == raw.split("v")[0]
