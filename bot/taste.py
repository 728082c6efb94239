"""A team's (or a person's) taste in papers, learned from its votes: pure, no I/O.

What it learns from (:func:`examples`): each person's up-votes (+1), down-votes (-1) and
discussion participation (a weaker +1), gathered per paper; a person's own signals weigh
``PERSON_WEIGHT`` times a teammate's in that person's taste. Papers of the same days that
nobody voted on are *background* (target 0, light weight): they tell the model what an
ordinary paper looks like, so a team that only ever up-votes (every vote before 👎 existed)
still gets a taste, and so does a team that only down-votes.

What it learns over (:func:`features`): the words of the title (counted twice) and abstract,
the HF ai_keywords (their words, and each keyword as one term), the first and last authors,
and the arXiv categories: TF-IDF with sublinear term frequency and smooth IDF, exactly
scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` (a test compares them) but counted
with numpy in one pass (:func:`tfidf`), five times faster than its per-token Python loop.
The vocabulary is the terms of the signalled papers; IDF is over signalled + background.

The model (:func:`train`): scikit-learn's ridge regression of the targets, liked papers
class-balanced against the rest, scaled by the spread of out-of-fold scores so that a new
paper's ``x·w`` is about ±1. A paper's taste is ``strength · tanh(x·w - center)`` in
(-1, 1): 0 is an ordinary paper (``center``), and a paper that shares no term with the
votes (or has no text) scores exactly 0; positive is the team's kind of paper. ``strength``
is n/(n+3) for n signalled papers: one vote moves the ranking a quarter as much as many.
bench/taste.py compares ridge with logistic regression and a linear SVM (arxiv-sanity-lite's
choice) on the same features: as good or better, and it also takes down-votes as a third
level (below ordinary) and learns from down-votes alone.

Stored (:meth:`Taste.to_bytes`): a JSON header (format, terms, parameters) and two float32
arrays written with ``np.save(allow_pickle=False)``, zlib-compressed. Loading never runs code
from the database (no pickle). Scoring (:meth:`Taste.scores`) needs numpy only; scikit-learn
(about 0.8 s and 100 MB to import) is imported by :func:`train` alone.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import struct
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.models import Paper
from bot.taste_inputs import (
    BACKGROUND_WEIGHT,
    PARTICIPATION_WEIGHT,
    PERSON_WEIGHT,
    TITLE_REPEAT,
    Example,
    Signal,
    display_term,
    examples,
    features,
    has_signal,
    useful,
)

__all__ = [
    "BACKGROUND_WEIGHT",
    "PARTICIPATION_WEIGHT",
    "PERSON_WEIGHT",
    "TITLE_REPEAT",
    "Example",
    "Signal",
    "Taste",
    "display_term",
    "examples",
    "features",
    "has_signal",
    "learn",
    "train",
    "values",
]

FORMAT = "paperherald-taste/1"
MAGIC = b"PHTASTE1"
MAX_BLOB = 64 * 1024 * 1024  # a stored model larger than this once unpacked is refused

MAX_TERMS = 20_000
ALPHA = 30.0  # ridge regularisation (bench/taste.py: 10-30 generalise best to new papers)
FOLDS = 3  # out-of-fold scores set the scale of x·w
EVIDENCE = 3  # strength = n / (n + EVIDENCE) for n signalled papers: one vote counts 1/4


# ----------------------------------------------------------------------------- the model
@dataclass(frozen=True, slots=True)
class TermWeight:
    term: str  # as a person reads it
    contribution: float  # to x·w (before tanh)


@dataclass(frozen=True, slots=True)
class LearnedFrom:
    """A signalled paper that pulls this paper's taste its way."""

    arxiv_id: str
    title: str
    target: float  # the team's mean signal on it: +1 liked .. -1 disliked
    similarity: float  # cosine of the two papers' vectors


@dataclass(frozen=True, slots=True)
class Explanation:
    value: float  # the taste, as in Taste.scores
    up: tuple[TermWeight, ...]  # terms that pushed it up, strongest first
    down: tuple[TermWeight, ...]  # terms that pushed it down, strongest first
    learned_from: tuple[LearnedFrom, ...]


