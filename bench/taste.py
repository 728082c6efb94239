"""The team's taste (bot/taste.py): does a simulated team's voting beat the crowd's order, and
is learning and ranking fast enough?

Corpus (real text, no network): the 124 distinct real papers of
``../shared/seed/daily-papers-page.txt`` (title + abstract) and ``samples/hf/*.json``
(title, abstract, authors, HF ai_keywords). Each simulated day holds ``PER_DAY`` papers, each
*derived* from one real parent paper the way bench/corpus.py writes text: its abstract is
a chain of 1-5-token runs, 70 % copied from the parent's abstract and 30 % from other real
abstracts; its title likewise from the parent's title; half the parent's keywords and a
third of its authors (the rest from a name pool). So a day looks like a day of papers on the
real papers' topics, and no two papers are the same text.

Hidden interests: a team likes a paper when its parent is about the team's topic (at least
two distinct topic words in the parent's title + abstract): "vision" (3D, images, video,
scenes, rendering ...) or "agents" (agents, reinforcement learning, rewards, tools, robots).
The crowd (HF upvotes, log-normal) prefers LLM papers 3:1, so its order is not the team's.

Replay: 30 training days, then 10 test days. Every training day the bot ranks the day with
the taste learned from all earlier votes (retrained each day: a vote counts in the very next
ranking) and posts the top 10; each of 6 members up-votes a shown paper of the team's kind
with p=0.35, down-votes a shown paper not of its kind with p=0.05, up-votes any shown paper
with p=0.02 (noise), finds a paper of its kind that was not shown with p=0.05, and replies in
its discussion with p=0.1. Test days are ranked with the final taste and scored against the
hidden interest: R-precision (precision at R = number of liked papers that day) and nDCG@10
(binary gains), for the crowd's order (today's ranking: HF upvotes), the ranking with the
taste at its default weight, and the taste alone. Two settings: test papers derived from
*held-out* real papers (new papers on the team's topics: the honest one), and from the same
real papers as the training days. Models compared on the held-out setting: ridge regression
(the one shipped), logistic regression and a linear SVM (arxiv-sanity-lite's), same features.

Timings (2 cores, shared): learn from 10,000 votes (20 people, 5,000 distinct papers, 2,000
background papers: features + TF-IDF + ridge; scikit-learn's import timed apart), rank a day
of 500 papers (taste of each + score_papers), and load a stored model (Taste.from_bytes).
"""

from __future__ import annotations

import math
import random
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import BENCH_DIR, console, latency_stats, show
from bench.corpus import SHARED, _seed_page_texts
from bot import taste as T
from bot.models import Paper
from bot.ranking import Weights, score_papers
from bot.sources.files import parse_file

SAMPLES = BENCH_DIR.parent / "samples" / "hf"
PER_DAY = 40
TRAIN_DAYS = 30
TEST_DAYS = 10
MEMBERS = 6
THREAD = 10
FIRST_DAY = date(2026, 8, 1)

TOPICS = {
    "vision": re.compile(
        r"\b(3d|4d|image|images|video|videos|visual|scene|scenes|view|rendering|camera|"
        r"pixel|segmentation|geometry|mesh|point cloud|gaussian|splatting|reconstruction)\b"
    ),
    "agents": re.compile(
        r"\b(agent|agents|agentic|reinforcement|reward|rewards|policy|tool|tools|planning|"
        r"robot|robots|robotic|embodied|environment|environments|navigation|game|games)\b"
    ),
}
CROWD = re.compile(r"\b(language model|language models|llm|llms|reasoning|instruction)\b")


@dataclass(frozen=True)
class Real:
    title: str
    abstract: str
    keywords: tuple[str, ...]
    authors: tuple[str, ...]

    def about(self, pattern: re.Pattern[str]) -> bool:
        return len(set(pattern.findall(f"{self.title} {self.abstract}".lower()))) >= 2


def real_papers(shared: Path = SHARED) -> list[Real]:
    found: dict[str, Real] = {}
    for path in sorted(SAMPLES.glob("*.json")):
        for p in parse_file(path).papers:
            key = " ".join(p.title.lower().split())
            found.setdefault(key, Real(p.title, p.abstract, p.ai_keywords, p.authors))
    page = shared / "seed" / "daily-papers-page.txt"
    if page.is_file():
        titles, abstracts = _seed_page_texts(page.read_text(encoding="utf-8", errors="replace"))
        for title, abstract in zip(titles, abstracts, strict=False):
            key = " ".join(title.lower().split())
            found.setdefault(key, Real(title, abstract, (), ()))
    return list(found.values())


