"""What a taste learns from and over: the examples (votes, downvotes, discussion
participation, background papers, weighted per person) and the terms of a paper (title words
counted twice, abstract words, HF ai_keywords as words and as whole terms, first and last
authors, arXiv categories), and how a term reads when shown to people. Pure, standard library
only; the model is bot/taste.py."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.models import Paper

PERSON_WEIGHT = 4.0  # one's own signal vs a teammate's, in one's own taste
PARTICIPATION_WEIGHT = 0.4  # replying in a paper's discussion, vs voting on it
BACKGROUND_WEIGHT = 0.3  # an unvoted paper of the same days (target 0)

TITLE_REPEAT = 2
AUTHORS_HEAD, AUTHORS_TAIL = 3, 2  # first and last authors are the informative ones

# Text splits at ASCII punctuation and the general punctuation block (dashes, quotes); str.translate
# then str.split is four times faster than a regular expression over a day of abstracts.
_SPLIT = str.maketrans(
    {
        c: " "
        for c in [chr(i) for i in range(128)] + [chr(i) for i in range(0x2000, 0x2070)]
        if not c.isalnum()
    }
)
# English function words and words every paper uses; IDF handles the rest.
_STOP_TEXT = """
a about above after again against all also although am among an and any are as at be because
been before being below between both but by can could did do does doing down during each
either et etc few for from further had has have having he her here hers him his how however
i if in into is it its itself just may me might more most much must my no nor not of off on
once only or other our ours out over own per same she should since so some such than that
the their theirs them then there these they this those through thus to too under until up
upon us very via was we were what when where whether which while who whom why will with
within without would yet you your paper papers propose proposed proposes present presents
show shows shown study studies approach approaches method methods result results work works
novel new use used using based existing recent recently introduce introduces introduced
demonstrate demonstrates achieve achieves achieving significant significantly state art sota
code available publicly experiments experimental extensive first well further furthermore
moreover across different various including particular effectively effective performance
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


# ----------------------------------------------------------------------------- features
def _words(text: str) -> list[str]:
    """Lower-case words, stop words included: :func:`useful` filters the vocabulary once,
    and scoring drops whatever is not in it."""
    return text.lower().translate(_SPLIT).split()


def useful(term: str) -> bool:
    """Whether a term may enter a vocabulary: no stop word, single character or bare number."""
    return len(term) > 1 and term not in STOP_WORDS and not term.isdigit()


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def _authors(paper: Paper) -> list[str]:
    names = list(paper.authors)
    if len(names) > AUTHORS_HEAD + AUTHORS_TAIL:
        names = names[:AUTHORS_HEAD] + names[-AUTHORS_TAIL:]
    return [n for n in dict.fromkeys(names) if n.strip()]


def features(paper: Paper) -> list[str]:
    """The terms of a paper (with repeats): words, ``kw:``, ``au:`` and ``cat:`` terms."""
    terms = _words(paper.title) * TITLE_REPEAT + _words(paper.abstract)
    for kw in paper.ai_keywords:
        terms += _words(kw)
        if kw.strip():
            terms.append("kw:" + _key(kw))
    terms += ["au:" + _key(name) for name in _authors(paper)]
    terms += ["cat:" + _key(c) for c in paper.categories if c.strip()]
    return terms


def display_term(term: str, paper: Paper | None = None) -> str:
    """A term as a person reads it: the keyword, the author's name as written, the category."""
    kind, sep, rest = term.partition(":")
    if not sep or kind not in ("kw", "au", "cat"):
        return term
    if kind == "au" and paper is not None:
        for name in paper.authors:
            if _key(name) == rest:
                return name
    if kind == "kw" and paper is not None:
        for kw in paper.ai_keywords:
            if _key(kw) == rest:
                return kw.strip()
    if kind == "cat" and paper is not None:
        for c in paper.categories:
            if _key(c) == rest:
                return c.strip()
    return rest


# ----------------------------------------------------------------------------- examples
@dataclass(frozen=True, slots=True)
class Signal:
    """One person's signal on one paper: a vote (+1/-1) or discussion participation."""

    user_id: str
    paper: Paper
    value: int  # +1 up, -1 down; participation is +1 with kind="discussion"
    kind: str = "vote"  # "vote" | "discussion"


@dataclass(frozen=True, slots=True)
class Example:
    """A training row: a paper, its target (-1 disliked .. +1 liked, 0 background) and the
    weight of the evidence."""

    paper: Paper
    target: float
    weight: float


def examples(
    signals: Iterable[Signal],
    background: Iterable[Paper] = (),
    *,
    person: str | None = None,
) -> list[Example]:
    """One example per signalled paper (the weighted mean of its signals), then the background
    papers nobody signalled. ``person``: that person's signals weigh ``PERSON_WEIGHT``.
    A person's vote on a paper makes their participation in its discussion redundant.
    Empty when there is no signal at all (background alone teaches nothing)."""
    per_person: dict[tuple[str, str], Signal] = {}
    for s in signals:
        key = (s.user_id, s.paper.arxiv_id)
        held = per_person.get(key)
        if held is None or (held.kind == "discussion" and s.kind == "vote"):
            per_person[key] = s
    if not per_person:
        return []
    total: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    papers: dict[str, Paper] = {}
    for s in per_person.values():
        w = PARTICIPATION_WEIGHT if s.kind == "discussion" else 1.0
        if person is not None and s.user_id == person:
            w *= PERSON_WEIGHT
        value = 1.0 if s.kind == "discussion" else float(max(-1, min(1, s.value)))
        total[s.paper.arxiv_id] += w * value
        weight[s.paper.arxiv_id] += w
        papers.setdefault(s.paper.arxiv_id, s.paper)
    out = [Example(papers[i], total[i] / weight[i], weight[i]) for i in sorted(papers)]
    seen = set(papers)
    for p in background:
        if p.arxiv_id not in seen:
            seen.add(p.arxiv_id)
            out.append(Example(p, 0.0, BACKGROUND_WEIGHT))
    return out


def has_signal(rows: Sequence[Example]) -> bool:
    return any(e.target != 0.0 for e in rows)
