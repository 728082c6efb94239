"""Commands read the way their help reads (issue 12 §5): parse -> engine -> render, real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.bootstrap import Services
from bot.command_line import parse_line
from bot.commands import COMMANDS, Command, Option, UsageError, validate
from bot.messages import Message, PaperCard
from bot.models import ChannelRef, FeaturedOn, Paper, SourceBatch, UserRef
from storage.store import Repositories
from tests.conftest import CHANNEL, HF_DAY, RecordingAdapter, alice, bob, fixture_ids

ADMIN = alice(admin=True)


def cards(message: Message) -> list[PaperCard]:
    return [b for b in message.blocks if isinstance(b, PaperCard)]


async def setup(engine: Services, args: str, channel: ChannelRef = CHANNEL) -> Message:
    return await engine.dispatcher.handle_text(ADMIN, f"/papers channel setup {args}", channel)


# -- 1. channel setup: arguments by their shape, in any order -------------------------------


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ("Europe/Berlin", ["Time: 09:00 Europe/Berlin, top 10", "Topic: all papers"]),
        ("09:00 UTC diffusion", ["Time: 09:00 UTC, top 10", "Topic: diffusion"]),
        (
            "diffusion -survey 5 europe/berlin 7:30",
            ["Time: 07:30 Europe/Berlin, top 5", "Topic: diffusion -survey"],
        ),
        (
            "tz=asia/tokyo time=18:30 top=3 empty=skip speech",
            ["Time: 18:30 Asia/Tokyo, top 3", "Topic: speech", "Empty days: no post"],
        ),
        ('"09:00" 8', ["Time: 09:00 UTC, top 8", 'Topic: "09:00"']),  # quoted: a topic word
    ],
)
async def test_setup_reads_each_argument_by_its_shape(
    filled: Services, args: str, expect: list[str]
) -> None:
    reply = await setup(filled, args)
    assert not reply.is_error, reply.text
    for line in expect:
        assert line in reply.text


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        ("09:00 10:00", "You gave two times (09:00 and 10:00); give one."),
        ("UTC Europe/Berlin", "You gave two time zones (UTC and Europe/Berlin)"),
        ("tz=UTC tz=CET", "The time zone is given twice (UTC and CET)"),
        (
            "09:00 Europe/Berln",
            "'Europe/Berln' is not an IANA time zone; did you mean Europe/Berlin?",
        ),
        ("PST", "'PST' is not an IANA time zone; did you mean America/Los_Angeles?"),
        ("09:00 Mars/Olympus", "'Mars/Olympus' is not an IANA time zone"),
        ("25:99", "'25:99' is not a time; use HH:MM"),
        ("top=0", "Give a number of papers from 1 to 25 (you gave 0)."),
    ],
)
async def test_setup_errors_name_the_real_problem(filled: Services, args: str, expect: str) -> None:
    reply = await setup(filled, args)
    assert reply.is_error and expect in reply.text and "\n" not in reply.text
    for misleading in ("too long", "whole number"):
        assert misleading not in reply.text


async def test_fixed_offset_zones_warn_about_daylight_saving(filled: Services) -> None:
    reply = await setup(filled, "09:00 EST")
    assert not reply.is_error and "Time: 09:00 EST" in reply.text
    assert (
        "Note: EST is a fixed offset (UTC−05:00 all year) and ignores daylight saving; "
        "to follow local clocks, use America/New_York." in reply.text
    )
    assert "ignores daylight saving" in (await setup(filled, "etc/gmt-3")).text
    # Zones that follow local clocks (EST5EDT keeps US daylight-saving rules) get no warning.
    for ok in ("America/New_York", "EST5EDT", "UTC", "Asia/Tokyo"):
        reply = await setup(filled, ok)
        assert not reply.is_error and "daylight saving" not in reply.text, ok


async def test_the_declaration_still_serves_typed_options(filled: Services) -> None:
    """Discord sends typed option values through validate(); the engine resolves them."""
    decl = next(c for c in COMMANDS if c.path == ("channel", "setup"))
    call = validate(decl, {"timezone": "europe/berlin", "top": 4, "time": "7:05"})
    reply = await filled.dispatcher.handle(ADMIN, call, CHANNEL)
    assert "Time: 07:05 Europe/Berlin, top 4" in reply.text
    assert decl.usage() == "/papers channel setup [HH:MM] [zone] [top] [empty=note|skip] [topic]"


# -- 2. top: two optional arguments in any order; a just-opened discussion counts -------------


@pytest.mark.parametrize(
    ("line", "title"),
    [
        ("top discussed", "Most discussed this week"),
        ("top votes week", "Top papers this week"),
        ("top discussed month", "Most discussed this month"),
        ("top week discussed", "Most discussed this week"),
        ("top day", "Top papers today"),
    ],
)
async def test_top_takes_period_and_order_in_any_order(
    filled: Services, line: str, title: str
) -> None:
    reply = await filled.dispatcher.handle_text(alice(), f"/papers {line}")
    assert not reply.is_error and reply.text.startswith(title), reply.text


async def test_top_refuses_unknown_words_in_plain_words(filled: Services) -> None:
    reply = await filled.dispatcher.handle_text(alice(), "/papers top year")
    assert reply.text == "The period must be one of day, week, month, not 'year'."
    reply = await filled.dispatcher.handle_text(alice(), "/papers top week votes discussed")
    assert reply.is_error and reply.text.startswith("Too many arguments.")


async def test_a_just_opened_discussion_is_in_top_discussed(filled: Services) -> None:
    filled.attach(RecordingAdapter())
    pid = fixture_ids()[0]
    empty = await filled.dispatcher.handle_text(alice(), "/papers top week discussed")
    assert "no discussions yet" in empty.text
    opened = await filled.dispatcher.handle_action(alice(), f"discuss:{pid}", CHANNEL)
    assert "Opened a discussion" in opened.text
    reply = await filled.dispatcher.handle_text(bob(), "/papers top week discussed")
    assert "no discussions yet" not in reply.text
    assert reply.text.splitlines()[1] == (
        "1. Learned Step Schedules for Fast Diffusion Sampling "
        "(💬 discussion opened, no replies yet)"
    )
    assert [c.arxiv_id for c in cards(reply)] == [pid]
    # Opened in another workspace: not this one's.
    other = await filled.dispatcher.handle_text(
        UserRef("console", "elsewhere", "x"), "/papers top week discussed"
    )
    assert "no discussions yet" in other.text


# -- 3. subscriptions --------------------------------------------------------------------------


async def test_the_same_topic_in_another_case_is_not_a_second_subscription(
    filled: Services,
) -> None:
    assert (
        "Subscribed to diffusion (#1)"
        in (await filled.dispatcher.handle_text(alice(), "/papers subscribe diffusion")).text
    )
    for again in ("Diffusion", "DIFFUSION", '"diffusion"', "  diffusion "):
        reply = await filled.dispatcher.handle_text(alice(), f"/papers subscribe {again}")
        assert reply.text == "You already follow diffusion (#1).", again
    listed = await filled.dispatcher.handle_text(alice(), "/papers subscriptions")
    assert "(1/25)" in listed.text
    # Someone else's topic is theirs.
    assert (
        "Subscribed"
        in (await filled.dispatcher.handle_text(bob(), "/papers subscribe Diffusion")).text
    )


async def test_unsubscribe_names_the_topic_it_removed(filled: Services) -> None:
    await filled.dispatcher.handle_text(alice(), '/papers subscribe "gaussian splatting" -survey')
    await filled.dispatcher.handle_text(alice(), "/papers subscribe retrieval")
    await filled.dispatcher.handle_text(alice(), "/papers subscribe state space")
    by_number = await filled.dispatcher.handle_text(alice(), "/papers unsubscribe 2")
    assert by_number.text == "Unsubscribed from retrieval (#2)."
    by_hash = await filled.dispatcher.handle_text(alice(), "/papers unsubscribe #1")
    assert by_hash.text == 'Unsubscribed from "gaussian splatting" -survey (#1).'
    by_text = await filled.dispatcher.handle_text(alice(), "/papers unsubscribe State  Space")
    assert by_text.text == "Unsubscribed from state space (#3)."
    gone = await filled.dispatcher.handle_text(alice(), "/papers unsubscribe #1")
    assert gone.is_error and "don't follow '#1'" in gone.text
    assert (await filled.dispatcher.handle_text(alice(), "/papers subscriptions")).text.startswith(
        "You have no subscriptions"
    )


async def test_help_says_what_unsubscribe_takes(filled: Services) -> None:
    reply = await filled.dispatcher.handle_text(alice(), "/papers help")
    assert "/papers unsubscribe <topic|#id|all>" in reply.text
    assert "/papers top [day|week|month] [votes|discussed]" in reply.text
    assert "Optional arguments go in any order" in reply.text
    shown = " ".join(getattr(b, "text", "") for b in reply.blocks)
    assert "prefix*" in shown  # the search syntax the README documents


@pytest.mark.parametrize(
    ("topic", "expect"),
    [
        ("-survey", "A topic of only exclusions (-survey) would match nearly every new paper"),
        ("since:2099-01-01", "since:2099-01-01 is in the future, so no paper published until"),
        ("since:2020-01-01", "A date alone is not a topic: every new paper would match it."),
        ("diffusion since:2099-01-01", "since:2099-01-01 is in the future"),
        ("diffusion before:2020-01-01", "before:2020-01-01 is in the past"),
        ("since:soon", "since: needs a date like 2025-01-31"),
    ],
)
async def test_topics_that_can_never_match_new_papers_are_refused(
    filled: Services, topic: str, expect: str
) -> None:
    reply = await filled.dispatcher.handle_text(alice(), f"/papers subscribe {topic}")
    assert reply.is_error and expect in reply.text, reply.text
    assert (await filled.dispatcher.handle_text(alice(), "/papers subscriptions")).text.startswith(
        "You have no subscriptions"
    )
    same = await setup(filled, f"09:00 UTC {topic}")  # a channel's topic reads the same way
    assert same.is_error and expect in same.text


async def test_topics_of_filters_that_can_match_are_accepted(filled: Services) -> None:
    for topic in ("cat:cs.CV", "upvotes>:50", "diffusion since:2020-01-01 -survey"):
        reply = await filled.dispatcher.handle_text(alice(), f"/papers subscribe {topic}")
        assert "Subscribed to" in reply.text, topic


# -- 4. one honest reason line -------------------------------------------------------------


def _old_paper() -> SourceBatch:
    paper = Paper(
        arxiv_id="2203.01234",
        title="An Old Paper Featured Again",
        abstract="Old but featured.",
        authors=("Someone",),
        categories=("cs.LG",),
        published_at=datetime(2022, 3, 2, tzinfo=UTC),
        hf_upvotes=0,
    )
    return SourceBatch((paper,), (FeaturedOn(HF_DAY, paper.arxiv_id, "hf", 4),), "hf")


async def test_the_reason_line_says_new_only_for_new_papers(
    filled: Services, store: Repositories
) -> None:
    await store.papers.upsert(_old_paper())
    reply = await filled.dispatcher.handle_text(alice(), "/papers today 25")
    assert "here is Thu 24 Sep" in reply.text
    reasons = {c.arxiv_id: c.reason or "" for c in cards(reply)}
    assert "new" not in reasons["2203.01234"]
    assert "today" not in " ".join(reasons.values())
    # Published Wed 23 Sep, shown for Thu 24 Sep: new.
    assert reasons[fixture_ids()[0]].endswith("new (published Wed 23 Sep)")


async def test_the_reason_line_is_the_same_in_top_and_in_the_thread(filled: Services) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    pid = fixture_ids()[0]
    await filled.dispatcher.handle_action(bob(), f"upvote:{pid}")
    top = await filled.dispatcher.handle_text(alice(), "/papers top week")
    top_reason = next(c.reason for c in cards(top) if c.arxiv_id == pid)
    await setup(filled, "09:00 UTC 3")
    await filled.dispatcher.handle_text(ADMIN, "/papers post-now", CHANNEL)
    thread = [c for m in adapter.thread_items() for c in cards(m)]
    thread_reason = next(c.reason for c in thread if c.arxiv_id == pid)
    assert (
        top_reason
        == thread_reason
        == ("87 HF upvotes · 1 vote here · ★42 on GitHub · new (published Wed 23 Sep)")
    )
    # ▲ means this workspace's votes: the button, never HF upvotes.
    for card in cards(top) + thread:
        assert "▲" not in (card.reason or "")
        assert card.buttons[0].label.startswith("▲ Upvote")


# -- 5. errors in the user's words ----------------------------------------------------------


async def test_today_0_names_what_to_give(filled: Services) -> None:
    reply = await filled.dispatcher.handle_text(alice(), "/papers today 0")
    assert reply.text == "Give a number of papers from 1 to 25 (you gave 0)."
    reply = await filled.dispatcher.handle_text(alice(), "/papers today five")
    assert reply.text == "'five' is not a whole number: give a number of papers from 1 to 25."


async def test_an_unknown_paper_says_what_to_do_instead(filled: Services) -> None:
    for line in ("/papers upvote 2405.99999", "/papers paper 2405.99999"):
        reply = await filled.dispatcher.handle_text(alice(), line)
        assert reply.is_error and reply.text.startswith("I don't have 2405.99999 yet.")
        assert "/papers search" in reply.text and "paperherald fetch --date" in reply.text
        assert "only fetched or imported" not in reply.text


def _bad_values(option: Option) -> list[object]:
    if option.kind == "integer":
        return ["many", (option.max_value or 0) + 1]
    if option.choices:
        return ["zzz"]
    if option.max_length:
        return ["x" * (option.max_length + 1)]
    return []


@pytest.mark.parametrize("decl", COMMANDS, ids=lambda c: c.name)
def test_every_option_error_uses_words_a_user_knows(decl: Command) -> None:
    for option in decl.options:
        raws: list[dict[str, object]] = [{option.name: v} for v in _bad_values(option)]
        if option.required:
            raws.append({})
        for raw in raws:
            with pytest.raises(UsageError) as failed:
                validate(decl, raw)
            message = str(failed.value)
            assert option.noun in message, message
            if option.noun != option.name:  # the internal name is never the subject
                assert not message.startswith(option.name + " "), message
            assert "\n" not in message


def test_today_n_reads_as_number_of_papers_in_text_too() -> None:
    with pytest.raises(UsageError, match=r"^Give a number of papers from 1 to 25"):
        parse_line("/papers today 26")


@pytest.mark.parametrize("line", ["wet lab robotics", "met office weather", "est ist"])
def test_lower_case_words_that_spell_zone_abbreviations_stay_topic_words(line: str) -> None:
    call = parse_line(f"/papers channel setup {line}")
    assert call.get("timezone") is None and call.get("topic") == line
