"""Daily threads, channel posts, edits, limits, mentions, 429s and delivery errors."""

from __future__ import annotations

import pytest

from adapters.discord import DiscordAdapter
from bot.messages import Message, PaperCard, Text
from bot.models import ChannelRef, ScoredPaper
from bot.ports import DeliveryError, PostedRef
from bot.present import feeds
from storage.store import Repositories
from tests.adapters.discord import payloads as p
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.conftest import HF_DAY

TEXT = ChannelRef("discord", str(p.GUILD_ID), str(p.TEXT_CHANNEL_ID))
FORUM = ChannelRef("discord", str(p.GUILD_ID), str(p.FORUM_CHANNEL_ID))


async def digest_item(store: Repositories, arxiv_id: str, rank: int = 1) -> Message:
    paper = await store.papers.get(arxiv_id)
    assert paper is not None
    return feeds.digest_item(ScoredPaper(paper, 1.0, "▲ 12 on HF"), rank)


async def test_open_thread_and_post_into_it(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    header = feeds.digest_header(HF_DAY, 2, topic="diffusion")
    ref = await adapter.open_thread(TEXT, header, header.thread_title or "")
    root = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")[0]
    assert root.body["content"].startswith("### Daily Papers · Thu 24 Sep · 2 papers")
    (created,) = fake.find(
        "POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/{ref.message_id}/threads"
    )
    assert created.body["name"] == "Papers · Thu 24 Sep · diffusion"
    assert created.body["auto_archive_duration"] == 1440
    assert ref.thread_id == ref.message_id  # a thread started from a message has its id

    for rank, arxiv_id in enumerate(("2609.10001", "2609.10003"), 1):
        posted = await adapter.post_in_thread(ref, await digest_item(store, arxiv_id, rank))
        assert posted.thread_id == ref.thread_id
    posts = fake.find("POST", rf"/channels/{ref.thread_id}/messages")
    assert [r.body["embeds"][0]["title"][:2] for r in posts] == ["1.", "2."]
    assert all(r.body["allowed_mentions"] == {"parse": []} for r in posts)
    assert not fake.find("GET", r"/channels/\d+")  # the text channel came from the cache


async def test_resume_posts_into_an_existing_thread_id(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    thread_id = fake.next_id()
    fake.channels[thread_id] = p.thread(thread_id, p.TEXT_CHANNEL_ID, "Papers · yesterday")
    ref = PostedRef(TEXT, str(thread_id), str(thread_id))
    posted = await adapter.post_in_thread(ref, await digest_item(store, "2609.10003"))
    assert fake.messages[int(posted.message_id)]["channel_id"] == str(thread_id)
    assert not fake.find("POST", r"/channels/\d+/messages/\d+/threads")


async def test_forum_channel_gets_one_post_per_day(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    header = feeds.digest_header(HF_DAY, 3)
    ref = await adapter.open_thread(FORUM, header, "x" * 150)
    (post,) = fake.find("POST", rf"/channels/{p.FORUM_CHANNEL_ID}/threads")
    assert len(post.body["name"]) == 100 and post.body["name"].endswith("…")
    assert post.body["message"]["content"].startswith("### Daily Papers")
    assert post.body["message"]["allowed_mentions"] == {"parse": []}
    assert ref.thread_id is not None and int(ref.thread_id) in fake.channels
    await adapter.edit(ref, feeds.digest_header(HF_DAY, 4))  # a forum post's first message
    (patch,) = fake.find("PATCH", rf"/channels/{ref.thread_id}/messages/{ref.message_id}")
    assert "4 papers" in patch.body["content"]


async def test_edit_finds_a_forum_posts_first_message_without_the_cache(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    ref = await adapter.open_thread(FORUM, feeds.digest_header(HF_DAY, 3), "Papers")
    guild = adapter.client.get_guild(p.GUILD_ID)
    forum = guild.get_channel(p.FORUM_CHANNEL_ID) if guild else None
    assert guild is not None and forum is not None
    guild._remove_channel(forum)  # e.g. a restart before GUILD_CREATE listed it again
    await adapter.edit(ref, feeds.digest_header(HF_DAY, 4, note="Live standings: 1. X (▲1)"))
    assert fake.find("GET", rf"/channels/{p.FORUM_CHANNEL_ID}")  # one look at the channel type
    (patch,) = fake.find("PATCH", rf"/channels/{ref.thread_id}/messages/{ref.message_id}")
    assert patch.status == 200 and patch.body["content"].endswith("-# Live standings: 1. X (▲1)")


async def test_a_failed_thread_removes_its_header(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    fake.fail(
        "POST",
        r"/channels/\d+/messages/\d+/threads",
        403,
        p.error_body(50013, "Missing Permissions"),
    )
    with pytest.raises(DeliveryError) as caught:
        await adapter.open_thread(TEXT, feeds.digest_header(HF_DAY, 1), "Papers")
    assert caught.value.permanent and "Missing Permissions" in str(caught.value)
    (root,) = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")
    root_id = fake.requests[fake.requests.index(root) + 1].path.split("/")[4]
    assert fake.find("DELETE", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/{root_id}")
    assert fake.channel_messages(p.TEXT_CHANNEL_ID) == []  # no orphan header for the retry


async def test_everyone_in_a_title_does_not_ping(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    ref = await adapter.open_thread(TEXT, feeds.digest_header(HF_DAY, 1), "Papers")
    await adapter.post_in_thread(ref, await digest_item(store, "2609.10002"))
    await adapter.send(TEXT, Message(text="@everyone look", blocks=(Text("@everyone look"),)))
    posts = fake.find("POST", r"/channels/\d+/messages")
    card = posts[1].body
    assert "@everyone Look Here" in card["embeds"][0]["title"]
    assert card["allowed_mentions"] == {"parse": []}
    assert posts[2].body["content"] == "@everyone look" and posts[2].body["allowed_mentions"] == {
        "parse": []
    }
    assert adapter.client.allowed_mentions is not None
    # dict(): discord.py types to_dict() as having every key; it returns only those set
    client_default = dict(adapter.client.allowed_mentions.to_dict())
    assert client_default == {"parse": []}  # the client default too


async def test_a_huge_card_posts_within_limits(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    card = PaperCard(
        arxiv_id="2609.99999",
        title="T" * 400,
        url="https://arxiv.org/abs/2609.99999",
        authors="A" * 400,
        summary="s",
        reason="r" * 2000,
        categories=("cs.LG",) * 3,
        abstract="word " * 1200,  # 6,000 characters
    )
    message = Message(text="x" * 3000, blocks=(Text("intro " * 500), card))
    posted = await adapter.send(TEXT, message)
    body = fake.find("POST", rf"/channels/{p.TEXT_CHANNEL_ID}/messages")[0].body
    embed = body["embeds"][0]
    assert len(body["content"]) <= 2000 and body["content"].endswith("…")
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096
    assert embed["description"].endswith("…") and len(embed["author"]["name"]) <= 256
    assert all(len(f["value"]) <= 1024 for f in embed["fields"])
    total = (
        sum(len(embed.get(k) or "") for k in ("title", "description"))
        + len(embed["author"]["name"])
        + len(embed["footer"]["text"])
        + sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    )
    assert total <= 6000
    assert posted.message_id in {m["id"] for m in fake.channel_messages(p.TEXT_CHANNEL_ID)}


async def test_a_429_with_retry_after_is_retried(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    route = rf"/channels/{p.TEXT_CHANNEL_ID}/messages"
    fake.fail("POST", route, 429, p.rate_limited_body(0.05), headers=p.rate_limit_headers(0.05))
    posted = await adapter.send(TEXT, Message(text="hello", blocks=(Text("hello"),)))
    attempts = fake.find("POST", route)
    assert [r.status for r in attempts] == [429, 200]
    assert posted.message_id == fake.channel_messages(p.TEXT_CHANNEL_ID)[0]["id"]


async def test_edit_replaces_a_thread_post(
    fake: FakeDiscord, adapter: DiscordAdapter, store: Repositories
) -> None:
    ref = await adapter.open_thread(TEXT, feeds.digest_header(HF_DAY, 1), "Papers")
    posted = await adapter.post_in_thread(ref, await digest_item(store, "2609.10001"))
    await adapter.edit(posted, Message(text="gone", blocks=(Text("withdrawn"),)))
    (patch,) = fake.find("PATCH", rf"/channels/{ref.thread_id}/messages/{posted.message_id}")
    assert patch.body["content"] == "withdrawn" and patch.body["embeds"] == []
    assert patch.body["components"] == [] and patch.body["allowed_mentions"] == {"parse": []}
    await adapter.edit(ref, feeds.digest_header(HF_DAY, 2))  # the root lives in the channel
    assert fake.find("PATCH", rf"/channels/{p.TEXT_CHANNEL_ID}/messages/{ref.message_id}")


@pytest.mark.parametrize(
    ("status", "code", "text", "permanent"),
    [
        (403, 50001, "Missing Access", True),
        (404, 10003, "Unknown Channel", True),
        (503, 0, "upstream connect error", False),
        (400, 50035, "Invalid Form Body", False),
    ],
)
async def test_http_errors_become_delivery_errors(
    fake: FakeDiscord, adapter: DiscordAdapter, status: int, code: int, text: str, permanent: bool
) -> None:
    fake.fail("POST", r"/channels/\d+/messages", status, p.error_body(code, text))
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(TEXT, Message(text="x", blocks=(Text("x"),)))
    assert caught.value.permanent is permanent and text in str(caught.value)


async def test_not_a_snowflake_is_a_permanent_error(adapter: DiscordAdapter) -> None:
    with pytest.raises(DeliveryError) as caught:
        await adapter.send(ChannelRef("discord", "g", "general"), Message(text="x"))
    assert caught.value.permanent


async def test_check_channel(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    def ref(channel_id: int) -> ChannelRef:
        return ChannelRef("discord", str(p.GUILD_ID), str(channel_id))

    assert await adapter.check_channel(ref(p.TEXT_CHANNEL_ID)) is None
    assert await adapter.check_channel(ref(p.FORUM_CHANNEL_ID)) is None
    assert await adapter.check_channel(ref(p.LOCKED_CHANNEL_ID)) == (
        "Paper Herald is missing Create Public Threads and Send Messages in Threads in this "
        "channel; grant them to its role here and run setup again."
    )
    assert await adapter.check_channel(ref(p.VOICE_CHANNEL_ID)) == (
        "Daily threads need a text or forum channel."
    )
    unknown = await adapter.check_channel(ref(42))
    assert unknown is not None and "cannot see this channel" in unknown
    assert fake.find("GET", r"/channels/42")


async def test_permalinks_need_no_request(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    before = len(fake.requests)
    thread = PostedRef(TEXT, "11", "11")
    assert await adapter.permalink(thread) == f"https://discord.com/channels/{p.GUILD_ID}/11"
    message = PostedRef(TEXT, "12")
    assert await adapter.permalink(message) == (
        f"https://discord.com/channels/{p.GUILD_ID}/{p.TEXT_CHANNEL_ID}/12"
    )
    in_thread = PostedRef(TEXT, "13", "11")  # a card inside a thread
    assert await adapter.permalink(in_thread) == f"https://discord.com/channels/{p.GUILD_ID}/11/13"
    assert await adapter.permalink(PostedRef(ChannelRef("discord", "dm", "5"), "6")) is None
    assert len(fake.requests) == before