@dataclass(frozen=True, slots=True)
class Counts:
    """Sparse tf-idf of n documents, in CSR order: one entry per (row, term)."""

    n: int
    rows: np.ndarray[Any, Any]  # document of each entry
    terms: np.ndarray[Any, Any]  # term id of each entry
    values: np.ndarray[Any, Any]  # (1 + ln tf) · idf, not normalised
    norms: np.ndarray[Any, Any]  # l2 norm of each document's values (0: no known term)
    counts: np.ndarray[Any, Any]  # tf of each entry


def tfidf(docs: Sequence[Sequence[int]], idf: np.ndarray[Any, Any]) -> Counts:
    """scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` arithmetic (tests/core/
    test_taste.py checks it against the real thing) on term ids, counted with numpy: one
    pass for a whole day of papers, for training and scoring alike."""
    n = len(docs)
    sizes = np.fromiter((len(d) for d in docs), np.int64, n)
    flat = np.fromiter(itertools.chain.from_iterable(docs), np.int64, int(sizes.sum()))
    width = max(len(idf), 1)
    keys, counts = np.unique(np.repeat(np.arange(n), sizes) * width + flat, return_counts=True)
    rows, terms = keys // width, keys % width
    values = (np.log(counts) + 1.0) * np.asarray(idf, dtype=np.float64)[terms]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
    return Counts(n, rows, terms, values, norms, counts)


class TasteFormatError(ValueError):
    """A stored model that this version cannot read; the caller retrains."""


