"""Use cases: ingest, search, digest, and every /papers command, platform-free.

Every command takes a caller (``UserRef``) and returns a neutral ``Message``; nothing here
raises to an adapter. Scheduled delivery lives in ``bot.delivery``, subscription DMs in
``bot.notify``; the Engine wires them to the same repositories.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time as time_mod
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from bot import actions, arxiv_ids, query, zones
from bot.commands import COMMANDS, CommandCall, UsageError, parse_line
from bot.config import Settings
from bot.delivery.plan import Planner
from bot.delivery.publisher import Publisher, PublishPolicy
from bot.digest import Digests, weights_from
from bot.discussion import Discussions
from bot.ingest import Ingest, IngestReport
from bot.messages import Message, admin_refusal, error, internal_error
from bot.metrics import Metrics, NullMetrics
from bot.models import ChannelRef, EmptyDay, Feed, Paper, ScoredPaper, Subscription, UserRef
from bot.notify import Notifier
from bot.outbound import Outbound
from bot.period import DEFAULT_PERIOD, Period
from bot.ports import (
    ChatAdapter,
    Clock,
    DuplicateSubscriptionError,
    PaperSource,
    Store,
    SubscriptionLimitError,
    interim_reply,
)
from bot.present.feeds import channel_set_up, feed_status
from bot.present.lists import (
    discussed_list,
    ranked_list,
    search_results,
    subscriptions_list,
    top_list,
)
from bot.present.papers import paper_message, vote_toggled
from bot.present.replies import confirm, help_message, with_notice
from bot.present.text import day_label, top_title
from bot.ratelimit import CommandLimiter

log = logging.getLogger(__name__)

SEARCH_PAGE_SIZE = 5
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
Handler = Callable[[UserRef, CommandCall, ChannelRef | None], Awaitable[Message]]


def query_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def parse_hhmm(text: str) -> time | None:
    m = _HHMM.match(text.strip())
    return time(int(m.group(1)), int(m.group(2))) if m else None


def zone(name: str) -> ZoneInfo | None:
    """The zone called ``name`` in any case (``europe/berlin``), or None."""
    found = zones.resolve(name)
    return ZoneInfo(found) if found else None


def _ctx(caller: UserRef, channel: ChannelRef | None, call: CommandCall) -> dict[str, str]:
    """Log context: who, where, what — never the command's free text."""
    return {
        "platform": caller.platform,
        "workspace": caller.workspace,
        "channel": channel.channel if channel else "-",
        "command": call.command.name,
    }


