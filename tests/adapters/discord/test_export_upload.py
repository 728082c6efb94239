"""/papers export on Discord: the file goes with the (deferred) answer as an attachment."""

from __future__ import annotations

import bibtexparser

from adapters.discord import DiscordAdapter
from tests.adapters.discord import payloads as p
from tests.adapters.discord.conftest import command
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_export_answers_with_an_attachment(
    fake: FakeDiscord, adapter: DiscordAdapter
) -> None:
    voted = await command(fake, ("upvote",), {"id": "2609.10001"})
    await voted.wait()
    log = await command(fake, ("export",), {"list": "top", "format": "bibtex"})
    (reply,) = [r for r in await log.wait() if r.files]
    assert reply.path.startswith("/webhooks/")  # export is slow: deferred, then followed up
    (name, _, data) = reply.files[0]
    assert name.startswith("paperherald-top-") and name.endswith(".bib")
    (entry,) = bibtexparser.parse_string(data.decode()).entries  # type: ignore[attr-defined]  # re-exported without __all__
    assert entry["eprint"] == "2609.10001"
    assert "1 paper of the list top, as BibTeX." in reply.body["content"]
    assert reply.body["attachments"][0]["filename"] == name
    assert int(reply.body.get("flags") or 0) & p.EPHEMERAL


async def test_an_empty_export_is_one_sentence(fake: FakeDiscord, adapter: DiscordAdapter) -> None:
    log = await command(fake, ("export",), {"list": "discussed"})
    replies = await log.wait()
    assert not any(r.files for r in replies)
    assert "No paper has been discussed here yet" in replies[-1].body["content"]
