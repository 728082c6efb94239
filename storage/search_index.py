"""The search index: tantivy (Rust, through its official Python bindings) beside the SQLite
file, ``<database>.search/``. SQLite stays the source of truth; this index is derived from the
papers table and can be deleted at any time (it is rebuilt on the next start).

Why not FTS5 alone: FTS5's bm25 walks the whole doclist of every query word to count its
documents, so at 1M papers a common word costs 30–100 ms before any ranking (bare FTS5 bm25:
p50 87 ms, p99 581 ms on the bench mix). tantivy keeps document frequencies in its term
dictionary and ranks with block-max WAND: bm25 for every query at a few milliseconds (see
bench/results/ and the README's Performance section).

Keeping it in step with SQLite:

* every ``SqlitePaperRepo.upsert`` re-indexes the papers of its batch after the SQLite commit
  (rows re-read, so the merged text is what gets indexed) and records the batch's stamp;
* on open, papers whose ``updated_at`` is at or after the recorded stamp are indexed again
  (a crash between the two commits loses nothing); a missing, unreadable or older-format
  index is rebuilt from SQLite (1M papers: about a minute, on a worker thread; searches use
  FTS5 meanwhile);
* the writer lock is taken per batch and released, so ``paperherald import`` in another
  process and the running bot can both write; a reader in either sees the other's commits.

Every query is bounded before it runs: its cost is estimated from the document frequencies
of its terms (the postings it would walk) and refused past a budget (storage.search_query).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import tantivy

from bot.query import ParsedQuery
from storage.search_pairs import GAP, PAIRS, PairMaker
from storage.search_query import PAIRED, TEXT_FIELDS, compile_query

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the schema or the analyzer changes: older indexes are rebuilt
ANALYZER = "ph"
PAIR_ANALYZER = "ph_pairs"  # the pairs fields: pairs already made, space-separated
WRITER_HEAP = 64_000_000
REBUILD_HEAP = 256_000_000
REBUILD_CHUNK = 5_000
LOCK_WAIT_S = 10.0
LOCK_NAME = "paperherald.lock"  # flock across processes; survives a rebuild of the files
TIE_FETCH_CAP = 2_000

_ROW_SQL = (
    "SELECT id, title, authors, abstract, keywords, categories, published_at, "
    "coalesce(hf_upvotes, 0) FROM papers"
)


def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


def _schema() -> tantivy.Schema:
    b = tantivy.SchemaBuilder()
    b.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        b.add_text_field(name, tokenizer_name=ANALYZER, index_option="position")
    for name in PAIRED:
        b.add_text_field(name + PAIRS, tokenizer_name=PAIR_ANALYZER, index_option="position")
    b.add_text_field("categories", tokenizer_name="raw", index_option="basic")
    b.add_integer_field("published", indexed=True, fast=True)  # YYYYMMDD, 0 when unknown
    b.add_integer_field("upvotes", indexed=True, fast=True)
    return b.build()


def _day_number(stamp: str | None) -> int:
    if not stamp or len(stamp) < 10:
        return 0
    try:
        return int(stamp[0:4] + stamp[5:7] + stamp[8:10])
    except ValueError:
        return 0


def _text_list(raw: str) -> str:
    try:
        items = json.loads(raw)
    except ValueError:
        return raw
    return " ".join(str(i) for i in items) if isinstance(items, list) else raw


def _document(row: Sequence[Any], pairs: PairMaker) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_integer("id", int(row[0]))
    texts = {
        "title": row[1] or "",
        "authors": _text_list(row[2] or "[]"),
        "abstract": row[3] or "",
        "keywords": _text_list(row[4] or "[]"),
    }
    for name, text in texts.items():
        doc.add_text(name, text)
    for name in PAIRED:
        doc.add_text(name + PAIRS, pairs.pairs_text(texts[name]))
    try:
        cats = json.loads(row[5] or "[]")
    except ValueError:
        cats = []
    for cat in cats if isinstance(cats, list) else []:
        doc.add_text("categories", str(cat))
    doc.add_integer("published", _day_number(row[6]))
    doc.add_integer("upvotes", int(row[7] or 0))
    return doc


class SearchIndex:
    """A tantivy index of the papers table. Methods are blocking: call them on a thread."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory  # None: in memory (a ":memory:" database)
        self.schema = _schema()
        self._analyzer = _analyzer()
        self._pairs = PairMaker(self._analyzer.analyze)
        self._write = threading.Lock()
        self.index = self._open()

    # ------------------------------------------------------------------ files
    def _meta_path(self) -> Path | None:
        return self.directory / "paperherald.json" if self.directory else None

    def _read_meta(self) -> dict[str, Any]:
        path = self._meta_path()
        if path is None or not path.is_file():
            return {}
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _write_meta(self, meta: dict[str, Any]) -> None:
        path = self._meta_path()
        if path is None:
            return
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(meta))
        tmp.replace(path)

    @contextlib.contextmanager
    def _files_lock(self) -> Iterator[None]:
        """Across processes: one at a time creates the index or writes its meta file."""
        if self.directory is None:
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(str(self.directory / LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _clear_files(self) -> None:
        """Remove the index's files, never the lock file: another process may be waiting on
        it, and a new lock file would let it in while this one still builds."""
        assert self.directory is not None
        for child in self.directory.iterdir():
            if child.is_file() and child.name != LOCK_NAME:
                child.unlink()

    def _open(self) -> tantivy.Index:
        with self._files_lock():
            return self._open_locked()

    def _open_locked(self) -> tantivy.Index:
        if self.directory is None:
            index = tantivy.Index(self.schema)
        else:
            self.directory.mkdir(parents=True, exist_ok=True)
            meta = self._read_meta()
            fresh = meta.get("format") != FORMAT
            if fresh:
                self._clear_files()
            try:
                index = tantivy.Index(self.schema, path=str(self.directory), reuse=not fresh)
            except ValueError:
                self._clear_files()
                index = tantivy.Index(self.schema, path=str(self.directory), reuse=False)
                fresh = True
            if fresh:
                self._write_meta({"format": FORMAT, "synced": None})
        index.register_tokenizer(ANALYZER, self._analyzer)
        index.register_tokenizer(
            PAIR_ANALYZER,
            tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
            .filter(tantivy.Filter.custom_stopword([GAP]))  # dropped; positions stay aligned
            .build(),
        )
        return index

    # ------------------------------------------------------------------ writing
    def _writer(self, heap: int) -> tantivy.IndexWriter:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                return self.index.writer(heap_size=heap, num_threads=1)
            except ValueError:  # LockBusy: another process is writing
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.02)

    def put(self, rows: Iterable[Sequence[Any]], synced: str | None = None) -> int:
        """Index (or re-index) these papers rows, one commit; record ``synced`` if given."""
        with self._write:
            writer = self._writer(WRITER_HEAP)
            n = 0
            for row in rows:
                writer.delete_documents_by_term("id", int(row[0]))
                writer.add_document(_document(row, self._pairs))
                n += 1
            writer.commit()
            writer.wait_merging_threads()
            if synced is not None:
                with self._files_lock():
                    meta = self._read_meta()
                    if not meta.get("synced") or str(meta["synced"]) < synced:
                        self._write_meta({"format": FORMAT, "synced": synced})
            self.index.reload()
            return n

    def sync(self, conn: sqlite3.Connection) -> int:
        """Bring the index up to date with SQLite: papers updated since the recorded stamp, or
        everything when the index is new. Returns how many papers were indexed."""
        meta = self._read_meta()
        since = meta.get("synced")
        count = self.index.searcher().num_docs
        papers = int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])
        if since and count <= papers:
            # In step but for what was written since the stamp (a crash between the SQLite
            # commit and the index's, or a busy writer lock): index that again.
            rows = conn.execute(_ROW_SQL + " WHERE updated_at >= ?", (since,))
            n = self.put(rows)
            if self.index.searcher().num_docs >= papers:
                return n
        top = conn.execute("SELECT max(updated_at) FROM papers").fetchone()[0]
        with self._write:
            writer = self._writer(REBUILD_HEAP)
            writer.delete_all_documents()
            n = 0
            cur = conn.execute(_ROW_SQL)
            while chunk := cur.fetchmany(REBUILD_CHUNK):
                for row in chunk:
                    writer.add_document(_document(row, self._pairs))
                n += len(chunk)
            writer.commit()
            writer.wait_merging_threads()
            with self._files_lock():
                self._write_meta({"format": FORMAT, "synced": top})
            self.index.reload()
        return n

    # ------------------------------------------------------------------ reading
    def tokens(self, text: str) -> list[str]:
        return [str(t) for t in self._analyzer.analyze(text)]

    def compile(self, searcher: tantivy.Searcher, query: ParsedQuery) -> tantivy.Query:
        """The tantivy query for ``query``; raises QueryTooBroad (storage.search_query)."""
        return compile_query(self.schema, self.tokens, self._pairs.common_phrase, searcher, query)

    def search(
        self, query: ParsedQuery, *, limit: int, offset: int, count_cap: int
    ) -> tuple[list[tuple[int, float]], int]:
        """([(papers.id, bm25 score)], total capped at count_cap + 1), best first; ties
        newest first."""
        searcher = self.index.searcher()
        compiled = self.compile(searcher, query)
        need = offset + limit
        # Ties order newest first, and tantivy keeps an arbitrary few of tied documents at
        # the edge of its top-k: ask for more until the edge is past the tie (bounded).
        fetch = need + 8
        while True:
            result = searcher.search(compiled, limit=fetch, count=True)
            hits = result.hits
            if len(hits) < fetch or fetch >= TIE_FETCH_CAP or need == 0:
                break
            edge = round(hits[min(need, len(hits)) - 1][0], 6)
            if round(hits[-1][0], 6) != edge:
                break
            fetch = min(fetch * 4, TIE_FETCH_CAP)
        ids = searcher.fast_field_values("id", [addr for _, addr in hits]) if hits else []
        ranked = sorted(
            ((int(i or 0), float(score)) for (score, _), i in zip(hits, ids, strict=True)),
            key=lambda x: (-round(x[1], 6), -x[0]),
        )
        count: Any = getattr(result, "count", 0)
        total = min(int(count or 0), count_cap + 1)
        return ranked[offset:need], total
