"""The weekly recap: one message with the week's most upvoted and most discussed papers, how
many people voted, and links to the discussions; the short note of a week with neither; and
what ``/papers channel status`` says about a feed's recaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.delivery.schedule import Outlook
from bot.messages import Block, Context, Header, Link, Message, PaperCard, Text
from bot.models import Feed, Paper, WeekTally
from bot.present.papers import paper_card
from bot.present.text import counted, day_label
from bot.ranking import activity_text

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EMPTY_WEEK = "no votes or discussion replies that week"


def _local(when: datetime, feed: Feed) -> datetime:
    return when.astimezone(ZoneInfo(feed.timezone))


def recap_title(feed: Feed, start: datetime, end: datetime) -> str:
    first, last = _local(start, feed).date(), _local(end, feed).date()
    return f"Weekly recap · {day_label(first)} – {day_label(last)}"


def window_line(feed: Feed, start: datetime, end: datetime) -> str:
    a, b = _local(start, feed), _local(end, feed)
    return (
        f"Votes and replies from {day_label(a.date())} {a:%H:%M} "
        f"to {day_label(b.date())} {b:%H:%M} ({feed.timezone})"
    )


def voters_line(tally: WeekTally) -> str:
    if not tally.voters:
        return "Nobody voted this week."
    people = counted(tally.voters, "person", "people")
    return f"{people} voted ({counted(tally.votes, 'up-vote')})."


def _card(paper: Paper, rank: int, reason: str, link: str | None = None) -> PaperCard:
    """A compact card: no buttons (one message holds up to ten), the paper's own links, and
    the discussion's when there is one."""
    card = paper_card(paper, rank=rank, reason=reason)
    links = ((Link("💬 Discussion", link),) if link else ()) + card.links[:2]
    return replace(card, buttons=(), links=links, thumbnail=None)


def recap_message(
    feed: Feed,
    start: datetime,
    end: datetime,
    tally: WeekTally,
    links: Mapping[str, str],
) -> Message:
    """The recap; ``links`` maps an arXiv id to its discussion thread's permalink."""
    title = recap_title(feed, start, end)
    blocks: list[Block] = [Header(title), Context(window_line(feed, start, end))]
    lines = [title, voters_line(tally)]
    blocks.append(Text(voters_line(tally)))
    if tally.upvoted:
        blocks.append(Text("Most upvoted here"))
        lines.append("Most upvoted here:")
        for rank, (paper, votes) in enumerate(tally.upvoted, 1):
            reason = f"▲ {counted(votes, 'vote')} this week"
            blocks.append(_card(paper, rank, reason))
            lines.append(f"{rank}. {paper.title} ({reason})")
    discussed = [d for d in tally.discussed if d.replies]
    if discussed:
        blocks.append(Text("Most discussed"))
        lines.append("Most discussed:")
        for rank, d in enumerate(discussed, 1):
            reason = activity_text(d.replies, d.people) + " this week"
            link = links.get(d.paper.arxiv_id)
            if link:  # in the text too: a message of several cards shows no link buttons
                reason += f" · discussion: {link}"
            blocks.append(_card(d.paper, rank, reason, link))
            lines.append(f"{rank}. {d.paper.title} ({reason})")
    return Message(text="\n".join(lines), blocks=tuple(blocks), ephemeral=False)


def recap_note(feed: Feed, start: datetime, end: datetime) -> Message:
    """A week without votes or replies: one short line instead of the recap."""
    title = recap_title(feed, start, end)
    text = (
        "No votes or discussion this week. Upvote papers with ▲ (or discuss them) "
        "and they show up here next week."
    )
    return Message(text=f"{title}: {text}", blocks=(Header(title), Text(text)), ephemeral=False)


def _at(when: datetime, feed: Feed) -> str:
    local = _local(when, feed)
    return f"{day_label(local.date())} {local:%H:%M}"


def recap_status_lines(feed: Feed, outlook: Outlook | None) -> list[str]:
    """The status's lines about the recap: the day, the next recap, the last one."""
    if feed.weekly_day is None:
        return ["Weekly recap: off"]
    lines = [f"Weekly recap: {WEEKDAY_NAMES[feed.weekly_day]}s at {feed.post_time:%H:%M}"]
    if outlook is None:
        return lines
    post = outlook.next_post
    if feed.enabled and post is not None:
        due = " — due" if outlook.due else ""
        lines.append(f"Next recap: {_at(post.at, feed)} ({feed.timezone}){due}")
    last = outlook.last
    if last is not None:
        what = f"Last recap: {day_label(last.day)} — "
        status = last.status.value
        if status == "done":
            what += "no votes, a short note was posted" if last.note == EMPTY_WEEK else "posted"
        elif status == "skipped":
            what += "skipped (no votes)"
        elif status in ("missed", "failed"):
            what += status + (f": {last.note}" if last.note else "")
        else:
            what += "being posted now" if outlook.last_live else "not posted yet"
        lines.append(what)
    return lines


def weekly_set(feed: Feed, outlook: Outlook) -> Message:
    """The answer to ``/papers channel weekly``: what changed, then the recap's status."""
    if feed.weekly_day is None:
        text = "No weekly recap in this channel; the daily thread goes on."
    else:
        text = (
            f"Weekly recap set: {WEEKDAY_NAMES[feed.weekly_day]}s at {feed.post_time:%H:%M} "
            f"({feed.timezone}), the week's most upvoted and most discussed papers here."
        )
    lines = recap_status_lines(feed, outlook.recap)[1:]
    return Message(text="\n".join((text, *lines)), blocks=(Text(text), *map(Context, lines)))
