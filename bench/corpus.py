"""Deterministic synthetic corpus of research papers, written through the store's upsert path.

Text comes from the word statistics of real abstracts (``../shared/seed/daily-papers-page.txt``
and ``../shared/fixtures/hf/*.json``; a small built-in text when ../shared is absent):

* abstracts and titles are chains of 1-5 token runs copied from random positions of the real
  token stream (an n-gram copying model: real unigram *and* bigram statistics, so phrases such
  as "large language models" keep their real frequency), with ~6 % of the tokens drawn from a
  synthetic Zipf long tail whose size grows with N (Heaps' law: a 1M corpus has a far larger
  vocabulary than 100 real abstracts);
* 1-30 authors (log-normal count, median 4) drawn with Zipf popularity from a name pool;
* arXiv categories (weighted primary + 0-3 cross-lists), dates over 10 years with a growing
  daily volume, inserted in date order (as a bot that ingests daily does);
* HF featuring for ~12 % of papers with long-tail upvotes, AI keywords, GitHub repos; every
  paper is also featured by ``arxiv`` on its announcement day.

Generated stores are cached in ``bench/corpus/`` keyed by N, seed and generator version.
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import itertools
import json
import math
import os
import queue
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.models import FeaturedOn, Paper, SourceBatch

GENERATOR_VERSION = 2
BENCH_DIR = Path(__file__).resolve().parent
CORPUS_DIR = BENCH_DIR / "corpus"
SHARED = BENCH_DIR.parent.parent / "shared"
END_DAY = date(2026, 9, 30)
YEARS = 10
TAIL_RATE = 0.06
LOCALITY = 0.75  # share of an abstract's runs taken from one window of real text
LOCAL_WINDOW = 400
MIN_BATCH = 200  # papers per upsert transaction when building a store (whole days)

_FALLBACK_TEXT = """
Large language models have shown remarkable capabilities across a wide range of natural
language processing tasks. However, their reasoning ability on complex multi-step problems
remains limited. In this paper, we propose a novel framework that leverages reinforcement
learning from human feedback to improve the alignment of pretrained transformers. We
introduce a diffusion model for high-resolution image generation and evaluate it on standard
benchmarks. Experimental results demonstrate that our method significantly outperforms
existing state-of-the-art approaches while reducing computational cost. Gaussian splatting
enables real-time novel view synthesis for 3D reconstruction of dynamic scenes. We present a
vision-language model trained on a large-scale multimodal dataset of image-text pairs.
Mixture of experts architectures scale model capacity with sparse activation. Our code and
data are publicly available. Retrieval-augmented generation grounds the answers of language
agents in external knowledge, and we study its robustness under distribution shift.
"""
_FALLBACK_TITLES = [
    "Scaling Laws for Sparse Mixture of Experts",
    "Efficient Diffusion Transformers for Video Generation",
    "Retrieval-Augmented Reasoning with Language Agents",
    "Real-Time Gaussian Splatting for Dynamic Scenes",
    "Aligning Vision-Language Models with Human Feedback",
]
_FIRST = [
    "Wei",
    "Yang",
    "Jun",
    "Li",
    "Xin",
    "Chen",
    "Yu",
    "Zhang",
    "Hao",
    "Wang",
    "Lei",
    "Liu",
    "Jian",
    "Zhao",
    "Ming",
    "Sun",
    "Anna",
    "Maria",
    "David",
    "Michael",
    "Sarah",
    "Daniel",
    "Laura",
    "Thomas",
    "Julia",
    "Pierre",
    "Sophie",
    "Luca",
    "Giulia",
    "Ahmed",
    "Fatima",
    "Omar",
    "Priya",
    "Rahul",
    "Ananya",
    "Kenji",
    "Yuki",
    "Hiroshi",
    "Min-jun",
    "Ji-woo",
    "Olga",
    "Ivan",
    "Dmitri",
    "Elena",
    "Carlos",
    "Ana",
    "Diego",
]
_LAST = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Luo",
    "Gao",
    "Smith",
    "Johnson",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Martin",
    "Bernard",
    "Dubois",
    "Rossi",
    "Russo",
    "Müller",
    "Schmidt",
    "Schneider",
    "Kumar",
    "Singh",
    "Sharma",
    "Patel",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Ivanov",
    "Petrov",
    "Silva",
    "Santos",
]
_FALLBACK_KEYWORDS = [
    "large language models",
    "diffusion models",
    "reinforcement learning",
    "gaussian splatting",
    "vision-language models",
    "mixture of experts",
    "retrieval-augmented generation",
    "chain-of-thought",
    "text-to-image",
    "instruction tuning",
]
# (category, weight): roughly arXiv cs/stat/eess volume in the HF-adjacent world.
CATEGORIES: tuple[tuple[str, float], ...] = (
    ("cs.CV", 22),
    ("cs.CL", 18),
    ("cs.LG", 20),
    ("cs.AI", 10),
    ("cs.RO", 4),
    ("cs.IR", 2),
    ("cs.SD", 1),
    ("cs.CR", 2),
    ("cs.SE", 2),
    ("cs.HC", 1.5),
    ("cs.NE", 1),
    ("cs.DC", 1),
    ("cs.MA", 0.5),
    ("cs.GR", 1),
    ("stat.ML", 4),
    ("eess.IV", 2),
    ("eess.AS", 1),
    ("eess.SP", 1),
    ("math.OC", 1),
    ("math.ST", 0.5),
    ("q-bio.QM", 0.5),
    ("physics.comp-ph", 0.5),
    ("quant-ph", 0.5),
    ("econ.GN", 0.2),
)
_WORD = re.compile(r"[A-Za-z][A-Za-z\-]+")
_SYLLABLES = [
    "ka",
    "ri",
    "to",
    "na",
    "mo",
    "le",
    "si",
    "pa",
    "ve",
    "lu",
    "qui",
    "zor",
    "tex",
    "bra",
    "gen",
    "fla",
    "mi",
    "co",
    "dri",
    "nu",
    "sta",
    "pho",
    "lex",
    "vor",
    "tri",
    "gal",
    "den",
    "rin",
    "sol",
    "ber",
    "mak",
    "tun",
]


# ----------------------------------------------------------------------------- source text
@dataclass
class SourceText:
    abstract_tokens: list[str]
    title_tokens: list[str]
    keywords: list[str]
    first_names: list[str]
    last_names: list[str]
    origin: str  # "shared" or "builtin"
    digest: str

    @property
    def content_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for tok in itertools.chain(self.abstract_tokens, self.title_tokens):
            for w in _WORD.findall(tok):
                counts[w.lower()] += 1
        return counts


def _seed_page_texts(text: str) -> tuple[list[str], list[str]]:
    """(titles, abstracts) of the Daily Papers page dump: an abstract is a long line; its
    title is the closest short line before it."""
    lines = [ln.strip() for ln in text.splitlines()]
    titles, abstracts = [], []
    for i, line in enumerate(lines):
        if len(line) > 300:
            abstracts.append(line)
            for j in range(i - 1, max(i - 4, -1), -1):
                if 15 < len(lines[j]) < 250:
                    titles.append(lines[j])
                    break
    return titles, abstracts


def load_source_text(shared: Path = SHARED) -> SourceText:
    titles: list[str] = []
    abstracts: list[str] = []
    keywords: list[str] = []
    names: list[str] = []
    page = shared / "seed" / "daily-papers-page.txt"
    raw_parts: list[bytes] = []
    if page.is_file():
        data = page.read_bytes()
        raw_parts.append(data)
        t, a = _seed_page_texts(data.decode("utf-8", "replace"))
        titles += t
        abstracts += a
    for path in sorted((shared / "fixtures" / "hf").glob("*.json")):
        data = path.read_bytes()
        try:
            items = json.loads(data)
        except ValueError:
            continue
        if not isinstance(items, list):
            continue
        raw_parts.append(data)
        for item in items:
            paper = item.get("paper") if isinstance(item, dict) else None
            if not isinstance(paper, dict):
                continue
            if isinstance(paper.get("title"), str):
                titles.append(" ".join(paper["title"].split()))
            if isinstance(paper.get("summary"), str):
                abstracts.append(" ".join(paper["summary"].split()))
            for kw in paper.get("ai_keywords") or []:
                if isinstance(kw, str) and kw.strip():
                    keywords.append(kw.strip())
            for author in paper.get("authors") or []:
                if isinstance(author, dict) and isinstance(author.get("name"), str):
                    names.append(author["name"].strip())
    origin = "shared"
    if len(abstracts) < 5:
        origin = "builtin"
        abstracts = [" ".join(_FALLBACK_TEXT.split())]
        titles = list(_FALLBACK_TITLES)
        raw_parts = [_FALLBACK_TEXT.encode()]
    first = sorted({n.split()[0] for n in names if len(n.split()) >= 2} | set(_FIRST))
    last = sorted({n.split()[-1] for n in names if len(n.split()) >= 2} | set(_LAST))
    kws = sorted(set(keywords)) or list(_FALLBACK_KEYWORDS)
    digest = hashlib.sha256(b"\0".join(raw_parts)).hexdigest()[:10]
    return SourceText(
        abstract_tokens=" ".join(abstracts).split(),
        title_tokens=" ".join(titles).split(),
        keywords=kws,
        first_names=first,
        last_names=last,
        origin=origin,
        digest=digest,
    )


def zipf_cum_weights(n: int, s: float, q: float = 2.7) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights 1/(rank+q)^s for ranks 1..n."""
    return list(itertools.accumulate(1.0 / (r + q) ** s for r in range(1, n + 1)))