class Writer:
    """Papers derived from real parents (see the module docstring)."""

    def __init__(self, reals: Sequence[Real], seed: int) -> None:
        self.reals = list(reals)
        self.rng = random.Random(seed)
        self.abstracts = [r.abstract.split() for r in reals]
        self.titles = [r.title.split() for r in reals]
        self.keywords = sorted({k for r in reals for k in r.keywords})
        names = sorted({a for r in reals for a in r.authors})
        self.names = names or ["A. Author"]
        self.serial = 0

    def _runs(self, own: list[str], pool: list[list[str]], length: int, share: float) -> str:
        out: list[str] = []
        while len(out) < length:
            src = own if self.rng.random() < share or not pool else self.rng.choice(pool)
            if not src:
                src = own or ["paper"]
            n = self.rng.randint(1, 5)
            i = self.rng.randrange(max(1, len(src) - n))
            out += src[i : i + n]
        return " ".join(out[:length])

    def paper(self, parent: int, day: date, upvotes: int) -> Paper:
        r = self.reals[parent]
        rng = self.rng
        self.serial += 1
        words = self.abstracts[parent]
        abstract = self._runs(
            words, self.abstracts, max(30, int(len(words) * rng.uniform(0.6, 1.0))), 0.7
        )
        tw = self.titles[parent]
        title = self._runs(tw, self.titles, max(4, len(tw)), 0.7)
        keywords = [k for k in r.keywords if rng.random() < 0.5]
        if self.keywords and rng.random() < 0.3:
            keywords.append(rng.choice(self.keywords))
        authors = [a for a in r.authors if rng.random() < 0.33]
        while len(authors) < max(2, len(r.authors) // 2):
            authors.append(rng.choice(self.names))
        return Paper(
            arxiv_id=f"{day:%y%m}.{self.serial:05d}",
            title=title[:1].upper() + title[1:],
            abstract=abstract,
            authors=tuple(dict.fromkeys(authors)),
            published_at=datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
            hf_upvotes=upvotes,
            ai_keywords=tuple(dict.fromkeys(keywords)),
        )


def crowd_upvotes(rng: random.Random, real: Real) -> int:
    mu = 2.3 + (1.1 if CROWD.search(f"{real.title} {real.abstract}".lower()) else 0.0)
    return min(5000, int(math.exp(rng.gauss(mu, 1.0))))


# ----------------------------------------------------------------------------- metrics
def r_precision(order: Sequence[str], liked: set[str]) -> float:
    r = len(liked)
    return sum(1 for i in order[:r] if i in liked) / r if r else float("nan")


def ndcg_at(order: Sequence[str], liked: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, a in enumerate(order[:k]) if a in liked)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(liked))))
    return dcg / ideal if ideal else float("nan")


# ----------------------------------------------------------------------------- models
Trainer = Callable[[Sequence[T.Example]], T.Taste | None]


def _classifier(kind: str) -> Trainer:
    """Logistic regression / linear SVM on the same features: liked (target > 0) vs the
    rest (disliked and background), class-balanced, as arxiv-sanity-lite does."""

    def train(rows: Sequence[T.Example]) -> T.Taste | None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        labels = np.array([1 if e.target > 0 else 0 for e in rows])
        design = T.matrix(rows)
        if labels.min() == labels.max() or design is None:
            return None
        vocab, idf, x = design
        w = np.array([e.weight for e in rows])
        model: Any
        if kind == "logistic":
            model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        else:
            model = LinearSVC(C=0.1, class_weight="balanced", max_iter=10000, tol=1e-6)
        model.fit(x, labels, sample_weight=w)
        return T.Taste(
            terms=tuple(vocab),
            idf=idf.astype(np.float32),
            coef=np.asarray(model.coef_, np.float32).ravel(),
            signals=int((labels > 0).sum()),
        )

    return train


TRAINERS: dict[str, Trainer] = {
    "ridge": lambda rows: T.train(rows),
    "logistic": _classifier("logistic"),
    "svm": _classifier("svm"),
}


def parents_of(
    reals: Sequence[Real], topic: re.Pattern[str], held_out: bool
) -> tuple[list[int], list[int], set[int]]:
    """(parents of training days, parents of test days, the parents the team likes). Held
    out: half of each kind of parent for the training days, the other half for the tests."""
    likes = [i for i, r in enumerate(reals) if r.about(topic)]
    others = [i for i, r in enumerate(reals) if not r.about(topic)]
    if held_out:
        return likes[::2] + others[::2], likes[1::2] + others[1::2], set(likes)
    return likes + others, likes + others, set(likes)