class Engine:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        sources: Sequence[PaperSource],
        clock: Clock,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics: Metrics = metrics or NullMetrics()
        self.store = store
        self.sources = list(sources)
        self.clock = clock
        self.weights = weights_from(settings)
        self.adapters: dict[str, ChatAdapter] = {}
        self.stopping = asyncio.Event()
        self.limiter = CommandLimiter(settings.command_rate_limit)
        self._handlers: dict[tuple[str, ...], Handler] = {
            ("today",): self._today,
            ("search",): self._search,
            ("paper",): self._paper,
            ("top",): self._top,
            ("discuss",): self._discuss,
            ("upvote",): self._upvote,
            ("subscribe",): self._subscribe,
            ("unsubscribe",): self._unsubscribe,
            ("subscriptions",): self._subscriptions,
            ("channel", "setup"): self._channel_setup,
            ("channel", "off"): self._channel_off,
            ("channel", "status"): self._channel_status,
            ("post-now",): self._post_now,
            ("help",): self._help,
        }
        missing = [c.name for c in COMMANDS if c.path not in self._handlers]
        if missing:
            raise RuntimeError(f"commands without a handler: {missing}")
        self._ingest = Ingest(self.sources, store.papers, clock, self.metrics)
        self.sources = self._ingest.sources
        self.digests = Digests(store.papers, store.votes, store.discussions, self.weights)
        planner = Planner(
            papers=store.papers,
            rank=self.digests.digest,
            ingest=self._ingest,
            sources=self._ingest.names,
            stopping=self.stopping,
        )
        self.publisher = Publisher(
            deliveries=store.deliveries,
            feeds=store.feeds,
            planner=planner,
            planned=self.digests.planned,
            adapters=self.adapters,
            clock=clock,
            stopping=self.stopping,
            policy=PublishPolicy(
                grace=timedelta(hours=settings.publish_grace_hours),
                lease_seconds=settings.delivery_lease_seconds,
                post_now_wait=settings.post_now_wait,
            ),
        )
        self.notifier = Notifier(
            papers=store.papers,
            subscriptions=store.subscriptions,
            notifications=store.notifications,
            adapters=self.adapters,
            timezone=settings.timezone,
            dm_time=settings.dm_time,
        )
        self.discussions = Discussions(
            papers=store.papers,
            votes=store.votes,
            discussions=store.discussions,
            feeds=store.feeds,
            deliveries=store.deliveries,
            kv=store.kv,
            adapters=self.adapters,
            clock=clock,
        )

    async def drain(self, grace: float) -> None:
        """Shutdown: stop starting new posts and wait (bounded) for in-flight ones, which
        finish their current message and record their progress."""
        self.stopping.set()
        await self.publisher.drain(grace)

    def attach(self, adapter: ChatAdapter) -> ChatAdapter:
        """Serve ``adapter``'s platform, through the one outbound policy (bot.outbound)."""
        wrapped = Outbound(adapter, metrics=self.metrics)
        self.adapters[adapter.platform] = wrapped
        return wrapped

    async def ingest(self, day: date, only: str | None = None) -> IngestReport:
        return await self._ingest(day, only)

    async def search(
        self, text: str, **kw: Any
    ) -> tuple[list[ScoredPaper], int, query.ParsedQuery]:
        return await self.digests.search(text, **kw)

    async def digest(self, day: date, **kw: Any) -> list[ScoredPaper]:
        return await self.digests.digest(day, **kw)

    async def latest_day(self) -> date | None:
        return await self.digests.latest_day()

    # ------------------------------------------------------------------ commands
    async def handle_text(
        self, caller: UserRef, line: str, channel: ChannelRef | None = None
    ) -> Message:
        try:
            call = parse_line(line)
        except UsageError as exc:
            return error(str(exc))
        return await self.handle(caller, call, channel)

    async def handle(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None = None
    ) -> Message:
        """Run one command for ``caller``. Always a Message; errors are one sentence."""
        t0 = time_mod.perf_counter()
        outcome = "ok"
        if not self.limiter.allow(caller):
            outcome = "rate_limited"
            message = error(
                "Slow down a little: you can run "
                f"{self.settings.command_rate_limit} commands a minute."
            )
        elif (refusal := admin_refusal(call.command, caller)) is not None:
            outcome = "denied"
            message = refusal
        else:
            try:
                message = await self._handlers[call.path](caller, call, channel)
                outcome = "error" if message.is_error else "ok"
            except Exception:
                outcome = "failed"
                log.exception(
                    "command %s failed", call.command.name, extra=_ctx(caller, channel, call)
                )
                message = internal_error()
            else:
                message = await self._with_notice(caller, message)
        seconds = time_mod.perf_counter() - t0
        self.metrics.command(call.command.name, outcome, seconds)
        log.info(
            "command %s %s in %.0f ms",
            call.command.name,
            outcome,
            seconds * 1000,
            extra=_ctx(caller, channel, call),
        )
        return message

    async def handle_action(
        self, caller: UserRef, action: str, channel: ChannelRef | None = None
    ) -> Message:
        """A button click: an action string as ``bot.actions.encode`` built it."""
        t0 = time_mod.perf_counter()
        call = actions.decode(action)
        name = call.name if call is not None else "unknown"
        if not self.limiter.allow(caller):
            message, outcome = error("Slow down a little, please."), "rate_limited"
        else:
            try:
                message = await self._action(caller, call, channel)
                outcome = "error" if message.is_error else "ok"
            except Exception:
                log.exception("button %s failed", name)
                message = internal_error()
                outcome = "failed"
        seconds = time_mod.perf_counter() - t0
        self.metrics.command(f"button {name}", outcome, seconds)
        log.info(
            "button %s %s in %.0f ms",
            name,
            outcome,
            seconds * 1000,
            extra={
                "platform": caller.platform,
                "workspace": caller.workspace,
                "channel": channel.channel if channel else "-",
                "command": f"button {name}",
            },
        )
        return message

    async def _action(
        self, caller: UserRef, call: actions.ActionCall | None, channel: ChannelRef | None = None
    ) -> Message:
        unsupported = error("That button is no longer supported; run the command again.")
        if call is None:
            return unsupported
        if call.action is actions.UPVOTE:
            return await self._toggle_vote(caller, call.get("arxiv_id"))
        if call.action is actions.ABSTRACT:
            return await self._show_paper(caller, call.get("arxiv_id"))
        if call.action is actions.DISCUSS:
            return await self._discuss_paper(caller, call.get("arxiv_id"), channel)
        if call.action is actions.SEARCH_PAGE:
            text = await self.store.papers.saved_query(call.get("query_key"))
            if text is None:
                return error("That search has expired; run /papers search again.")
            return await self._search_page(caller, text, int(call.get("page")))
        return unsupported

    async def autocomplete(self, caller: UserRef, kind: str, prefix: str) -> list[tuple[str, str]]:
        """(label, value) suggestions, at most 25 (Discord's limit)."""
        prefix = prefix.strip()[:100]
        if kind == "own_topics":
            subs = await self.store.subscriptions.list_for(caller)
            found = [(s.query, s.query) for s in subs if prefix.lower() in s.query.lower()]
            return ([("all", "all"), *found])[:25]
        if kind == "papers":
            key = arxiv_ids.normalise(prefix) or prefix
            papers = await self.store.papers.recent(key, 25)
            return [(f"{p.arxiv_id} · {p.title}"[:100], p.arxiv_id) for p in papers]
        if kind == "timezones":
            names = sorted(z for z in available_timezones() if prefix.lower() in z.lower())
            return [(z, z) for z in names[:25]]
        return []

    async def _with_notice(self, caller: UserRef, message: Message) -> Message:
        notice = await self.store.subscriptions.pop_notice(caller)
        return with_notice(notice, message) if notice else message

    # -- handlers ------------------------------------------------------------------
    async def _today(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        n = int(call.get("n") or 10)
        today = self.clock.now().astimezone(UTC).date()
        items = await self.digest(
            today, top=n, platform=caller.platform, workspace=caller.workspace
        )
        note = None
        day = today
        if not items:
            latest = await self.latest_day()
            if latest is None:
                return error("No papers are stored yet; they arrive with the next fetch.")
            day = latest
            note = f"No papers yet for {day_label(today)}; here is {day_label(latest)}."
            items = await self.digest(
                latest, top=n, platform=caller.platform, workspace=caller.workspace
            )
        return ranked_list(f"{top_title(len(items))} · {day_label(day)}", items, note=note)

    async def _search(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        return await self._search_page(caller, str(call.get("query") or ""), 1)

    async def _search_page(self, caller: UserRef, text: str, page: int) -> Message:
        parsed = query.parse(text)
        if parsed.error:
            return error(parsed.error)
        if parsed.is_empty:
            return error("Type at least one word to search for, e.g. /papers search diffusion.")
        if not parsed.has_terms and not parsed.has_filters:
            return error("Add a word to search for besides the exclusions.")
        key = query_key(text)
        page = max(1, page)
        offset = (page - 1) * SEARCH_PAGE_SIZE
        hits, total, exact = await self.store.papers.search(
            parsed, limit=SEARCH_PAGE_SIZE, offset=offset
        )
        if not hits and total and offset >= total:
            return error("There are no more results.")
        if total > SEARCH_PAGE_SIZE:  # only paged results need the query behind their buttons
            await self.store.papers.save_query(key, text)
        votes = await self.store.votes.counts(
            caller.platform, caller.workspace, [h.paper.arxiv_id for h in hits]
        )
        return search_results(
            parsed.describe(),
            [(h.paper, votes.get(h.paper.arxiv_id, 0)) for h in hits],
            total=total,
            page=page,
            page_size=SEARCH_PAGE_SIZE,
            query_key=key,
            notes=parsed.notes,
            exact=exact,
        )

    async def _known_paper(self, raw: str) -> Paper | str:
        key = arxiv_ids.normalise(raw)
        if key is None:
            return f"{raw[:60]!r} is not an arXiv id or URL (try 2411.01234)."
        paper = await self.store.papers.get(key)
        if paper is None:
            return (
                f"I don't have {key} yet. Look for it with /papers search and words from its "
                "title, or ask an admin to fetch the day it was featured "
                "(paperherald fetch --date YYYY-MM-DD)."
            )
        return paper

    async def _paper(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        return await self._show_paper(caller, str(call.get("id")))

    async def _show_paper(self, caller: UserRef, raw: str) -> Message:
        found = await self._known_paper(raw)
        if isinstance(found, str):
            return error(found)
        votes = await self.store.votes.counts(caller.platform, caller.workspace, [found.arxiv_id])
        activity = await self.store.discussions.activity(
            caller.platform, caller.workspace, [found.arxiv_id]
        )
        return paper_message(found, votes.get(found.arxiv_id, 0), activity.get(found.arxiv_id))

    async def _top(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        period = Period(str(call.get("period") or DEFAULT_PERIOD))
        since, today = period.window(self.clock.now().astimezone(UTC).date())
        if call.get("by") == "discussed":
            discussed = await self.store.discussions.most_discussed(
                caller.platform, caller.workspace, since, today, 10
            )
            return discussed_list(period, discussed)
        rows = await self.store.votes.leaderboard(
            caller.platform, caller.workspace, since, today, 10
        )
        return top_list(period, rows, day=today)

    async def _discuss(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None
    ) -> Message:
        return await self._discuss_paper(caller, str(call.get("id")), channel)

    async def _discuss_paper(
        self, caller: UserRef, raw: str, channel: ChannelRef | None
    ) -> Message:
        found = await self._known_paper(raw)
        if isinstance(found, str):
            return error(found)
        return await self.discussions.discuss(caller, found, channel)

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
        """Adapters report human replies here (see bot.discussion)."""
        return await self.discussions.record_reply(
            platform,
            workspace,
            message_id=message_id,
            user_id=user_id,
            thread_id=thread_id,
            reply_to=reply_to,
        )

    async def _upvote(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        return await self._toggle_vote(caller, str(call.get("id")))

    async def _toggle_vote(self, caller: UserRef, raw: str) -> Message:
        found = await self._known_paper(raw)
        if isinstance(found, str):
            return error(found)
        voted, count = await self.store.votes.toggle(caller, found.arxiv_id, self.clock.now())
        return vote_toggled(found, voted, count)

    async def _subscribe(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        parsed = query.parse(str(call.get("topic") or ""))
        today = self.clock.now().astimezone(UTC).date()
        problem = query.topic_problem(parsed, today, example="/papers subscribe")
        if problem:
            return error(problem)
        canonical = parsed.describe()
        same = await self._own_topic(caller, canonical, by_id=False)
        if same is not None:
            return confirm(f"You already follow {same.query} (#{same.id}).")
        try:
            sub = await self.store.subscriptions.add(
                Subscription(user=caller, query=canonical),
                max_per_user=self.settings.max_subscriptions,
            )
        except DuplicateSubscriptionError:
            return confirm(f"You already follow {canonical}.")
        except SubscriptionLimitError:
            return error(
                f"You already have {self.settings.max_subscriptions} topics; "
                "remove one with /papers unsubscribe first."
            )
        await self.store.subscriptions.resume_user(caller)
        when = self.settings.dm_time.strftime("%H:%M")
        return confirm(
            f"Subscribed to {canonical} (#{sub.id}). New matching papers arrive as one direct "
            f"message a day, around {when} {self.settings.timezone}."
        )

    async def _own_topic(
        self, caller: UserRef, text: str, *, by_id: bool = True
    ) -> Subscription | None:
        """The caller's subscription that is ``text``: its #id (``3`` or ``#3``), or the same
        query up to case, spacing and quoting (``Diffusion`` is ``diffusion``: search
        ignores case)."""
        subs = await self.store.subscriptions.list_for(caller)
        number = text[1:] if text.startswith("#") else text
        if by_id and number.isascii() and number.isdigit() and len(number) < 12:
            found = next((s for s in subs if s.id == int(number)), None)
            if found is not None:
                return found
        wanted = query.parse(text).describe().casefold()
        return next((s for s in subs if query.parse(s.query).describe().casefold() == wanted), None)

    async def _unsubscribe(
        self, caller: UserRef, call: CommandCall, _: ChannelRef | None
    ) -> Message:
        raw = str(call.get("topic") or "").strip()
        if raw.lower() == "all":
            removed = await self.store.subscriptions.remove(caller, "all")
            if removed == 0:
                return error("You have no topics to remove.")
            return confirm(f"Removed all {removed} of your topic{'s' if removed != 1 else ''}.")
        sub = await self._own_topic(caller, raw)
        if sub is None or sub.id is None:
            return error(f"You don't follow {raw[:80]!r}; /papers subscriptions lists your topics.")
        await self.store.subscriptions.remove(caller, f"#{sub.id}")
        return confirm(f"Unsubscribed from {sub.query} (#{sub.id}).")

    async def _subscriptions(
        self, caller: UserRef, call: CommandCall, _: ChannelRef | None
    ) -> Message:
        subs = await self.store.subscriptions.list_for(caller)
        return subscriptions_list(subs, self.settings.max_subscriptions)

    async def _channel_setup(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None
    ) -> Message:
        if channel is None:
            return error("Run /papers channel setup in the channel that should get the thread.")
        post_time = parse_hhmm(str(call.get("time") or "09:00"))
        if post_time is None:
            return error(f"{str(call.get('time'))[:20]!r} is not a time; use HH:MM, like 09:00.")
        typed_zone = str(call.get("timezone") or self.settings.timezone)
        tz_name = zones.resolve(typed_zone)
        if tz_name is None:
            return error(zones.unknown_zone_message(typed_zone))
        warning = zones.fixed_offset_warning(tz_name)
        topic = call.get("topic")
        topic_text = None
        if topic:
            parsed = query.parse(str(topic))
            today = self.clock.now().astimezone(UTC).date()
            problem = query.topic_problem(parsed, today, example="/papers channel setup")
            if problem:
                return error(problem)
            topic_text = parsed.describe()
        adapter = self.adapters.get(channel.platform)
        if adapter is not None:
            problem = await adapter.check_channel(channel)
            if problem:
                return error(problem)
        feed = await self.store.feeds.upsert(
            Feed(
                channel=channel,
                post_time=post_time,
                timezone=tz_name,
                top_n=int(call.get("top") or 10),
                topic=topic_text,
                empty_day=EmptyDay(str(call.get("empty") or "note")),
                created_by=caller.user_id,
            )
        )
        status = await self._status_message(feed)
        return channel_set_up(status, warning)

    async def _channel_off(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None
    ) -> Message:
        feed = await self.store.feeds.get(channel) if channel else None
        if feed is None or feed.id is None or not feed.enabled:
            return error("This channel has no daily thread to stop.")
        await self.store.feeds.disable(feed.id, None)
        return confirm(
            "Stopped this channel's daily thread. /papers channel setup starts it again."
        )

    async def _channel_status(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None
    ) -> Message:
        feed = await self.store.feeds.get(channel) if channel else None
        return await self._status_message(feed)

    async def _status_message(self, feed: Feed | None) -> Message:
        if feed is None or feed.id is None:
            return feed_status(None)
        return feed_status(feed, await self.publisher.outlook(feed))

    async def _post_now(
        self, caller: UserRef, call: CommandCall, channel: ChannelRef | None
    ) -> Message:
        feed = await self.store.feeds.get(channel) if channel else None
        if feed is None or not feed.enabled:
            return error("Set up a daily thread here first with /papers channel setup.")
        outcome = await self.publisher.post_now(feed, progress=interim_reply.get())
        return confirm(outcome)

    async def _help(self, caller: UserRef, call: CommandCall, _: ChannelRef | None) -> Message:
        return help_message()