def tail_words(count: int, seed: int) -> list[str]:
    """Deterministic pseudo-words (the long tail of a big corpus's vocabulary)."""
    rng = random.Random(f"tail-{seed}")
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


# ----------------------------------------------------------------------------- generator
@dataclass
class CorpusModel:
    """Everything the generator samples from; also used to build realistic queries."""

    n: int
    seed: int
    text: SourceText
    tail: list[str] = field(default_factory=list)
    tail_cw: list[float] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    authors_cw: list[float] = field(default_factory=list)
    keywords_cw: list[float] = field(default_factory=list)
    cats: list[str] = field(default_factory=list)
    cats_cw: list[float] = field(default_factory=list)

    @classmethod
    def build(cls, n: int, seed: int, text: SourceText | None = None) -> CorpusModel:
        text = text or load_source_text()
        model = cls(n=n, seed=seed, text=text)
        model.tail = tail_words(20_000 + n // 5, seed)
        model.tail_cw = zipf_cum_weights(len(model.tail), 1.05)
        rng = random.Random(f"authors-{seed}")
        pool = max(2_000, n // 2)
        firsts, lasts = text.first_names, text.last_names
        names: set[str] = set()
        authors: list[str] = []
        while len(authors) < pool:
            name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
            if rng.random() < 0.5 and len(names) >= len(firsts) * len(lasts) // 2:
                name += f" {rng.choice(_SYLLABLES).title()}{rng.choice(_SYLLABLES)}"
            if name not in names:
                names.add(name)
                authors.append(name)
        model.authors = authors
        model.authors_cw = zipf_cum_weights(pool, 0.9)
        model.keywords_cw = zipf_cum_weights(len(text.keywords), 0.8)
        model.cats = [c for c, _ in CATEGORIES]
        model.cats_cw = list(itertools.accumulate(w for _, w in CATEGORIES))
        return model

    # -- text
    def _runs(
        self, rng: random.Random, tokens: list[str], words: int, local: float = 0.0
    ) -> list[str]:
        # One random number per run (this loop is the generator's hot path): below TAIL_RATE
        # it picks a long-tail word; above it, the run's start and (fractional part) length.
        # With ``local`` > 0 that share of the runs comes from one window of LOCAL_WINDOW
        # real tokens (one real abstract, roughly): topical words cluster in a paper as they
        # do in real text instead of spreading evenly over every document.
        out: list[str] = []
        n_tok = len(tokens)
        tail, tail_cw = self.tail, self.tail_cw
        tail_total = tail_cw[-1]
        rnd, bis = rng.random, bisect.bisect
        base = rng.randrange(n_tok)
        span = 1.0 - TAIL_RATE
        while len(out) < words:
            r = rnd()
            if r < TAIL_RATE:
                out.append(tail[bis(tail_cw, r / TAIL_RATE * tail_total)])
                continue
            u = (r - TAIL_RATE) / span
            if u < local:
                x = u / local * LOCAL_WINDOW
                start = (base + int(x)) % n_tok
            else:
                x = (u - local) / (1.0 - local) * n_tok
                start = int(x)
            out.extend(tokens[start : start + 1 + int((x - int(x)) * 5)])
        return out[:words]

    def abstract(self, rng: random.Random) -> str:
        words = max(40, min(350, int(rng.gauss(165, 50))))
        toks = self._runs(rng, self.text.abstract_tokens, words, LOCALITY)
        text = " ".join(toks)
        return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")

    def title(self, rng: random.Random) -> str:
        words = rng.randint(5, 13)
        toks = self._runs(rng, self.text.title_tokens, words)
        title = " ".join(t.strip(":.,;") or t for t in toks)
        if rng.random() < 0.35:
            acro = "".join(w[:1].upper() for w in toks[:4] if w[:1].isalpha()) or "X"
            acro += rng.choice(("", "Net", "-2", "Bench", "GPT", "Former", "Diff", ""))
            title = f"{acro}: {title}"
        return title[:1].upper() + title[1:]

    def paper_authors(self, rng: random.Random) -> tuple[str, ...]:
        k = max(1, min(30, round(rng.lognormvariate(1.4, 0.6))))
        picked = rng.choices(self.authors, cum_weights=self.authors_cw, k=k)
        return tuple(dict.fromkeys(picked))

    def categories(self, rng: random.Random) -> tuple[str, ...]:
        k = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
        return tuple(dict.fromkeys(rng.choices(self.cats, cum_weights=self.cats_cw, k=k)))

    def ai_keywords(self, rng: random.Random) -> tuple[str, ...]:
        k = rng.randint(3, 8)
        kws = rng.choices(self.text.keywords, cum_weights=self.keywords_cw, k=k)
        return tuple(dict.fromkeys(kws))


def day_counts(n: int, end: date = END_DAY, years: int = YEARS) -> list[tuple[date, int]]:
    """N papers spread over ``years`` up to ``end``, volume growing 4x over the period
    (largest-remainder rounding, so the counts add up to exactly N)."""
    days = years * 365 + years // 4
    start = end - timedelta(days=days - 1)
    weights = [1.0 + 3.0 * i / (days - 1) for i in range(days)]
    total = sum(weights)
    exact = [n * w / total for w in weights]
    counts = [math.floor(x) for x in exact]
    short = n - sum(counts)
    order = sorted(range(days), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[:short]:
        counts[i] += 1
    return [(start + timedelta(days=i), c) for i, c in enumerate(counts)]


def generate_papers(
    n: int, seed: int = 42, model: CorpusModel | None = None
) -> Iterator[tuple[date, list[Paper], list[FeaturedOn]]]:
    """Yield (day, papers, featured) for every day of the corpus, in date order."""
    model = model or CorpusModel.build(n, seed)
    rng = random.Random(f"papers-{n}-{seed}")
    month_seq: Counter[tuple[int, int]] = Counter()
    for day, count in day_counts(n):
        papers: list[Paper] = []
        featured: list[FeaturedOn] = []
        hf_rank = 0
        for i in range(count):
            month_seq[(day.year, day.month)] += 1
            seq = month_seq[(day.year, day.month)]
            arxiv_id = f"{day.year % 100:02d}{day.month:02d}.{seq:05d}"
            published = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
                seconds=rng.randrange(86_400)
            )
            hf = rng.random() < 0.12
            upvotes = comments = stars = None
            keywords: tuple[str, ...] = ()
            summary = github = thumb = None
            if hf:
                upvotes = min(5_000, int((rng.paretovariate(1.1) - 1.0) * 8))
                comments = int(rng.expovariate(0.7))
                keywords = model.ai_keywords(rng)
                summary = " ".join(model._runs(rng, model.text.abstract_tokens, 25)) + "."
                thumb = (
                    f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png"
                )
                if rng.random() < 0.4:
                    github = f"https://github.com/{rng.choice(model.authors).split()[-1].lower()}/{arxiv_id.replace('.', '-')}"
                    stars = int((rng.paretovariate(0.9) - 1.0) * 20)
            papers.append(
                Paper(
                    arxiv_id=arxiv_id,
                    title=model.title(rng),
                    abstract=model.abstract(rng),
                    authors=model.paper_authors(rng),
                    categories=model.categories(rng),
                    published_at=published,
                    version=rng.choices((1, 2, 3), weights=(70, 22, 8))[0],
                    hf_upvotes=upvotes,
                    hf_comments=comments,
                    github_repo=github,
                    github_stars=stars,
                    ai_summary=summary,
                    ai_keywords=keywords,
                    thumbnail=thumb,
                )
            )
            featured.append(FeaturedOn(day, arxiv_id, "arxiv", i + 1))
            if hf:
                hf_rank += 1
                featured.append(FeaturedOn(day + timedelta(days=1), arxiv_id, "hf", hf_rank))
        yield day, papers, featured


def iter_batches(
    n: int, seed: int = 42, *, min_batch: int = MIN_BATCH, model: CorpusModel | None = None
) -> Iterator[SourceBatch]:
    """Whole days grouped until a batch holds at least ``min_batch`` papers."""
    papers: list[Paper] = []
    featured: list[FeaturedOn] = []
    for _, day_papers, day_featured in generate_papers(n, seed, model):
        papers += day_papers
        featured += day_featured
        if len(papers) >= min_batch:
            yield SourceBatch(papers=tuple(papers), featured=tuple(featured), source="bench")
            papers, featured = [], []
    if papers:
        yield SourceBatch(papers=tuple(papers), featured=tuple(featured), source="bench")


def new_day_batch(model: CorpusModel, day: date, count: int = 500, seed: int = 7) -> SourceBatch:
    """``count`` new papers featured on ``day`` (ids 9xxx.* never collide with the corpus)."""
    rng = random.Random(f"newday-{seed}")
    papers, featured = [], []
    for i in range(count):
        arxiv_id = f"99{day.month:02d}.{i + 1:05d}"
        papers.append(
            Paper(
                arxiv_id=arxiv_id,
                title=model.title(rng),
                abstract=model.abstract(rng),
                authors=model.paper_authors(rng),
                categories=model.categories(rng),
                published_at=datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
                version=1,
                hf_upvotes=min(5_000, int((rng.paretovariate(1.1) - 1.0) * 8)),
                ai_keywords=model.ai_keywords(rng),
            )
        )
        featured.append(FeaturedOn(day, arxiv_id, "hf", i + 1))
    return SourceBatch(papers=tuple(papers), featured=tuple(featured), source="hf")


# ----------------------------------------------------------------------------- HF-style JSON
def hf_item(p: Paper, day: date, rank: int) -> dict[str, Any]:
    """A Paper as one ``/api/daily_papers`` item (era D shape)."""
    pub = p.published_at.strftime("%Y-%m-%dT%H:%M:%S.000Z") if p.published_at else None
    oid = hashlib.md5(p.arxiv_id.encode()).hexdigest()[:24]
    paper: dict[str, Any] = {
        "id": p.arxiv_id,
        "authors": [
            {"_id": f"{oid[:20]}{i:04x}", "name": a, "hidden": False}
            for i, a in enumerate(p.authors)
        ],
        "publishedAt": pub,
        "submittedOnDailyAt": f"{day.isoformat()}T00:00:00.000Z",
        "title": p.title,
        "summary": p.abstract,
        "upvotes": p.hf_upvotes or 0,
        "discussionId": oid,
        "ai_summary": p.ai_summary,
        "ai_keywords": list(p.ai_keywords),
    }
    if p.github_repo:
        paper["githubRepo"] = p.github_repo
        paper["githubStars"] = p.github_stars or 0
    return {
        "paper": paper,
        "publishedAt": pub,
        "title": p.title,
        "summary": p.abstract,
        "thumbnail": p.thumbnail
        or f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{p.arxiv_id}.png",
        "numComments": p.hf_comments or 0,
        "isAuthorParticipating": False,
    }


def hf_json_files(
    n: int, seed: int = 42, per_file: int = 100, model: CorpusModel | None = None
) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of HF daily_papers captures holding the first ``n`` corpus papers."""
    items: list[dict[str, Any]] = []
    first_day: date | None = None
    for day, papers, _ in generate_papers(n, seed, model):
        for p in papers:
            first_day = first_day or day
            items.append(hf_item(p, day, len(items) + 1))
            if len(items) == per_file:
                yield f"daily_papers_{first_day.isoformat()}.json", json.dumps(items).encode()
                items, first_day = [], None
    if items and first_day:
        yield f"daily_papers_{first_day.isoformat()}.json", json.dumps(items).encode()


# ----------------------------------------------------------------------------- cached stores
def prefetch(items: Iterator[SourceBatch], depth: int = 4) -> Iterator[SourceBatch]:
    """Run a generator in a thread so text generation overlaps SQLite's work (2 cores)."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    done = object()

    def produce() -> None:
        try:
            for item in items:
                q.put(item)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)
        finally:
            q.put(done)

    threading.Thread(target=produce, name="corpus-producer", daemon=True).start()
    while True:
        item = q.get()
        if item is done:
            return
        if isinstance(item, BaseException):
            raise item
        assert isinstance(item, SourceBatch)
        yield item


def corpus_path(n: int, seed: int, text: SourceText | None = None) -> Path:
    text = text or load_source_text()
    return CORPUS_DIR / f"papers-n{n}-s{seed}-v{GENERATOR_VERSION}-{text.digest}.db"


async def write_store(path: Path, batches: Sequence[SourceBatch] | Iterator[SourceBatch]) -> int:
    """Write batches into a fresh store at ``path`` through SqlitePaperRepo.upsert."""
    from bot.clock import SystemClock
    from storage.db import Database
    from storage.papers import SqlitePaperRepo

    db = await Database.open(path)
    try:
        repo = SqlitePaperRepo(db, SystemClock())
        total = 0
        for batch in batches:
            total += await repo.upsert(batch)
        await db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return total
    finally:
        await db.close()


def ensure_corpus(n: int, seed: int = 42, *, log: Any = print) -> tuple[Path, dict[str, Any]]:
    """Path of the cached store for (n, seed), building it first if needed; and its meta."""
    text = load_source_text()
    path = corpus_path(n, seed, text)
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        meta["cached"] = True
        return path, meta
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    log(f"building corpus N={n:,} seed={seed} -> {path.name} (source text: {text.origin})")
    started = time.perf_counter()
    model = CorpusModel.build(n, seed, text)
    stored = asyncio.run(write_store(tmp, prefetch(iter_batches(n, seed, model=model))))
    elapsed = time.perf_counter() - started
    os.replace(tmp, path)
    meta = {
        "n": n,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "source_text": text.origin,
        "source_digest": text.digest,
        "papers": stored,
        "build_seconds": round(elapsed, 1),
        "build_papers_per_s": round(stored / elapsed),
        "bytes": path.stat().st_size,
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    log(
        f"built N={n:,} in {elapsed:.1f}s ({stored / elapsed:,.0f} papers/s, {meta['bytes'] / 1e6:.0f} MB)"
    )
    meta["cached"] = False
    return path, meta


def weighted_pick(rng: random.Random, items: Sequence[str], cum: Sequence[float]) -> str:
    return items[bisect.bisect(cum, rng.random() * cum[-1])]
