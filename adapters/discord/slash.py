"""``/papers`` as one app-command group, generated from ``bot.commands.COMMANDS``.

The declarations are the single source: names, descriptions, option types, required, choices,
lengths, ranges and autocomplete all come from them. Each callback gets a synthetic signature
(discord.py reads parameters from ``inspect.signature``) and forwards the raw values to one
runner, which validates them with ``bot.commands.validate`` like every other binding.

Admin commands carry ``default_permissions(manage_guild=True)``, but Discord only honours
default member permissions on top-level commands: on a subcommand it is ignored, and on the
``/papers`` group it would hide every subcommand from non-admins. So the adapter also checks
Manage Server in code before running an admin command.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from adapters.discord.limits import CHOICE_MAX, clip
from bot.commands import COMMANDS, Command, Option, declaration_hash
from bot.ports import KeyValue

log = logging.getLogger(__name__)

ROOT_NAME = "papers"
ROOT_DESCRIPTION = "Research papers from Hugging Face and arXiv"
SUBGROUP_DESCRIPTIONS = {"channel": "This channel's daily thread"}
DESCRIPTION_MAX = 100
HASH_KEY = "discord.commands_hash"

Runner = Callable[[discord.Interaction[Any], Command, dict[str, Any]], Awaitable[None]]
Completer = Callable[
    [discord.Interaction[Any], str, str], Awaitable[list[app_commands.Choice[str]]]
]


def _annotation(option: Option) -> Any:
    lo, hi = option.min_value, option.max_value
    if option.kind == "integer":
        return app_commands.Range[int, lo, hi] if lo is not None or hi is not None else int
    if option.max_length is not None:
        return app_commands.Range[str, None, option.max_length]
    return str


def _param(option: Option) -> str:
    """The callback parameter of an option: its name, with "-" as "_"."""
    return option.name.replace("-", "_")


def _completer(kind: str, complete: Completer) -> Callable[..., Any]:
    async def autocomplete(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await complete(interaction, kind, current)

    return autocomplete


def _callback(decl: Command, run: Runner, complete: Completer) -> Callable[..., Any]:
    names = {_param(o): o.name for o in decl.options}  # Python parameter -> option name

    async def callback(interaction: discord.Interaction[Any], **values: Any) -> None:
        await run(interaction, decl, {names[k]: v for k, v in values.items()})

    params = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in decl.options:
        if not _param(option).isidentifier():
            raise ValueError(f"option {option.name!r} of {decl.name!r} is not an identifier")
        if option.choices and option.autocomplete:
            raise ValueError(f"Discord cannot combine choices and autocomplete: {option.name!r}")
        params.append(
            inspect.Parameter(
                _param(option),
                inspect.Parameter.KEYWORD_ONLY,
                annotation=_annotation(option),
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    described = app_commands.describe(
        **{_param(o): clip(o.description, DESCRIPTION_MAX) for o in decl.options}
    )(callback)
    renamed = {_param(o): o.name for o in decl.options if _param(o) != o.name}
    if renamed:  # "dm-time": a Discord option name, not a Python one
        described = app_commands.rename(**renamed)(described)
    choices = {
        _param(o): [app_commands.Choice(name=c, value=c) for c in o.choices]
        for o in decl.options
        if o.choices
    }
    if choices:
        described = app_commands.choices(**choices)(described)
    completers = {
        _param(o): _completer(o.autocomplete, complete) for o in decl.options if o.autocomplete
    }
    if completers:
        described = app_commands.autocomplete(**completers)(described)
    return described


def build_group(run: Runner, complete: Completer) -> app_commands.Group:
    root = app_commands.Group(name=ROOT_NAME, description=ROOT_DESCRIPTION)
    subgroups: dict[str, app_commands.Group] = {}
    for decl in COMMANDS:
        parent = root
        if len(decl.path) == 2:
            head = decl.path[0]
            if head not in subgroups:
                subgroups[head] = app_commands.Group(
                    name=head,
                    description=SUBGROUP_DESCRIPTIONS.get(head, f"/papers {head} commands"),
                    parent=root,  # a Group given a parent adds itself to it
                )
            parent = subgroups[head]
        elif len(decl.path) != 1:
            raise ValueError(f"Discord allows one level of subcommand groups: {decl.name!r}")
        command: app_commands.Command[Any, ..., Any] = app_commands.Command(
            name=decl.path[-1],
            description=clip(decl.description, DESCRIPTION_MAX),
            callback=_callback(decl, run, complete),
            parent=parent,
        )
        if decl.admin:
            command.default_permissions = discord.Permissions(manage_guild=True)
        parent.add_command(command)
    return root


def choices(pairs: list[tuple[str, str]]) -> list[app_commands.Choice[str]]:
    """The core's suggestions -> at most 25 choices; a value Discord cannot carry is skipped."""
    out = []
    for label, value in pairs:
        if not value or len(value) > CHOICE_MAX:
            continue  # a cut value would name something else
        out.append(app_commands.Choice(name=clip(label or value, CHOICE_MAX), value=value))
    return out[:25]


SHOW_PAPER = "Show paper"  # the message command (context menu) beside /papers
MESSAGE_COMMANDS = (SHOW_PAPER,)


def build_show_paper(
    run: Callable[[discord.Interaction[Any], discord.Message], Awaitable[None]],
) -> app_commands.ContextMenu:
    """The "Show paper" message command: Apps → Show paper on any message."""

    async def show_paper(interaction: discord.Interaction[Any], message: discord.Message) -> None:
        await run(interaction, message)

    return app_commands.ContextMenu(name=SHOW_PAPER, callback=show_paper)


def sync_marker(guild_ids: list[int]) -> str:
    target = ",".join(str(g) for g in sorted(guild_ids)) or "global"
    menus = "+".join(MESSAGE_COMMANDS)  # a new message command uploads again too
    return f"{declaration_hash()}[{menus}]@{target}"


async def sync_if_needed(
    tree: app_commands.CommandTree[Any],
    kv: KeyValue | None,
    guild_ids: list[int],
    *,
    force: bool,
) -> bool:
    """Upload the commands when the declarations (or the target guilds) changed, or when asked.

    Discord rate-limits command uploads (pitfall 9), so this is never done on every boot.
    Guild commands update instantly; global ones can take a while to appear everywhere.
    """
    marker = sync_marker(guild_ids)
    if not force:
        if kv is None:
            log.info("slash commands not synced: no store to remember them; use --sync-commands")
            return False
        if await kv.get(HASH_KEY) == marker:
            return False
    try:
        if guild_ids:
            for guild_id in guild_ids:
                await tree.sync(guild=discord.Object(guild_id))
        else:
            await tree.sync()
    except discord.HTTPException as exc:
        where = f"guilds {guild_ids}" if guild_ids else "all servers"
        log.error("could not upload the /papers commands to %s: %s", where, exc)
        return False
    if kv is not None:
        await kv.set(HASH_KEY, marker)
    log.info("uploaded the /papers commands (%s)", marker)
    return True
