"""Interactions -> the engine: slash commands, button clicks and autocomplete.

Who and where come from the interaction. What a click does around the engine's answer comes
from the action's declaration in ``bot.actions``, not from lists kept here: ``deferred``
answers "thinking…" first (Discord allows 3 s), ``in_parent`` asks in the channel also when
the button sits in one of its threads, ``replaces`` edits the clicked message in place.

Every other command or click races the engine against a DEFER_AFTER timer: answered first,
the answer is the interaction's response; the timer first (a busy store, a slow search),
the interaction is deferred (type 5 "thinking…" for a command, type 6 for a click, so the
clicked message can still be edited) and the answer follows as a follow-up or an edit.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

import discord
from discord import app_commands

from adapters.discord import slash
from adapters.discord.render import NO_MENTIONS, render_message
from adapters.discord.views import ActionButton, relabel
from bot.actions import decode
from bot.commands import Command, UsageError, validate
from bot.messages import Message, admin_refusal, error, internal_error
from bot.models import ChannelRef, UserRef
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

# What "admin" means here, added to the core's one refusal sentence.
ADMIN_HINT = "On Discord that takes the Manage Server permission."
# Where a discussion opens: the channel, also when /papers discuss is used inside a thread.
DISCUSSION_COMMANDS = frozenset({("discuss",)})
# Seconds an answer may take before the interaction is deferred (Discord allows 3 s in all,
# and the answer's own request still has to reach Discord after it).
DEFER_AFTER = 1.5
UPDATE_DEFERRED = discord.InteractionResponseType.deferred_message_update
T = TypeVar("T")


def dm_workspace(user_id: int | str) -> str:
    """A direct message's workspace: the person's own (votes, /papers top and topics used in
    DMs are theirs, not shared by everyone who DMs the bot from any server)."""
    return f"dm:{user_id}"


class Interactions:
    def __init__(
        self,
        client: discord.Client,
        engine: CommandHandler,
        platform: str,
        defer_after: float = DEFER_AFTER,
    ) -> None:
        self.client = client
        self.engine = engine
        self.platform = platform
        self.defer_after = defer_after

    async def in_time(
        self,
        interaction: discord.Interaction[Any],
        work: Awaitable[T],
        defer: Callable[[], Awaitable[Any]],
    ) -> T:
        """``work``'s result; if it takes longer than ``defer_after`` and the interaction is
        not answered yet, ``defer()`` first (the work goes on meanwhile)."""
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done and not interaction.response.is_done():
                # Too late to defer (expired): the work still finishes (a vote stays cast).
                with contextlib.suppress(discord.HTTPException):
                    await defer()
            return await task
        finally:
            task.cancel()  # only if we were cancelled (a done task ignores it)

    # ------------------------------------------------------------------ who and where
    def caller(self, interaction: discord.Interaction[Any]) -> UserRef:
        user = interaction.user
        guild_id = interaction.guild_id
        perms = interaction.permissions
        return UserRef(
            platform=self.platform,
            workspace=str(guild_id) if guild_id else dm_workspace(user.id),
            user_id=str(user.id),
            display_name=user.display_name,
            is_admin=bool(guild_id) and (perms.manage_guild or perms.administrator),
            # the member's permissions in this channel, computed by Discord for the interaction
            may_post=not guild_id
            or perms.administrator
            or (perms.send_messages and perms.create_public_threads),
        )

    def channel_of(self, interaction: discord.Interaction[Any]) -> ChannelRef | None:
        if not interaction.guild_id or interaction.channel_id is None:
            return None  # a DM has no daily thread; the engine says so
        return ChannelRef(self.platform, str(interaction.guild_id), str(interaction.channel_id))

    def discussion_channel(self, interaction: discord.Interaction[Any]) -> ChannelRef | None:
        """Where Discuss opens its thread: the channel it was used in, or, inside a thread
        (the daily thread, a forum post), the thread's parent text or forum channel."""
        here = self.channel_of(interaction)
        if here is None:
            return None
        channel: Any = interaction.channel
        if not isinstance(channel, discord.Thread):
            channel = self.client.get_channel(int(here.channel)) or channel
        if isinstance(channel, discord.Thread) and channel.parent_id:
            return ChannelRef(self.platform, here.workspace, str(channel.parent_id))
        return here

    # ------------------------------------------------------------------ commands
    async def run_command(
        self, interaction: discord.Interaction[Any], decl: Command, values: dict[str, Any]
    ) -> None:
        caller = self.caller(interaction)
        # Checked before deferring too: a public "thinking…" would make the refusal public.
        refusal = admin_refusal(decl, caller, hint=ADMIN_HINT)
        if refusal is not None:
            await self.reply(interaction, refusal)
            return
        if decl.slow:  # answer within Discord's 3 s, then take the time needed
            await interaction.response.defer(ephemeral=decl.ephemeral, thinking=True)
        try:
            call = validate(decl, {k: v for k, v in values.items() if v is not None})
        except UsageError as exc:
            message = error(str(exc))
        else:
            where = (
                self.discussion_channel(interaction)
                if decl.path in DISCUSSION_COMMANDS
                else self.channel_of(interaction)
            )
            message = await self.in_time(
                interaction,
                self.engine.handle(caller, call, where),
                lambda: interaction.response.defer(ephemeral=decl.ephemeral, thinking=True),
            )
        await self.reply(interaction, message)

    async def complete(
        self, interaction: discord.Interaction[Any], kind: str, current: str
    ) -> list[app_commands.Choice[str]]:
        pairs = await self.engine.autocomplete(self.caller(interaction), kind, current)
        return slash.choices(pairs)

    async def on_command_error(
        self, interaction: discord.Interaction[Any], exc: app_commands.AppCommandError
    ) -> None:
        log.error("/papers failed", exc_info=exc)
        with contextlib.suppress(discord.HTTPException):
            await self.reply(interaction, internal_error())

    async def reply(self, interaction: discord.Interaction[Any], message: Message) -> None:
        """Answer an interaction (or follow up a deferred one) with a rendered Message."""
        kwargs = render_message(message).send_kwargs()
        if message.attachment is not None:  # an export: the file goes with the answer
            data, name = message.attachment.data, message.attachment.name
            kwargs["file"] = discord.File(io.BytesIO(data), filename=name)
        ephemeral = message.ephemeral or message.is_error
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=ephemeral, **kwargs)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    # ------------------------------------------------------------------ message command
    async def show_paper(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """ "Show paper" on a message: the cards of the papers it links to, only for the
        caller. Discord sends the message with the interaction (``resolved.messages``), so no
        Message Content intent is needed."""
        try:
            text = "\n".join([message.content or "", *(e.url or "" for e in message.embeds)])
            answer = await self.in_time(
                interaction,
                self.engine.cards_for_links(
                    self.caller(interaction), text, self.channel_of(interaction)
                ),
                lambda: interaction.response.defer(ephemeral=True, thinking=True),
            )
            await self.reply(interaction, replace(answer, ephemeral=True))
        except Exception:
            log.exception("Show paper failed")
            if not interaction.response.is_done():
                with contextlib.suppress(discord.HTTPException):
                    await self.reply(interaction, internal_error())

    # ------------------------------------------------------------------ buttons
    async def on_button(self, interaction: discord.Interaction[Any], button: ActionButton) -> None:
        try:
            await self._button(interaction, button)
        except Exception:
            log.exception("button %s failed", button.action)
            # Not answered yet, or only "thinking…": say so (an answered click stays as it is).
            deferred = interaction.response.type in (
                discord.InteractionResponseType.deferred_channel_message,
                UPDATE_DEFERRED,
            )
            if not interaction.response.is_done() or deferred:
                with contextlib.suppress(discord.HTTPException):
                    await self.reply(interaction, internal_error())

    async def _button(self, interaction: discord.Interaction[Any], button: ActionButton) -> None:
        caller = self.caller(interaction)
        call = decode(button.action)  # None: the engine answers that it is unsupported
        action = call.action if call is not None else None
        if action is not None and action.deferred:
            await interaction.response.defer(ephemeral=True, thinking=True)
        where = (
            self.discussion_channel(interaction)
            if action is not None and action.in_parent
            else self.channel_of(interaction)
        )
        message = await self.in_time(
            interaction,
            self.engine.handle_action(caller, button.action, where),
            interaction.response.defer,  # type 6: the clicked message can still be edited
        )
        # Deferred by the timer (type 6): the clicked message is edited through @original.
        late = interaction.response.type is UPDATE_DEFERRED
        if message.is_error or (interaction.response.is_done() and not late):
            await self.reply(interaction, message)  # an error, or after "thinking…"
            return
        view = button.view
        if message.button_updates and isinstance(view, discord.ui.View):
            # Same message, same buttons, one new label (the vote count); the text privately.
            relabel(view, message.button_updates)
            await self.edit_clicked(interaction, late, view=view, allowed_mentions=NO_MENTIONS)
            await self.reply(interaction, message)
            return
        if action is not None and action.replaces:
            await self.edit_clicked(interaction, late, **render_message(message).edit_kwargs())
            return
        await self.reply(interaction, message)

    @staticmethod
    async def edit_clicked(
        interaction: discord.Interaction[Any], late: bool, **kwargs: Any
    ) -> None:
        """Edit the message whose button was clicked: as the response, or once deferred."""
        if late:
            await interaction.edit_original_response(**kwargs)
        else:
            await interaction.response.edit_message(**kwargs)
