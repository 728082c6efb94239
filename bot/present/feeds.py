"""Daily threads: the header (with its live standings), each item, the empty-day note, and
what ``/papers channel setup|status`` say about a channel's feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.delivery.schedule import Outlook
from bot.messages import (
    Block,
    Context,
    Header,
    Message,
    Text,
)
from bot.models import Feed, ScoredPaper
from bot.present.papers import card_message, paper_card
from bot.present.recap import recap_status_lines
from bot.present.text import day_label
from bot.ranking import activity_text


def digest_header(
    day: date, count: int, topic: str | None = None, note: str | None = None
) -> Message:
    what = f"{count} paper{'s' if count != 1 else ''}"
    title = f"Daily Papers · {day_label(day)} · {what}"
    blocks: list[Block] = [Header(title)]
    if topic:
        blocks.append(Context(f"Topic: {topic}"))
    if note:
        blocks.append(Context(note))
    return Message(
        text=title,
        blocks=tuple(blocks),
        ephemeral=False,
        thread_title=f"Papers · {day_label(day)}" + (f" · {topic}" if topic else ""),
    )


def digest_item(item: ScoredPaper, rank: int) -> Message:
    return card_message(
        paper_card(item.paper, votes=item.votes, reason=item.reason, rank=rank), ephemeral=False
    )


def empty_day(day: date, reason: str | None = None) -> Message:
    text = reason or "No new papers today — see you tomorrow."
    title = f"Daily Papers · {day_label(day)}"
    return Message(text=f"{title}: {text}", blocks=(Header(title), Text(text)), ephemeral=False)


def _at(when: datetime, feed: Feed) -> str:
    local = when.astimezone(ZoneInfo(feed.timezone))
    return f"{day_label(local.date())} {local:%H:%M}"


def _next_line(feed: Feed, outlook: Outlook) -> str | None:
    post = outlook.next_post
    if not feed.enabled or post is None:
        return None
    line = (
        f"Next post: {_at(post.at, feed)} ({feed.timezone}), "
        f"papers of {day_label(post.content_day)}"
    )
    if not outlook.due:
        return line
    if outlook.last_live and outlook.last is not None and outlook.last.day == post.day:
        return f"{line} — being posted now"
    if not outlook.scheduled:
        return f"{line} — due; no scheduler runs here, so /papers post-now posts it"
    if outlook.retry_at is not None:
        return f"{line} — due; the next try is at {_at(outlook.retry_at, feed)}"
    return f"{line} — due; it goes out within a minute"


def _last_line(outlook: Outlook) -> str | None:
    last = outlook.last
    if last is None:
        return None
    what = f"Last thread: {day_label(last.day)}"
    if outlook.last_content_day is not None:
        what += f", papers of {day_label(outlook.last_content_day)}"
    note = f": {last.note}" if last.note else ""
    status = last.status.value
    if status == "done":
        if last.plan is None:  # the empty-day note
            why = note if last.note != "empty day" else ""
            return f"{what} — no papers, a short note was posted{why}"
        return f"{what} — posted{note}"
    if status == "skipped":
        return f"{what} — skipped (no papers){note}"
    if status in ("missed", "failed"):
        return f"{what} — {status}{note}"
    # claimed: posting right now, or given up for a later run (after a failure, at shutdown)
    planned = len(last.plan) if last.plan else 0
    if outlook.last_live:
        so_far = f" ({len(last.posted)} of {planned} papers so far)" if planned else ""
        return f"{what} — being posted now{so_far}"
    if last.root_message_id is not None:
        return (
            f"{what} — stopped after {len(last.posted)} of {planned} papers{note}; "
            "the next run finishes it"
        )
    return f"{what} — not posted yet{note}"


def feed_status(feed: Feed | None, outlook: Outlook | None = None) -> Message:
    if feed is None:
        text = (
            "This channel has no daily thread. An admin can start one with "
            "/papers channel setup 09:00 Europe/Berlin 10."
        )
        return Message(text=text, blocks=(Text(text),))
    outlook = outlook or Outlook()
    state = "on" if feed.enabled else "off"
    lines = [
        f"Daily thread: {state}" + (f" ({feed.disabled_reason})" if feed.disabled_reason else ""),
        f"Time: {feed.post_time:%H:%M} {feed.timezone}, top {feed.top_n}",
        f"Topic: {feed.topic or 'all papers'}",
        "Empty days: " + ("a short note" if feed.empty_day.value == "note" else "no post"),
    ]
    lines += [line for line in (_next_line(feed, outlook), _last_line(outlook)) if line]
    lines += recap_status_lines(feed, outlook.recap)
    text = "\n".join(lines)
    return Message(text=text, blocks=(Header("Daily thread in this channel"), Text(text)))


def channel_set_up(status: Message, warning: str | None = None) -> Message:
    """The answer to ``/papers channel setup``: done, a zone warning, then the status."""
    notes = (warning,) if warning else ()
    return Message(
        text="\n".join(("Daily thread set up.", *notes, status.text)),
        blocks=(Text("Daily thread set up."), *map(Context, notes), *status.blocks[1:]),
    )


STANDINGS = "Live standings:"


def standings(rows: Sequence[tuple[str, int, tuple[int, int]]]) -> str:
    """The header's note for the day's leaders: (title, votes, (replies, people)) each."""
    parts = []
    for n, (title, votes, (replies, people)) in enumerate(rows, 1):
        bits = []
        if votes:
            bits.append(f"▲{votes}")
        if replies:
            bits.append(activity_text(replies, people))
        parts.append(f"{n}. {title[:60]} ({' · '.join(bits)})")
    return f"{STANDINGS} " + "   ".join(parts)


def standings_line(message: Message) -> str | None:
    """The standings note of a header, for tests and the console."""
    for block in message.blocks:
        if isinstance(block, Context) and block.text.startswith(STANDINGS):
            return block.text
    return None