def static(reals: Sequence[Real], team: str, model: str, seed: int) -> dict[str, float]:
    """A model on fixed votes (no feedback loop): 1,200 papers from the training parents, a
    liked one up-voted with p=0.3, another down-voted with p=0.02; all 1,200 as background;
    600 new papers from the held-out parents scored. AUC and R-precision of the taste."""
    rng = random.Random(f"static-{seed}-{team}")
    writer = Writer(reals, seed)
    train_parents, test_parents, liked = parents_of(reals, TOPICS[team], True)
    seen = [(writer.paper(p, FIRST_DAY, 5), p in liked) for p in rng.choices(train_parents, k=1200)]
    signals = []
    for paper, mine in seen:
        if mine and rng.random() < 0.3:
            signals.append(T.Signal("a", paper, 1))
        elif not mine and rng.random() < 0.02:
            signals.append(T.Signal("a", paper, -1))
    test = [(writer.paper(p, FIRST_DAY, 5), p in liked) for p in rng.choices(test_parents, k=600)]
    t0 = time.perf_counter()
    taste = TRAINERS[model](T.examples(signals, [p for p, _ in seen]))
    learn = time.perf_counter() - t0
    assert taste is not None
    values = taste.scores(p for p, _ in test)
    order = [p.arxiv_id for p, _ in sorted(test, key=lambda t: -values[t[0].arxiv_id])]
    liked_ids = {p.arxiv_id for p, mine in test if mine}
    pos = [values[i] for i in liked_ids]
    neg = [values[p.arxiv_id] for p, mine in test if not mine]
    auc = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))
    return {"auc": auc, "r_precision": r_precision(order, liked_ids), "learn_ms": learn * 1000}


# ----------------------------------------------------------------------------- replay
@dataclass
class Replay:
    team: str
    held_out: bool
    weight: float = Weights().taste
    seed: int = 42


def replay(reals: Sequence[Real], cfg: Replay) -> dict[str, Any]:
    rng = random.Random(f"{cfg.seed}-{cfg.team}-{cfg.held_out}")
    writer = Writer(reals, cfg.seed)
    topic = TOPICS[cfg.team]
    train_parents, test_parents, liked_parent = parents_of(reals, topic, cfg.held_out)
    weights = Weights(taste=cfg.weight)
    signals: list[T.Signal] = []
    seen: list[Paper] = []
    taste: T.Taste | None = None
    votes = downvotes = replies = 0
    learn_s: list[float] = []
    for d in range(TRAIN_DAYS):
        day = FIRST_DAY + timedelta(days=d)
        parents = [rng.choice(train_parents) for _ in range(PER_DAY)]
        papers = [writer.paper(p, day, crowd_upvotes(rng, reals[p])) for p in parents]
        liked = {pp.arxiv_id for pp, p in zip(papers, parents, strict=True) if p in liked_parent}
        ranked = score_papers(
            papers, day=day, votes={}, weights=weights, taste=T.values(taste, papers)
        )
        shown = {s.paper.arxiv_id for s in ranked[:THREAD]}
        for m in range(MEMBERS):
            user = f"member{m}"
            for p in papers:
                mine = p.arxiv_id in liked
                if p.arxiv_id in shown:
                    if (mine and rng.random() < 0.35) or rng.random() < 0.02:
                        signals.append(T.Signal(user, p, 1))
                        votes += 1
                    elif not mine and rng.random() < 0.05:
                        signals.append(T.Signal(user, p, -1))
                        downvotes += 1
                    if mine and rng.random() < 0.1:
                        signals.append(T.Signal(user, p, 1, "discussion"))
                        replies += 1
                elif mine and rng.random() < 0.05:
                    signals.append(T.Signal(user, p, 1))
                    votes += 1
        seen += papers
        t0 = time.perf_counter()
        taste = T.train(T.examples(signals, seen[-2000:]))
        learn_s.append(time.perf_counter() - t0)
    blob = taste.to_bytes() if taste else b""
    taste = T.Taste.from_bytes(blob) if taste else None  # as a restarted bot would
    rows: dict[str, list[float]] = {k: [] for k in ("crowd", "taste", "taste_only")}
    ndcg: dict[str, list[float]] = {k: [] for k in rows}
    for d in range(TEST_DAYS):
        day = FIRST_DAY + timedelta(days=TRAIN_DAYS + d)
        parents = [rng.choice(test_parents) for _ in range(PER_DAY)]
        papers = [writer.paper(p, day, crowd_upvotes(rng, reals[p])) for p in parents]
        liked = {pp.arxiv_id for pp, p in zip(papers, parents, strict=True) if p in liked_parent}
        if not liked:
            continue
        values = T.values(taste, papers) or {}
        orders = {
            "crowd": [
                s.paper.arxiv_id for s in score_papers(papers, day=day, votes={}, weights=weights)
            ],
            "taste": [
                s.paper.arxiv_id
                for s in score_papers(papers, day=day, votes={}, weights=weights, taste=values)
            ],
            "taste_only": [
                p.arxiv_id for p in sorted(papers, key=lambda p: -values.get(p.arxiv_id, 0.0))
            ],
        }
        for k, order in orders.items():
            rows[k].append(r_precision(order, liked))
            ndcg[k].append(ndcg_at(order, liked))
    return {
        "team": cfg.team,
        "held_out": cfg.held_out,
        "seed": cfg.seed,
        "weight": cfg.weight,
        "votes_up": votes,
        "votes_down": downvotes,
        "replies": replies,
        "model_bytes": len(blob),
        "learn_ms_last": round(learn_s[-1] * 1000, 1),
        **{f"r_precision_{k}": round(statistics.fmean(v), 3) for k, v in rows.items()},
        **{f"ndcg10_{k}": round(statistics.fmean(v), 3) for k, v in ndcg.items()},
    }