@dataclass(frozen=True, eq=False)
class Taste:
    """A learned taste: a vocabulary with IDF and one weight per term."""

    terms: tuple[str, ...]
    idf: np.ndarray[Any, np.dtype[np.float32]]
    coef: np.ndarray[Any, np.dtype[np.float32]]
    version: int = 0  # the vote-set version it was trained on (storage's counter)
    signals: int = 0  # signalled papers it learned from
    strength: float = 1.0  # how much the evidence is trusted: n / (n + EVIDENCE)
    center: float = 0.0  # x·w of an ordinary paper
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.terms)})

    # -- scoring
    def _ids(self, paper: Paper) -> list[int]:
        index = self.index
        return [i for i in map(index.get, features(paper)) if i is not None]

    def _vector(self, paper: Paper) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(term ids, l2-normalised tf-idf values) of one paper."""
        m = tfidf([self._ids(paper)], self.idf)
        return m.terms, m.values / m.norms[m.rows] if len(m.terms) else m.values

    def _raw(self, papers: Sequence[Paper]) -> np.ndarray[Any, Any]:
        m = tfidf([self._ids(p) for p in papers], self.idf)
        dots = np.bincount(m.rows, weights=m.values * self.coef[m.terms], minlength=m.n)
        has = m.norms > 0
        return np.where(has, dots / np.where(has, m.norms, 1.0) - self.center, 0.0)

    def raw(self, paper: Paper) -> float:
        """x·w less an ordinary paper's; 0 for a paper with none of the taste's terms."""
        return float(self._raw([paper])[0])

    def score(self, paper: Paper) -> float:
        """The paper's taste in (-1, 1); 0 for a paper that shares no term with the votes."""
        return self.strength * math.tanh(self.raw(paper))

    def scores(self, papers: Iterable[Paper]) -> dict[str, float]:
        """arxiv_id -> taste (as :meth:`score`), for bot.ranking.score_papers(taste=...);
        one numpy pass over the whole list."""
        papers = list(papers)
        out = self.strength * np.tanh(self._raw(papers))
        return {p.arxiv_id: float(v) for p, v in zip(papers, out.tolist(), strict=True)}

    # -- explaining
    def explain(
        self, paper: Paper, learned: Sequence[Example] = (), *, terms: int = 5, papers: int = 3
    ) -> Explanation:
        """Why ``paper`` has its taste: the terms that pushed it up and down, and the
        signalled papers (from ``learned``, e.g. :func:`examples` of the same signals) most
        similar to it on the side of its taste."""
        ids, values = self._vector(paper)
        contrib = values * self.coef[ids] if len(ids) else np.empty(0)
        order = np.argsort(-np.abs(contrib), kind="stable")
        up: list[TermWeight] = []
        down: list[TermWeight] = []
        for k in order:
            c = float(contrib[k])
            bucket = up if c > 0 else down
            if c != 0 and len(bucket) < terms:
                bucket.append(TermWeight(display_term(self.terms[int(ids[k])], paper), c))
        value = self.score(paper)
        mine = dict(zip(ids.tolist(), values.tolist(), strict=True))
        pulls: list[tuple[float, LearnedFrom]] = []
        for ex in learned:
            if ex.target == 0.0 or ex.paper.arxiv_id == paper.arxiv_id or not mine:
                continue
            other_ids, other_values = self._vector(ex.paper)
            sim = sum(
                mine.get(i, 0.0) * v
                for i, v in zip(other_ids.tolist(), other_values.tolist(), strict=True)
            )
            if sim <= 0:
                continue
            pull = sim * ex.target * ex.weight
            if (value >= 0 and pull > 0) or (value < 0 and pull < 0):
                item = LearnedFrom(ex.paper.arxiv_id, ex.paper.title, ex.target, round(sim, 4))
                pulls.append((abs(pull), item))
        pulls.sort(key=lambda t: (-t[0], t[1].arxiv_id))
        return Explanation(value, tuple(up), tuple(down), tuple(p for _, p in pulls[:papers]))

    # -- storing
    def to_bytes(self) -> bytes:
        header = json.dumps(
            {
                "format": FORMAT,
                "terms": list(self.terms),
                "version": self.version,
                "signals": self.signals,
                "strength": self.strength,
                "center": self.center,
            },
            ensure_ascii=False,
        ).encode("utf-8")
        body = io.BytesIO()
        body.write(MAGIC)
        body.write(struct.pack("<I", len(header)))
        body.write(header)
        np.save(body, self.idf.astype(np.float32), allow_pickle=False)
        np.save(body, self.coef.astype(np.float32), allow_pickle=False)
        return zlib.compress(body.getvalue(), 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Taste:
        """Read a stored model; :class:`TasteFormatError` for anything else (never pickle)."""
        try:
            unpack = zlib.decompressobj()
            raw = unpack.decompress(blob, MAX_BLOB)
            if unpack.unconsumed_tail:
                raise TasteFormatError("the stored taste is too large")
            if not raw.startswith(MAGIC):
                raise TasteFormatError("not a stored taste")
            (size,) = struct.unpack_from("<I", raw, len(MAGIC))
            start = len(MAGIC) + 4
            header = json.loads(raw[start : start + size].decode("utf-8"))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                raise TasteFormatError("a stored taste of another format")
            body = io.BytesIO(raw[start + size :])
            idf = np.load(body, allow_pickle=False)
            coef = np.load(body, allow_pickle=False)
            terms = tuple(str(t) for t in header["terms"])
            if not (idf.shape == coef.shape == (len(terms),)):
                raise TasteFormatError("a stored taste whose arrays do not match its terms")
            return cls(
                terms=terms,
                idf=idf.astype(np.float32),
                coef=coef.astype(np.float32),
                version=int(header.get("version", 0)),
                signals=int(header.get("signals", 0)),
                strength=float(header["strength"]),
                center=float(header["center"]),
            )
        except TasteFormatError:
            raise
        except (zlib.error, ValueError, KeyError, TypeError, struct.error, EOFError) as exc:
            raise TasteFormatError(f"an unreadable stored taste: {exc}") from None


def _balanced(y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Weights with the liked papers (or, when there are none, the disliked ones) weighing as
    much as all the other rows together: a few votes against 2,000 background papers would
    otherwise teach next to nothing."""
    side = y > 0 if (y > 0).any() else y < 0
    rest = float(w[~side].sum())
    mine = float(w[side].sum())
    if rest <= 0 or mine <= 0:
        return w
    return np.where(side, w * (rest / mine), w)


def _ridge(x: Any, y: np.ndarray[Any, Any], w: np.ndarray[Any, Any], alpha: float) -> Any:
    from sklearn.linear_model import Ridge

    return Ridge(alpha=alpha, fit_intercept=True, solver="sparse_cg").fit(x, y, sample_weight=w)


def matrix(rows: Sequence[Example]) -> tuple[list[str], np.ndarray[Any, Any], Any] | None:
    """(vocabulary, idf, l2-normalised tf-idf CSR matrix of the rows): the vocabulary is
    the ``MAX_TERMS`` terms in most signalled papers; None when they have no usable term."""
    docs = [features(e.paper) for e in rows]
    df: Counter[str] = Counter()
    for e, doc in zip(rows, docs, strict=True):
        if e.target != 0.0:
            df.update(set(doc))
    ranked = sorted(((t, n) for t, n in df.items() if useful(t)), key=lambda t: (-t[1], t[0]))
    if not ranked:
        return None
    vocab = sorted(t for t, _ in ranked[:MAX_TERMS])
    index = {t: i for i, t in enumerate(vocab)}
    ids = [[i for i in map(index.get, doc) if i is not None] for doc in docs]
    # Smooth IDF over every row (signalled and background), as scikit-learn computes it.
    ones = tfidf(ids, np.ones(len(vocab)))
    doc_freq = np.bincount(ones.terms, minlength=len(vocab))
    idf = np.log((1.0 + len(rows)) / (1.0 + doc_freq)) + 1.0
    m = tfidf(ids, idf)

    from scipy.sparse import csr_matrix

    normalised = m.values / np.where(m.norms > 0, m.norms, 1.0)[m.rows]
    indptr = np.searchsorted(m.rows, np.arange(len(rows) + 1))
    x = csr_matrix((normalised, m.terms, indptr), shape=(len(rows), len(vocab)))
    return vocab, idf, x


def train(rows: Sequence[Example], *, version: int = 0, alpha: float = ALPHA) -> Taste | None:
    """Learn a taste from ``rows`` (see :func:`examples`); None without any signal (cold
    start: the ranking stays what it was) or when the signalled papers have no text.

    Ridge regression of the targets, liked papers class-balanced against the rest. The
    weights are then divided by the spread of out-of-fold scores (3 folds), so ``x·w`` of a
    paper the model has not seen is about ±1 whatever the number of votes or terms; the
    taste is ``strength · tanh(x·w)`` with strength n/(n+``EVIDENCE``) for n signalled papers.
    """
    signalled = [e for e in rows if e.target != 0.0]
    if not signalled:
        return None
    design = matrix(rows)
    if design is None:
        return None
    vocab, idf, x = design
    y = np.array([e.target for e in rows], dtype=np.float64)
    w = _balanced(y, np.array([e.weight for e in rows], dtype=np.float64))
    coef = np.asarray(_ridge(x, y, w, alpha).coef_, dtype=np.float64).ravel()
    if not np.any(coef):
        return None
    # Out-of-fold scores: what the model says of papers it was not trained on. Their median
    # over the background (an ordinary paper) becomes 0, their spread 1.
    fold = np.arange(len(rows)) % FOLDS
    held = np.zeros(len(rows))
    scored = np.zeros(len(rows), dtype=bool)
    for k in range(FOLDS):
        train_rows = fold != k
        if not (y[train_rows] != 0).any():
            continue
        model = _ridge(x[train_rows], y[train_rows], _balanced(y[train_rows], w[train_rows]), alpha)
        held[~train_rows] = x[~train_rows] @ np.asarray(model.coef_).ravel()
        scored[~train_rows] = True
    if scored.sum() < 2:  # too few rows to hold any out: the in-sample scores
        held, scored = x @ coef, np.ones(len(rows), dtype=bool)
    ordinary = scored & (y == 0)
    center = float(np.median(held[ordinary])) if ordinary.any() else 0.0
    spread = float(held[scored].std())
    if spread < 1e-9:
        return None
    return Taste(
        terms=tuple(vocab),
        idf=idf.astype(np.float32),
        coef=(coef / spread).astype(np.float32),
        center=center / spread,
        version=version,
        signals=len(signalled),
        strength=len(signalled) / (len(signalled) + EVIDENCE),
    )


def learn(
    signals: Iterable[Signal],
    background: Iterable[Paper] = (),
    *,
    person: str | None = None,
    version: int = 0,
) -> Taste | None:
    """:func:`examples` then :func:`train`."""
    return train(examples(signals, background, person=person), version=version)


def values(taste: Taste | None, papers: Iterable[Paper]) -> Mapping[str, float] | None:
    """The ``taste=`` argument of bot.ranking.score_papers: None without a taste."""
    return None if taste is None else taste.scores(papers)
