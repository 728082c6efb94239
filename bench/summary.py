"""bench/results/SUMMARY.md from every results file present (quick and full runs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.common import RESULTS

Doc = dict[str, Any]
# (figure, target, measured as shown, target met (None: not a target at this N), source doc)
Row = tuple[str, str, str, bool | None, Doc]


def _load() -> dict[str, Doc]:
    docs = {}
    for path in sorted(RESULTS.glob("*-*.json")):
        try:
            docs[path.stem] = json.loads(path.read_text())
        except ValueError:
            continue
    return docs


def _machine(doc: Doc) -> str:
    m = doc["machine"]
    git = ""
    if m.get("git_head"):
        dirty = m.get("git_dirty_core_files") or []
        git = f", git {m['git_head']}" + ("+dirty" if dirty else "")
    return (
        f"{m['cpu_count']} CPU, Py {m['python']}, SQLite {m['sqlite']}, "
        f"load {m['loadavg_1m_at_start']}{git} ({doc['mode']}, {doc['finished_at'][11:16]} UTC "
        f"{doc['finished_at'][:10]})"
    )


def _check(value: float | None, limit: float, higher_is_better: bool = False) -> bool | None:
    if value is None:
        return None
    return value >= limit if higher_is_better else value <= limit


def rows(docs: dict[str, Doc]) -> list[Row]:
    out: list[Row] = []

    def add(
        figure: str, target: str, value: float | None, unit: str, ok: bool | None, doc: Doc
    ) -> None:
        shown = "—" if value is None else f"{value:,.1f} {unit}".strip()
        out.append((figure, target, shown, ok, doc))

    def at(
        figure: str,
        target: str,
        applies: bool,
        value: float | None,
        unit: str,
        limit: float,
        doc: Doc,
        higher_is_better: bool = False,
    ) -> None:
        """A row whose target holds at one N only: elsewhere it is shown in parentheses."""
        ok = _check(value, limit, higher_is_better) if applies else None
        add(figure, target if applies else f"({target})", value, unit, ok, doc)

    for mode in ("full", "quick"):
        doc = docs.get(f"search-{mode}")
        if not doc:
            continue
        for run in doc["runs"]:
            n = run["n"]
            e = run["engine"]
            tgt = n >= 1_000_000
            at(
                f"search p50, N={n:,}",
                "≤ 5 ms at 1M",
                tgt,
                e["p50_ms"],
                "ms",
                5,
                doc,
            )
            at(
                f"search p99, N={n:,}",
                "≤ 25 ms at 1M",
                tgt,
                e["p99_ms"],
                "ms",
                25,
                doc,
            )
            scan = run.get("plain_scan")
            if scan:
                tgt = n == 100_000
                at(
                    f"search vs plain scan, N={n:,} (p50 ratio; mean ratio {scan['ratio_mean']}×)",
                    "≥ 100× at 100k",
                    tgt,
                    scan["ratio_p50"],
                    "×",
                    100,
                    doc,
                    higher_is_better=True,
                )
    for key in sorted(k for k in docs if k.startswith("search-plans-n")):
        doc = docs[key]
        n, plans, kinds = doc["n"], doc["plans"], doc["by_kind"]
        t, ref = plans["tantivy"], plans["fts5_bm25"]
        tgt = n >= 1_000_000
        same = f"same {doc['queries']} queries interleaved, bare FTS5 bm25"
        at(
            f"search (bench.compare) p50, N={n:,} ({same}: {ref['p50_ms']:,.1f} ms)",
            "≤ 5 ms at 1M",
            tgt,
            t["p50_ms"],
            "ms",
            5,
            doc,
        )
        at(
            f"search (bench.compare) p99, N={n:,} ({same}: {ref['p99_ms']:,.1f} ms)",
            "≤ 25 ms at 1M",
            tgt,
            t["p99_ms"],
            "ms",
            25,
            doc,
        )
        words = kinds.get("tantivy/words")
        if words:
            at(
                f"search p99, plain words only ({words['n']} queries), N={n:,}",
                "≤ 25 ms at 1M",
                tgt,
                words["p99_ms"],
                "ms",
                25,
                doc,
            )
        crafted = doc.get("crafted")
        if crafted:
            for path, c in crafted.items():
                at(
                    f"crafted query (72 ORed 2-letter prefixes), {path}, N={n:,}: work before "
                    f"'too broad' (refused: {c['refused']}; a plain search beside it "
                    f"{c['beside_ms']:,.1f} ms)",
                    "≤ 250 ms at 50k",
                    n == 50_000,
                    c["ms"],
                    "ms",
                    250,
                    doc,
                )
    for mode in ("full", "quick"):
        doc = docs.get(f"ingest-{mode}")
        if not doc:
            continue
        n = doc["n"]
        for key, label in (("import_path", "import path"), ("upsert_path", "upsert path")):
            f = doc[key]
            add(
                f"ingest {label}, N={n:,} ({f['papers_per_cpu_s']:,} papers/CPU-s)",
                "≥ 10,000 papers/s",
                f["papers_per_s"],
                "papers/s",
                _check(f["papers_per_s"], 10_000, True),
                doc,
            )
    for mode in ("full", "quick"):
        doc = docs.get(f"fanout-{mode}")
        if not doc:
            continue
        for run in doc["runs"]:
            s = run["subscriptions"]
            tgt = s >= 100_000
            at(
                f"fan-out matching, {s:,} subs × {doc['new_papers']} papers",
                "≤ 5 s at 100k",
                tgt,
                run["matching_total_s"],
                "s",
                5,
                doc,
            )
            timed_out = run.get("notify_timed_out")
            add(
                f"fan-out notify incl. {run['dms_sent']:,} DMs, {s:,} subs"
                + (" (timed out)" if timed_out else ""),
                "≤ 5 s at 100k" if tgt else "(≤ 5 s at 100k)",
                run["notify_s"],
                "s",
                (False if timed_out else _check(run["notify_s"], 5)) if tgt else None,
                doc,
            )
    for mode in ("full", "quick"):
        doc = docs.get(f"feeds-{mode}")
        if not doc:
            continue
        r = doc["run"]
        add(
            f"{r['feeds']:,} feeds due at once, Discord limits: virtual completion / rate-limit "
            f"floor = {r['ratio']:.2f} ({r['virtual_s']:,} s / {r['floor_s']:,} s, "
            f"{r['requests']:,} requests; "
            f"per feed {r['cpu_ms_per_feed']} ms CPU, {r['db_calls_per_feed']} DB calls; "
            f"{r['threads_posted']:,} threads, {r['held_by_platform']} requests over a limit)",
            "≤ 1.1×",
            r["ratio"],
            "×",
            _check(r["ratio"], 1.1) and r["threads_posted"] == r["feeds"],
            doc,
        )
    for mode in ("full", "quick"):
        doc = docs.get(f"commands-{mode}")
        if not doc:
            continue
        e, c = doc["engine_all"], doc["console_sequential"]
        add(f"200 concurrent commands p50, N={doc['n']:,}", "—", e["p50_ms"], "ms", None, doc)
        add(
            f"200 concurrent commands p99 (max {e['max_ms']:,.0f} ms), N={doc['n']:,}",
            "≤ 1,000 ms; max < 3 s",
            e["p99_ms"],
            "ms",
            _check(e["p99_ms"], 1000) and e["max_ms"] < 3000,
            doc,
        )
        add(
            f"console run_console p99, lines in turn (p50 {c['p50_ms']:.1f} ms), N={doc['n']:,}",
            "—",
            c["p99_ms"],
            "ms",
            None,
            doc,
        )
        p = doc.get("paced")
        if p:
            add(
                f"commands arriving at {doc['paced_rate_per_s']:.0f}/s p99 "
                f"(p50 {p['p50_ms']:.1f} ms), N={doc['n']:,}",
                "≤ 250 ms",
                p["p99_ms"],
                "ms",
                _check(p["p99_ms"], 250),
                doc,
            )
    for mode in ("full", "quick"):
        doc = docs.get(f"memory-{mode}")
        if not doc:
            continue
        tgt = doc["n"] >= 1_000_000
        files, own = doc.get("driver_rss_file_mb_end"), doc.get("driver_rss_anon_mb_end")
        split = f" (at the end: {files} MiB mapped files, {own} MiB own)" if files else ""
        at(
            f"peak RSS serving searches, N={doc['n']:,}{split}",
            "≤ 200 MB at 1M",
            tgt,
            doc["peak_rss_mb"],
            "MiB",
            200,
            doc,
        )
    for mode in ("full", "quick"):
        doc = docs.get(f"taste-{mode}")
        if not doc:
            continue
        for r in doc["replays"]:
            if not r["held_out"]:
                continue
            add(
                f"taste vs crowd order, {r['team']} team, new papers: R-precision "
                f"(crowd {r['r_precision_crowd']:.0%}; nDCG@10 {r['ndcg10_taste']:.0%} "
                f"vs crowd {r['ndcg10_crowd']:.0%})",
                "> crowd",
                r["r_precision_taste"] * 100,
                "%",
                r["r_precision_taste"] > r["r_precision_crowd"]
                and r["ndcg10_taste"] > r["ndcg10_crowd"],
                doc,
            )
        t = doc["timings"]
        add(
            f"taste: learn from {t['votes']:,} votes, p50",
            "< 1,000 ms",
            t["learn_10k"]["p50_ms"],
            "ms",
            _check(t["learn_10k"]["p50_ms"], 1000),
            doc,
        )
        add(
            "taste: rank a day of 500 papers, p50",
            "< 50 ms",
            t["rank_500"]["p50_ms"],
            "ms",
            _check(t["rank_500"]["p50_ms"], 50),
            doc,
        )
    return out


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def write(path: Path | None = None) -> Path:
    path = path or RESULTS / "SUMMARY.md"
    docs = _load()
    lines = [
        "# Benchmark summary",
        "",
        "Generated by `python -m bench` from the JSON files in this folder; targets in "
        "parentheses apply at another N and are shown for context.",
        "",
        "| figure | target | measured | met | machine |",
        "| --- | --- | --- | --- | --- |",
    ]
    for figure, target, shown, ok, doc in rows(docs):
        lines.append(f"| {figure} | {target} | {shown} | {_mark(ok)} | {_machine(doc)} |")
    lines += _experiments(docs)
    path.write_text("\n".join(lines) + "\n")
    return path


def _experiments(docs: dict[str, Doc]) -> list[str]:
    """Candidate fixes (bench/experiments.py: monkeypatched, nothing outside bench/ changed)."""
    out: list[str] = []
    for mode in ("full", "quick"):
        doc = docs.get(f"experiments-{mode}")
        if not doc:
            continue
        out += [
            "",
            f"## Candidate fixes, measured by monkeypatching ({_machine(doc)})",
            "",
            "| change | N / size | p50 or rate | p99 | note |",
            "| --- | --- | --- | --- | --- |",
        ]
        for n, run in doc.get("search", {}).items():
            for name, st in run["variants"].items():
                out.append(
                    f"| search `{name}` | N={int(n):,} ({run['queries']} q) | {st['p50_ms']} ms "
                    f"| {st['p99_ms']} ms | same top-10 set as current: "
                    f"{st['same_top10_as_current']} |"
                )
        cmd = doc.get("commands")
        if cmd:
            for label, st in (
                ("200 at once", cmd["engine_all"]),
                (f"{cmd['paced_rate_per_s']:.0f}/s arrivals", cmd["paced"]),
            ):
                out.append(
                    f"| commands, search `two_phase+filter_index+cap2k` | N={cmd['n']:,}, "
                    f"{label} | {st['p50_ms']} ms | {st['p99_ms']} ms | search + upvote |"
                )
        for subs, run in doc.get("fanout", {}).items():
            for name in ("current", "mem_fts"):
                if name in run:
                    r = run[name]
                    note = f"{r['pairs']:,} matches"
                    if "same_matches" in run:
                        note += f"; same matches as current: {run['same_matches']}"
                    out.append(
                        f"| match_many `{name}` | {int(subs):,} subs × 500 | "
                        f"{r['match_many_s']} s | — | {note} |"
                    )
        for subs, run in doc.get("notify", {}).items():
            for name, r in run.items():
                shown = f"> {r['notify_s']} s (timeout)" if r["timed_out"] else f"{r['notify_s']} s"
                out.append(
                    f"| Notifier.notify `{name}` | {int(subs):,} subs × 500 | {shown} | — | "
                    f"{r['dms_sent']:,} DMs to a no-op adapter |"
                )
        ing = doc.get("ingest")
        if ing:
            for key, f in ing.items():
                if key == "n":
                    continue
                out.append(
                    f"| upsert `{key}` | N={ing['n']:,} | {f['papers_per_s']:,} papers/s | — | "
                    f"{f['papers_per_cpu_s']:,} papers/CPU-s |"
                )
        break  # the full run's experiments when present, else the quick run's
    return out
