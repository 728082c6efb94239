"""Realistic search queries and subscription topics drawn from the corpus model.

Query words are content words of the real abstracts weighted by sqrt(frequency): popular
topics ("language models", "diffusion") come up often, as in real search logs, without
every query being the single most generic word; stop words and generic paper words
("propose", "results") are never used. Keyword phrases come from HF's real ai_keywords.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from datetime import timedelta

from bench.corpus import END_DAY, CorpusModel, weighted_pick

STOP = frozenset(
    """a about above across after again against all also although among an and any are as at
    be been before being between both but by can could did do does doing done during each
    either et etc for from further had has have having here how however if in into is it its
    itself just many may more most much must namely new no nor not novel of off on once one
    only or other our ours out over own paper per propose proposed propose presents present
    provide provides result results same several should show shows shown significantly since
    so some such than that the their them then there these they this those through thus to
    too two under until up upon us use used uses using via was we well were what when where
    whether which while who whom why will with within without would yet approach approaches
    method methods work existing based furthermore moreover additionally specifically first
    second third finally experiments experimental demonstrate demonstrates achieve achieves
    state art performance propose introduce introduces study address paper different
    https http github com www org html various given""".split()  # noqa: SIM905
)

KINDS = ("words", "phrase", "author", "cat", "since", "exclude", "combo")
KIND_WEIGHTS = (40, 15, 10, 10, 10, 10, 5)


@dataclass(frozen=True)
class BenchQuery:
    kind: str
    text: str


class QueryMaker:
    def __init__(self, model: CorpusModel, seed: int = 1) -> None:
        self.model = model
        self.rng = random.Random(f"queries-{seed}")
        counts = model.text.content_counts
        words = sorted(
            (w for w, c in counts.items() if len(w) >= 3 and w not in STOP and c >= 2),
            key=lambda w: (-counts[w], w),
        )
        self.words = words
        self.words_cw = list(itertools.accumulate(math.sqrt(counts[w]) for w in words))
        self.phrases = [k for k in model.text.keywords if " " in k and len(k) < 40] or words[:10]
        self.phrases_cw = list(
            itertools.accumulate(1.0 / (i + 3) for i in range(len(self.phrases)))
        )

    def word(self) -> str:
        if self.rng.random() < 0.05:  # a rare word now and then (long-tail vocabulary)
            return weighted_pick(self.rng, self.model.tail, self.model.tail_cw)
        return weighted_pick(self.rng, self.words, self.words_cw)

    def words_n(self, n: int) -> list[str]:
        return [self.word() for _ in range(n)]

    def author(self) -> str:
        name = weighted_pick(self.rng, self.model.authors, self.model.authors_cw)
        return "author:" + name.split()[-1 if self.rng.random() < 0.7 else 0].lower()

    def cat(self) -> str:
        return "cat:" + weighted_pick(self.rng, self.model.cats, self.model.cats_cw)

    def since(self) -> str:
        days = self.rng.randint(30, 3 * 365)
        return f"since:{(END_DAY - timedelta(days=days)).isoformat()}"

    def phrase(self) -> str:
        return '"' + weighted_pick(self.rng, self.phrases, self.phrases_cw) + '"'

    def n_words(self) -> int:
        return self.rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]

    def query(self, kind: str | None = None) -> BenchQuery:
        kind = kind or self.rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        n = self.n_words()
        if kind == "words":
            parts = self.words_n(n)
        elif kind == "phrase":
            parts = [self.phrase(), *self.words_n(max(0, n - 2))]
        elif kind == "author":
            parts = [self.author(), *self.words_n(n - 1)]
        elif kind == "cat":
            parts = [*self.words_n(n), self.cat()]
        elif kind == "since":
            parts = [*self.words_n(n), self.since()]
        elif kind == "exclude":
            parts = [*self.words_n(n), "-" + self.word()]
        else:  # combo: words, a phrase or an author, a category and a date
            parts = [*self.words_n(max(1, n - 1)), self.cat(), self.since()]
            if self.rng.random() < 0.5:
                parts.append("-" + self.word())
        return BenchQuery(kind, " ".join(parts))

    def queries(self, count: int) -> list[BenchQuery]:
        return [self.query() for _ in range(count)]

    def topic(self) -> str:
        """A subscription topic: mostly a keyword phrase or one specific word (people follow
        topics, not "models"), sometimes an author or a filtered topic."""
        r = self.rng.random()
        if r < 0.55:
            return self.phrase()
        if r < 0.75:
            word = self.word()
            while word in self.words[:50]:
                word = self.word()
            return word
        if r < 0.85:
            return self.author()
        if r < 0.95:
            return f"{self.word()} {self.cat()}"
        return f"{self.phrase()} -{self.word()}"
