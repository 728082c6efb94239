"""Property: a phrase found by the search index (word pairs for common words, positions for
the others: storage/search_pairs.py) matches exactly the papers a brute-force reference finds:
the phrase's words, as the index's analyzer makes them, side by side in one field."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.query import parse
from storage.search_index import SearchIndex

# Case, possessives, hyphens and dashes, accents, digits; mostly common words
# (storage.search_pairs.COMMON), so that phrases are found through their pairs.
WORDS = """
    the of The state art large Large language LANGUAGE models model's Models vision learning
    learned zebra splatting Gaussian naïve café 3D 2 state-of-the-art vision–language über
    data of the a in model to and
""".split()  # noqa: SIM905 (one long list, easier read as words)
SEPARATORS = [" ", " ", " ", "-", ", ", ". ", " — ", "/", "_"]
INDEX = SearchIndex(None)

COMMON = ["the", "of", "state", "art", "large", "language", "models", "vision", "data", "a"]
word = st.one_of(st.sampled_from(WORDS), st.sampled_from(COMMON))  # common words, often
text = st.lists(st.tuples(word, st.sampled_from(SEPARATORS)), max_size=24).map(
    lambda parts: "".join(w + s for w, s in parts).strip()
)
papers = st.lists(st.tuples(text, text, text, text), min_size=1, max_size=6)


def fields(row: tuple[int, str, str, str, str]) -> list[str]:
    _, title, authors, abstract, keywords = row
    return [title, authors, abstract, keywords]  # authors and keywords: a list of one


def reference(rows: list[tuple[int, str, str, str, str]], phrase: str) -> set[int]:
    want = INDEX.tokens(phrase)
    found = set()
    for row in rows:
        for field in fields(row):
            have = INDEX.tokens(field)
            if any(have[i : i + len(want)] == want for i in range(len(have) - len(want) + 1)):
                found.add(row[0])
    return found


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # every word is checked, not only the pairs at the ends
    papers=[("Notes", "", "state of the art models", "")],
    phrase="state of data art models",
    pick=0,
    length=2,
    other="the",
)
@given(
    papers=papers,
    phrase=text,
    pick=st.integers(0, 1000),
    length=st.integers(2, 8),
    other=word,
)
def test_a_phrase_matches_what_brute_force_finds(
    papers: list[tuple[str, str, str, str]], phrase: str, pick: int, length: int, other: str
) -> None:
    rows = [(i + 1, *p) for i, p in enumerate(papers)]
    # Most phrases are cut from a paper's text, so they are found; a third of those get one
    # word replaced: a near miss.
    source = fields(rows[pick % len(rows)])[pick % 4].split()
    if pick % 4 and len(source) >= 2:
        start = pick % (len(source) - 1)
        cut = source[start : start + length]
        if pick % 3 == 0 and len(cut) >= 3:
            cut[len(cut) // 2] = other
        phrase = " ".join(cut)
    phrase = phrase.replace('"', "")
    query = parse(f'"{phrase}"')
    if query.error or len(INDEX.tokens(phrase)) < 2:
        return
    writer = INDEX.index.writer(heap_size=15_000_000, num_threads=1)
    writer.delete_all_documents()
    writer.commit()
    writer.wait_merging_threads()
    INDEX.put(
        (i, t, json.dumps([a]), ab, json.dumps([k]), "[]", None, 0) for i, t, a, ab, k in rows
    )
    hits, total = INDEX.search(query, limit=50, offset=0, count_cap=100)
    assert {i for i, _ in hits} == reference(rows, phrase) and total == len(hits), phrase
