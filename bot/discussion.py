"""Discussions: a thread per (channel, paper) on demand, reply counts, live standings.

The first Discuss click claims a unique (channel, paper) row, then opens the thread; a
concurrent or later click finds the row and links to it. Replies come in as platform events
(the adapters filter out bots) and are counted per paper: replies and distinct people.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.delivery.schedule import content_day
from bot.messages import Message, error
from bot.models import ChannelRef, DeliveryStatus, Paper, UserRef
from bot.ports import (
    ChatAdapter,
    Clock,
    DeliveryError,
    DeliveryRepo,
    DiscussionRepo,
    FeedRepo,
    KeyValue,
    PaperRepo,
    Permalinks,
    PostedRef,
    VoteRepo,
)
from bot.present.feeds import digest_header, standings
from bot.present.papers import discussion_root, discussion_seed
from bot.present.replies import confirm
from bot.ratelimit import SlidingWindowLimiter

log = logging.getLogger(__name__)

NEW_THREADS_PER_CHANNEL = 5  # new discussion threads one channel gets per window
NEW_THREADS_WINDOW = 600.0  # seconds
STANDINGS_EVERY = timedelta(hours=1)  # header edits: far inside any platform's edit limits


class Discussions:
    def __init__(
        self,
        *,
        papers: PaperRepo,
        votes: VoteRepo,
        discussions: DiscussionRepo,
        feeds: FeedRepo,
        deliveries: DeliveryRepo,
        kv: KeyValue,
        adapters: Mapping[str, ChatAdapter],
        clock: Clock,
    ) -> None:
        self.papers = papers
        self.votes = votes
        self.discussions = discussions
        self.feeds = feeds
        self.deliveries = deliveries
        self.kv = kv
        self.adapters = adapters
        self.clock = clock
        # Any member may ask for a thread: a channel gets a few new ones per window, so a
        # handful of people cannot fill an announcements channel with threads.
        self.new_threads = SlidingWindowLimiter(NEW_THREADS_PER_CHANNEL, NEW_THREADS_WINDOW)

    @staticmethod
    def _off_key(channel: ChannelRef) -> str:
        return f"discuss_off:{channel.platform}:{channel.workspace}:{channel.channel}"

    async def enabled(self, channel: ChannelRef) -> bool:
        return await self.kv.get(self._off_key(channel)) != "1"

    async def set_enabled(self, channel: ChannelRef, on: bool) -> None:
        """An admin turns Discuss on or off for one channel."""
        await self.kv.set(self._off_key(channel), "0" if on else "1")

    async def _link(self, channel: ChannelRef, root: str | None, thread: str | None) -> str:
        adapter = self.adapters.get(channel.platform)
        if isinstance(adapter, Permalinks) and root:
            try:
                url = await adapter.permalink(PostedRef(channel, root, thread))
            except DeliveryError:
                url = None
            if url:
                return url
        return "the thread on its card in this channel"

    async def discuss(self, caller: UserRef, paper: Paper, channel: ChannelRef | None) -> Message:
        if channel is None:
            return error("Use Discuss in the channel where the discussion should happen.")
        adapter = self.adapters.get(channel.platform)
        if adapter is None:
            return error("Discussions need the chat platform to be connected; try again soon.")
        if not caller.may_post:
            return error(
                "You can't post or start threads in this channel, so Discuss can't open one here."
            )
        if not await self.enabled(channel):
            return error("Discussions are turned off in this channel.")
        existing = await self.discussions.claim(
            channel, paper.arxiv_id, caller.user_id, self.clock.now()
        )
        if existing is not None:
            if existing.thread_id is None:
                return confirm(
                    "A discussion of this paper is being opened right now; "
                    "it will appear in this channel in a moment."
                )
            link = await self._link(channel, existing.root_message_id, existing.thread_id)
            return confirm(f"“{paper.title}” already has a discussion: {link}")
        if not self.new_threads.allow((channel.platform, channel.workspace, channel.channel)):
            await self.discussions.forget(channel, paper.arxiv_id)
            return error(
                f"This channel had {NEW_THREADS_PER_CHANNEL} new discussions in the last "
                f"{NEW_THREADS_WINDOW / 60:g} minutes; try again later."
            )
        votes = await self.votes.counts(channel.platform, channel.workspace, [paper.arxiv_id])
        activity = await self.discussions.activity(
            channel.platform, channel.workspace, [paper.arxiv_id]
        )
        root = discussion_root(paper, votes.get(paper.arxiv_id, 0), activity.get(paper.arxiv_id))
        try:
            ref = await adapter.open_thread(channel, root, paper.title[:100])
            thread_id = ref.thread_id or ref.message_id
            await self.discussions.opened(channel, paper.arxiv_id, ref.message_id, thread_id)
            seed = discussion_seed(paper, caller.display_name or caller.user_id)
            await adapter.post_in_thread(PostedRef(channel, ref.message_id, thread_id), seed)
        except DeliveryError as exc:
            await self.discussions.forget(channel, paper.arxiv_id)
            log.warning("discussion in %s/%s failed: %s", channel.platform, channel.channel, exc)
            return error(f"I couldn't open a discussion here: {exc}")
        link = await self._link(channel, ref.message_id, thread_id)
        return confirm(f"Opened a discussion of “{paper.title}”: {link}")

    async def record_reply(
        self,
        platform: str,
        workspace: str,
        *,
        message_id: str,
        user_id: str,
        thread_id: str | None = None,
        reply_to: str | None = None,
    ) -> bool:
        """Count a human reply in a paper's discussion thread, or one that references a
        paper's message in a daily thread. Returns whether it was about a paper."""
        arxiv_id = await self.discussions.paper_for(
            platform, workspace, thread_id=thread_id, reply_to=reply_to
        )
        if arxiv_id is None:
            return False
        return await self.discussions.add_reply(
            platform, workspace, message_id, arxiv_id, user_id, self.clock.now()
        )

    async def refresh_standings(self, now: datetime) -> int:
        """Edit today's daily-thread headers with the current top three (votes + discussion),
        at most hourly per feed, and only during the feed's local day."""
        edited = 0
        for feed in await self.feeds.enabled():
            adapter = self.adapters.get(feed.channel.platform)
            if feed.id is None or adapter is None:
                continue
            day = now.astimezone(ZoneInfo(feed.timezone)).date()
            delivery = await self.deliveries.get(feed.id, day)
            if (
                delivery is None
                or delivery.status is not DeliveryStatus.DONE
                or not delivery.root_message_id
                or not delivery.plan
            ):
                continue
            key = f"standings:{feed.id}:{day.isoformat()}"
            last = await self.kv.get(key)
            if last and now - datetime.fromisoformat(last) < STANDINGS_EVERY:
                continue
            ch = feed.channel
            ids = list(delivery.plan)
            votes = await self.votes.counts(ch.platform, ch.workspace, ids)
            activity = await self.discussions.activity(ch.platform, ch.workspace, ids)
            papers = await self.papers.get_many(ids)
            score = {i: votes.get(i, 0) + activity.get(i, (0, 0))[0] for i in ids}
            top = [i for i in sorted(ids, key=lambda i: (-score[i], ids.index(i))) if score[i] > 0][
                :3
            ]
            if not top:
                await self.kv.set(key, now.astimezone(UTC).isoformat())
                continue
            note = standings(
                [
                    (
                        papers[i].title if i in papers else i,
                        votes.get(i, 0),
                        activity.get(i, (0, 0)),
                    )
                    for i in top
                ]
            )
            header = digest_header(
                delivery.content_day or content_day(feed, day), len(ids), feed.topic, note=note
            )
            try:
                await adapter.edit(
                    PostedRef(ch, delivery.root_message_id, delivery.thread_id), header
                )
            except DeliveryError as exc:
                log.warning("standings for feed %s not updated: %s", feed.id, exc)
                continue
            await self.kv.set(key, now.astimezone(UTC).isoformat())
            edited += 1
        return edited
