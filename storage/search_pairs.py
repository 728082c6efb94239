"""Word pairs for phrase search (storage/search_query.py, storage/search_index.py).

A phrase made of common words ("language models", "state of the art") is the slow case for
an index of word positions: every candidate document holds all its words, and their position
lists are long. So the adjacent pairs of COMMON words are indexed as terms of their own
(``<field>_pairs``: ``languag_model``), and such a phrase is found by its pairs. A phrase with
a less common word goes the usual way: that word's short posting list leads, and positions
are read for those few documents only.

COMMON: the stems (the index's analyzer: lower case, ASCII-folded, English Snowball) found in
at least 8 % of 124 real arXiv abstracts (Hugging Face Daily Papers, 2026). Changing it changes
what is indexed: bump search_index.FORMAT.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

COMMON = frozenset(
    """
    0 1 10 2 3 4 5 9 a abil accur accuraci achiev across adapt addit address advanc aim
    algorithm align all allow also an analysi analyz and ani answer appli applic approach
    approxim architectur are art as at attent augment avail averag avoid base baselin be becom
    been behavior benchmark benefit better between both but by can capabl captur challeng class
    classif code collect com combin compar competit complex compon comprehens comput condit
    conduct consist construct contain context continu contrast correct cost critic cross current
    data dataset deep demonstr depend design detail develop differ direct distribut divers
    domain downstream due dure dynam e each effect effici either embed empir employ enabl encod
    enhanc ensur establish evalu even exampl exist experi experiment explicit explor extend
    extens facilit featur feed final find fine first focus follow for forward four framework
    from fulli function further furthermor futur g gaussian general generat github gradient has
    have high how howev https human i identifi imag import improv in includ increas infer inform
    inher input insight inspir instruct integr interact into introduc involv is issu it key
    knowledg label lack languag larg layer lead learn level leverag like limit llms local long
    loss low machin maintain make mani mechan memori method minim model more most multi multipl
    natur need network neural new no non not novel number object observ of offer often on one
    onli open oper optim or order origin other our out outperform output over pair paper paramet
    particular pass perform point posit power practic pre predict present pretrain previous
    principl prior problem process produc progress promis prompt propos provid public qualiti
    question rang rate real reason recent recognit reduc refer relat releas relev reli remain
    repres represent requir research result retriev reveal robust s sampl scale scenario search
    second select self semant sequenc set sever show signific similar simpl singl size small
    solut solv some sourc specif stage standard state step still strategi strong structur studi
    success such supervis support surpass synthesi system systemat target task techniqu term
    test text than that the their them then theoret there these they this three through time to
    token train transform tune two under understand up updat use user valid various via video
    view visual we weight well when where whether which while wide with without work world yet
    """.split()  # noqa: SIM905 (one long list, easier read as words)
)

PAIRS = "_pairs"  # suffix of a pairs field
JOIN = "_"  # never inside a word: words are runs of letters and digits
GAP = "~"  # a pair that is not indexed: dropped by the pairs analyzer, its position kept
_WORD = re.compile(r"[^\W_]+")
_CACHE_MAX = 500_000


class PairMaker:
    """Text -> its words as the index's analyzer makes them (through a cache: one word at a
    time is far cheaper than the analyzer on the whole text), and the pairs text."""

    def __init__(self, analyze: Callable[[str], list[str]]) -> None:
        self._analyze = analyze
        self._stems: dict[str, str] = {}

    def words(self, text: str) -> list[str]:
        stems, out = self._stems, []
        for raw in _WORD.findall(text):
            stem = stems.get(raw)
            if stem is None:
                got = self._analyze(raw)
                stem = got[0] if len(got) == 1 else ""  # "": not a word of the index
                if len(stems) >= _CACHE_MAX:
                    stems.clear()
                stems[raw] = stem
            out.append(stem)
        return out

    def pairs_text(self, text: str) -> str:
        """One token per adjacent pair of words: ``a_b`` when both are common, else GAP."""
        return " ".join(
            a + JOIN + b if a in COMMON and b in COMMON else GAP
            for a, b in itertools.pairwise(self.words(text))
        )

    def common_phrase(self, text: str) -> list[str] | None:
        """The pairs of a phrase of two or more common words; None for any other phrase."""
        words = self.words(text)
        if len(words) < 2 or not all(w in COMMON for w in words):
            return None
        return [a + JOIN + b for a, b in itertools.pairwise(words)]
