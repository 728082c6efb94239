"""A person's own page (Slack's App Home): their topics, each with a Remove button, their DM
settings, today's top five in their workspace, and the workspace's channel feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from bot.actions import REMOVE_TOPIC, encode
from bot.messages import (
    Actions,
    Block,
    Button,
    ChannelLine,
    Context,
    Divider,
    Header,
    Home,
    Text,
)
from bot.models import Feed, PersonSettings, ScoredPaper, Subscription
from bot.present.papers import downvote_button, paper_card, upvote_button
from bot.present.recap import WEEKDAY_NAMES
from bot.present.text import counted, day_label

# How many of a list the page shows; the rest is one line saying how many more. With these,
# the page stays far within every platform's limits (Slack: 100 blocks in a Home tab).
HOME_TOPICS = 40
HOME_FEEDS = 25
TOP = 5

NO_TOPICS = (
    'You follow no topics yet. Try /papers subscribe "gaussian splatting" -survey: '
    "new papers that match come as one direct message a day."
)
NO_FEEDS = (
    "No channel here has a daily thread yet. An admin can start one in a channel with "
    "/papers channel setup 09:00 Europe/Berlin 10."
)
NO_PAPERS = "No papers are stored yet; they arrive with the next fetch."


def remove_button(sub: Subscription) -> Button:
    assert sub.id is not None  # stored subscriptions have ids
    return Button(
        "Remove",
        encode(REMOVE_TOPIC, sub.id),
        command=f"/papers unsubscribe #{sub.id}",
        style="danger",
    )


def topic_blocks(subs: Sequence[Subscription], max_subs: int) -> list[Block]:
    blocks: list[Block] = [Header(f"Your topics ({len(subs)}/{max_subs})")]
    if not subs:
        return [*blocks, Text(NO_TOPICS)]
    for sub in subs[:HOME_TOPICS]:
        paused = f"  (paused: {sub.paused_reason or 'DMs failed'})" if sub.paused else ""
        blocks += [Text(f"{sub.query}  #{sub.id}{paused}"), Actions((remove_button(sub),))]
    if len(subs) > HOME_TOPICS:
        more = len(subs) - HOME_TOPICS
        blocks.append(Context(f"…and {more} more; /papers subscriptions lists them all."))
    blocks.append(Context("Add one with /papers subscribe <topic>."))
    return blocks


def settings_blocks(settings: PersonSettings, change_hint: str | None = None) -> list[Block]:
    state = "on" if settings.dms else "paused (your topics are kept)"
    lines = [
        f"Daily DM: {state}",
        f"Time: {settings.dm_time:%H:%M} {settings.timezone}",
        f"At most {counted(settings.dm_size, 'paper')} a DM",
    ]
    blocks: list[Block] = [Header("Your DM settings"), Text("\n".join(lines))]
    if change_hint:
        blocks.append(Context(change_hint))
    return blocks


def top_blocks(day: date | None, items: Sequence[ScoredPaper], note: str | None) -> list[Block]:
    """Today's top five as cards with the vote buttons (the buttons that make sense on a
    person's own page: Discuss needs a channel, Abstract a place to answer)."""
    title = f"Today's top five · {day_label(day)}" if day else "Today's top five"
    blocks: list[Block] = [Header(title)]
    if note:
        blocks.append(Context(note))
    if not items:
        return [*blocks, Text(NO_PAPERS)]
    for rank, item in enumerate(items[:TOP], 1):
        card = paper_card(item.paper, votes=item.votes, reason=item.reason, rank=rank)
        votes = (
            upvote_button(item.paper.arxiv_id, item.votes),
            downvote_button(item.paper.arxiv_id),
        )
        blocks.append(replace(card, buttons=votes))
    return blocks


def feed_line(feed: Feed) -> ChannelLine:
    state = (
        "on"
        if feed.enabled
        else "off" + (f" ({feed.disabled_reason})" if feed.disabled_reason else "")
    )
    parts = [
        f"{feed.post_time:%H:%M} {feed.timezone}",
        f"top {feed.top_n}",
        f"topic: {feed.topic}" if feed.topic else "all papers",
        *(
            [f"weekly recap on {WEEKDAY_NAMES[feed.weekly_day]}s"]
            if feed.weekly_day is not None
            else []
        ),
        state,
    ]
    return ChannelLine(feed.channel.channel, " · ".join(parts))


def feed_blocks(feeds: Sequence[Feed]) -> list[Block | ChannelLine]:
    blocks: list[Block | ChannelLine] = [Header("Channel feeds")]
    if not feeds:
        return [*blocks, Text(NO_FEEDS)]
    blocks += [feed_line(f) for f in feeds[:HOME_FEEDS]]
    if len(feeds) > HOME_FEEDS:
        more = len(feeds) - HOME_FEEDS
        blocks.append(
            Context(f"…and {more} more; /papers channel status in a channel shows its own.")
        )
    return blocks


def home_page(
    *,
    subs: Sequence[Subscription],
    max_subs: int,
    settings: PersonSettings,
    day: date | None,
    top: Sequence[ScoredPaper],
    feeds: Sequence[Feed],
    note: str | None = None,
    change_hint: str | None = None,
) -> Home:
    """The whole page. ``day`` and ``top``: the ranked papers shown (``note`` says when they
    are not today's); ``feeds``: the workspace's daily threads."""
    blocks: list[Block | ChannelLine] = [
        *topic_blocks(subs, max_subs),
        Divider(),
        *settings_blocks(settings, change_hint),
        Divider(),
        *top_blocks(day, top, note),
        Divider(),
        *feed_blocks(feeds),
    ]
    text = (
        f"Paper Herald: {counted(len(subs), 'topic')}, "
        f"{counted(min(len(top), TOP), 'paper')} today, {counted(len(feeds), 'channel feed')}"
    )
    return Home(text=text, blocks=tuple(blocks))
