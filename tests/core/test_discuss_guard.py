"""Issue 18 item 9: a channel gets a few new discussion threads per window, and admins can
turn Discuss off for a channel."""

from __future__ import annotations

from bot.bootstrap import Services
from bot.models import ChannelRef
from storage.store import Repositories
from tests.conftest import CHANNEL, HF_DAY, RecordingAdapter, alice, bob, fixture_ids, make_batch


async def test_new_discussions_are_rate_limited_per_channel(
    filled: Services, store: Repositories
) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    batch = make_batch(HF_DAY, 7)
    await store.papers.upsert(batch)
    ids = [p.arxiv_id for p in batch.papers]
    replies = [
        await filled.dispatcher.handle_text(bob(), f"/papers discuss {i}", CHANNEL) for i in ids[:6]
    ]
    assert all("Opened a discussion" in r.text for r in replies[:5])
    assert replies[5].is_error and "try again later" in replies[5].text
    threads = [kind for kind, _, _ in adapter.posts if kind == "thread"]
    assert len(threads) == 5
    other = ChannelRef("console", "ws1", "random")
    reply = await filled.dispatcher.handle_text(bob(), f"/papers discuss {ids[6]}", other)
    assert "Opened a discussion" in reply.text
    # an existing thread is still linked: the limit is on new threads only
    again = await filled.dispatcher.handle_text(alice(), f"/papers discuss {ids[0]}", CHANNEL)
    assert "already has a discussion" in again.text


async def test_admins_turn_discuss_off_for_a_channel(filled: Services) -> None:
    adapter = RecordingAdapter()
    filled.attach(adapter)
    ids = fixture_ids()
    refused = await filled.dispatcher.handle_text(bob(), "/papers channel discuss off", CHANNEL)
    assert refused.is_error  # admins only
    off = await filled.dispatcher.handle_text(
        alice(admin=True), "/papers channel discuss off", CHANNEL
    )
    assert "off" in off.text and not off.is_error
    reply = await filled.dispatcher.handle_text(bob(), f"/papers discuss {ids[0]}", CHANNEL)
    assert reply.is_error and "turned off" in reply.text
    click = await filled.dispatcher.handle_action(bob(), f"discuss:{ids[0]}", CHANNEL)
    assert click.is_error and "turned off" in click.text
    assert not [kind for kind, _, _ in adapter.posts if kind == "thread"]
    elsewhere = ChannelRef("console", "ws1", "random")
    assert (
        "Opened"
        in (await filled.dispatcher.handle_text(bob(), f"/papers discuss {ids[0]}", elsewhere)).text
    )
    await filled.dispatcher.handle_text(alice(admin=True), "/papers channel discuss on", CHANNEL)
    assert (
        "Opened"
        in (await filled.dispatcher.handle_text(bob(), f"/papers discuss {ids[0]}", CHANNEL)).text
    )