# ----------------------------------------------------------------------------- timings
def _import_seconds() -> float:
    """What the first training in a process pays to import scikit-learn."""
    code = (
        "import time; t = time.perf_counter(); "
        "import sklearn.feature_extraction.text, sklearn.linear_model; "
        "print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def timings(reals: Sequence[Real], seed: int, repeats: int) -> dict[str, Any]:
    rng = random.Random(seed)
    writer = Writer(reals, seed)
    import_s = _import_seconds()
    day = FIRST_DAY
    pool = [writer.paper(rng.randrange(len(reals)), day, 10) for _ in range(5000)]
    background = [writer.paper(rng.randrange(len(reals)), day, 10) for _ in range(2000)]
    topic = TOPICS["vision"]
    likes = {p.arxiv_id for p in pool if topic.search(p.abstract.lower())}
    signals = []
    for m in range(20):
        for p in rng.sample(pool, 500):
            value = 1 if (p.arxiv_id in likes) == (rng.random() < 0.85) else -1
            signals.append(T.Signal(f"u{m}", p, value))
    learn = []
    taste = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        taste = T.train(T.examples(signals, background))
        learn.append(time.perf_counter() - t0)
    assert taste is not None
    blob = taste.to_bytes()
    new_day = [
        writer.paper(rng.randrange(len(reals)), day, rng.randint(0, 300)) for _ in range(500)
    ]
    weights = Weights()
    rank = []
    for _ in range(max(20, repeats)):
        t0 = time.perf_counter()
        values = taste.scores(new_day)
        score_papers(new_day, day=day, votes={}, weights=weights, taste=values)
        rank.append(time.perf_counter() - t0)
    base = []
    for _ in range(max(20, repeats)):
        t0 = time.perf_counter()
        score_papers(new_day, day=day, votes={}, weights=weights)
        base.append(time.perf_counter() - t0)
    load = []
    for _ in range(max(20, repeats)):
        t0 = time.perf_counter()
        T.Taste.from_bytes(blob)
        load.append(time.perf_counter() - t0)
    return {
        "votes": len(signals),
        "distinct_papers": len({s.paper.arxiv_id for s in signals}),
        "background": len(background),
        "terms": len(taste.terms),
        "model_bytes": len(blob),
        "sklearn_import_s": round(import_s, 3),
        "learn_10k": latency_stats(learn),
        "rank_500": latency_stats(rank),
        "rank_500_without_taste": latency_stats(base),
        "load_model": latency_stats(load),
    }


SEEDS = (1, 2, 3)
WEIGHTS = (1.0, 2.0, 3.0, 5.0, 8.0)


def _mean(runs: Sequence[dict[str, Any]], key: str) -> float:
    return round(statistics.fmean(r[key] for r in runs), 3)


def run(seed: int = 42, *, repeats: int = 5, seeds: Sequence[int] = SEEDS) -> dict[str, Any]:
    reals = real_papers()
    console.print(
        f"taste corpus: {len(reals)} real papers; "
        + ", ".join(
            f"{k}: {sum(r.about(p) for r in reals)} liked parents" for k, p in TOPICS.items()
        )
        + f"; seeds {list(seeds)}"
    )
    keys = [f"{m}_{k}" for m in ("r_precision", "ndcg10") for k in ("crowd", "taste", "taste_only")]
    keys += ["votes_up", "votes_down", "replies", "model_bytes", "learn_ms_last"]
    replays = []
    for team in TOPICS:
        for held in (True, False):
            runs = [replay(reals, Replay(team, held, seed=s)) for s in seeds]
            replays.append(
                {"team": team, "held_out": held, "runs": runs, **{k: _mean(runs, k) for k in keys}}
            )
    w = Weights().taste
    show(
        f"taste vs crowd order, {TEST_DAYS} test days after {TRAIN_DAYS} days of votes "
        f"(R-precision / nDCG@10, mean of {len(seeds)} seeds)",
        [
            "team",
            "test papers",
            "votes ▲/👎/💬",
            "crowd (HF)",
            f"with taste (w={w:g})",
            "taste only",
        ],
        [
            (
                r["team"],
                "new topics' papers" if r["held_out"] else "same topics",
                f"{r['votes_up']:.0f}/{r['votes_down']:.0f}/{r['replies']:.0f}",
                f"{r['r_precision_crowd']:.2f} / {r['ndcg10_crowd']:.2f}",
                f"{r['r_precision_taste']:.2f} / {r['ndcg10_taste']:.2f}",
                f"{r['r_precision_taste_only']:.2f} / {r['ndcg10_taste_only']:.2f}",
            )
            for r in replays
        ],
    )
    models = []
    for model in TRAINERS:
        for team in TOPICS:
            runs = [static(reals, team, model, s) for s in seeds]
            models.append(
                {
                    "model": model,
                    "team": team,
                    **{k: _mean(runs, k) for k in ("auc", "r_precision", "learn_ms")},
                }
            )
    show(
        "models on fixed votes, papers of held-out parents (mean of seeds)",
        ["model", "team", "AUC", "R-precision", "learn ms"],
        [(m["model"], m["team"], m["auc"], m["r_precision"], m["learn_ms"]) for m in models],
    )
    weights = []
    for weight in WEIGHTS:
        for team in TOPICS:
            runs = [replay(reals, Replay(team, True, weight=weight, seed=s)) for s in seeds[:2]]
            weights.append(
                {
                    "weight": weight,
                    "team": team,
                    "r_precision": _mean(runs, "r_precision_taste"),
                    "ndcg10": _mean(runs, "ndcg10_taste"),
                }
            )
    show(
        "taste weight (held-out parents; ranking's R-precision / nDCG@10)",
        ["weight", "team", "ranking"],
        [(r["weight"], r["team"], f"{r['r_precision']:.2f} / {r['ndcg10']:.2f}") for r in weights],
    )
    t = timings(reals, seed, repeats)
    show(
        "taste timings",
        ["figure", "target", "measured"],
        [
            (
                f"learn from {t['votes']:,} votes ({t['distinct_papers']:,} papers + "
                f"{t['background']:,} background), p50",
                "< 1 s",
                f"{t['learn_10k']['p50_ms']:.0f} ms",
            ),
            (
                "rank a day of 500 papers with a taste, p50",
                "< 50 ms",
                f"{t['rank_500']['p50_ms']:.1f} ms",
            ),
            (
                "  the same ranking without a taste, p50",
                "",
                f"{t['rank_500_without_taste']['p50_ms']:.1f} ms",
            ),
            ("load a stored model, p50", "", f"{t['load_model']['p50_ms']:.1f} ms"),
            ("stored model size", "", f"{t['model_bytes'] / 1024:.0f} KiB ({t['terms']:,} terms)"),
            (
                "scikit-learn import, once per process (a fresh interpreter)",
                "",
                f"{t['sklearn_import_s'] * 1000:.0f} ms",
            ),
        ],
    )
    return {
        "corpus": {
            "real_papers": len(reals),
            "per_day": PER_DAY,
            "train_days": TRAIN_DAYS,
            "test_days": TEST_DAYS,
            "members": MEMBERS,
            "thread": THREAD,
            "seeds": list(seeds),
            "default_weight": w,
        },
        "replays": replays,
        "models": models,
        "weights": weights,
        "timings": t,
    }
