"""Every Discord payload the fake sends, built in one place (TESTING.md pitfall 4).

Shapes follow the Discord API docs (v10): all fields discord.py 2.7 reads unconditionally are
present, e.g. ``attachment_size_limit`` on interactions. ``test_payloads.py`` parses each one
with discord.py's own models, so a library upgrade that needs a new field fails there first.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

APP_ID = 1300000000000000001  # a bot's user id is its application id
GUILD_ID = 1300000000000000100
TEXT_CHANNEL_ID = 1300000000000000101
FORUM_CHANNEL_ID = 1300000000000000102
LOCKED_CHANNEL_ID = 1300000000000000103  # @everyone may not create threads or post in them
VOICE_CHANNEL_ID = 1300000000000000104
ALICE_ID = 1300000000000000201
BOB_ID = 1300000000000000202  # has Manage Server
CLOSED_DM_ID = 1300000000000000203  # does not accept DMs (50007)
COMMAND_ID = 1300000000000000300
SESSION_ID = "fake-session-0001"
TOKEN = base64.b64encode(str(APP_ID).encode()).decode().rstrip("=") + ".GfAkE1.not-a-real-signature"

# Permission bits (Discord docs, "Permissions").
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
EPHEMERAL = 1 << 6
LOADING = 1 << 7


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def user(user_id: int, name: str, *, bot: bool = False) -> JSON:
    return {
        "id": str(user_id),
        "username": name.lower(),
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "primary_guild": None,
    }


def bot_user() -> JSON:
    data = user(APP_ID, "Paper Herald", bot=True)
    data.update({"verified": True, "mfa_enabled": False, "locale": "en-US", "email": None})
    return data


def member(
    member_user: JSON, *, permissions: int | None = None, roles: list[str] | None = None
) -> JSON:
    data: JSON = {
        "user": member_user,
        "nick": None,
        "avatar": None,
        "banner": None,
        "roles": roles or [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)  # only in interactions: computed for the channel
    return data


def role(role_id: int, name: str, permissions: int, position: int = 0) -> JSON:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


def overwrite(target_id: int, *, allow: int = 0, deny: int = 0, kind: int = 0) -> JSON:
    return {"id": str(target_id), "type": kind, "allow": str(allow), "deny": str(deny)}


def text_channel(channel_id: int, name: str, overwrites: list[JSON] | None = None) -> JSON:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 0,
        "permission_overwrites": overwrites or [],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "default_auto_archive_duration": 1440,
        "default_thread_rate_limit_per_user": 0,
        "flags": 0,
    }


def forum_channel(channel_id: int, name: str) -> JSON:
    data = text_channel(channel_id, name)
    data.update(
        {
            "type": 15,
            "available_tags": [],
            "default_reaction_emoji": None,
            "default_sort_order": None,
            "default_forum_layout": 0,
        }
    )
    return data


def voice_channel(channel_id: int, name: str) -> JSON:
    return {
        "id": str(channel_id),
        "type": 2,
        "guild_id": str(GUILD_ID),
        "name": name,
        "position": 1,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
        "bitrate": 64000,
        "user_limit": 0,
        "rtc_region": None,
        "video_quality_mode": 1,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def thread(thread_id: int, parent_id: int, name: str, *, owner_id: int = APP_ID) -> JSON:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": str(GUILD_ID),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 1440,
            "archive_timestamp": now_iso(),
            "locked": False,
            "create_timestamp": now_iso(),
        },
    }


def dm_channel(channel_id: int, recipient: JSON) -> JSON:
    return {
        "id": str(channel_id),
        "type": 1,
        "last_message_id": None,
        "recipients": [recipient],
        "flags": 0,
    }


def guild_channels() -> list[JSON]:
    return [
        text_channel(TEXT_CHANNEL_ID, "papers"),
        forum_channel(FORUM_CHANNEL_ID, "paper-forum"),
        text_channel(
            LOCKED_CHANNEL_ID,
            "announcements",
            [overwrite(GUILD_ID, deny=CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)],
        ),
        voice_channel(VOICE_CHANNEL_ID, "voice"),
    ]


def guild_channel(channel_id: int) -> JSON:
    return next(c for c in guild_channels() if int(c["id"]) == channel_id)


def guild(threads: list[JSON] | None = None) -> JSON:
    """GUILD_CREATE: without the members intent only the bot's own member is included;
    ``threads`` are the active threads the bot can see (after a restart, its daily and
    discussion threads of the last day)."""
    return {
        "id": str(GUILD_ID),
        "name": "Reading Club",
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(BOB_ID),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 1,
        "explicit_content_filter": 0,
        "roles": [role(GUILD_ID, "@everyone", EVERYONE_PERMISSIONS)],  # @everyone id == guild id
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "safety_alerts_channel_id": None,
        "joined_at": "2026-01-01T00:00:00+00:00",
        "large": False,
        "unavailable": False,
        "member_count": 3,
        "voice_states": [],
        "members": [member(bot_user())],
        "channels": guild_channels(),
        "threads": threads or [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "lazy": True,
    }


def application() -> JSON:
    """``GET /oauth2/applications/@me``."""
    return {
        "id": str(APP_ID),
        "name": "Paper Herald",
        "icon": None,
        "description": "Daily papers",
        "rpc_origins": [],
        "bot_public": True,
        "bot_require_code_grant": False,
        "bot": bot_user(),
        "terms_of_service_url": None,
        "privacy_policy_url": None,
        "owner": user(BOB_ID, "Bob"),
        "summary": "",
        "verify_key": "0" * 64,
        "team": None,
        "guild_id": None,
        "cover_image": None,
        "flags": 0,
        "tags": [],
        "install_params": None,
        "custom_install_url": None,
        "role_connections_verification_url": None,
        "interactions_endpoint_url": None,  # set -> discord.py warns: no gateway interactions
        "redirect_uris": [],
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "event_webhooks_url": None,
        "event_webhooks_status": 1,
        "event_webhooks_types": [],
        "integration_types_config": {"0": {}},
    }


def hello(interval_ms: int = 41250) -> JSON:
    return {"op": 10, "d": {"heartbeat_interval": interval_ms}, "s": None, "t": None}


def ready(resume_gateway_url: str) -> JSON:
    return {
        "v": 10,
        "user": bot_user(),
        "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
        "session_id": SESSION_ID,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": str(APP_ID), "flags": 0},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "_trace": ['["fake-gateway",{"micros":1}]'],
    }


def dispatch(event: str, seq: int, data: Any) -> JSON:
    return {"op": 0, "t": event, "s": seq, "d": data}


def message(
    message_id: int,
    channel_id: int,
    body: JSON,
    *,
    guild_id: int | None = GUILD_ID,
    flags: int = 0,
    interaction_id: int | None = None,
    interaction_user: JSON | None = None,
) -> JSON:
    """A message as Discord returns it, echoing what the client sent in ``body``."""
    embeds = [{"type": "rich", **e} for e in body.get("embeds") or []]
    data: JSON = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": bot_user(),
        "content": body.get("content") or "",
        "timestamp": now_iso(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": embeds,
        "reactions": [],
        "pinned": False,
        "type": 0,
        "flags": flags | int(body.get("flags") or 0),
        "components": body.get("components") or [],
        "sticker_items": [],
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if interaction_id is not None:
        data["type"] = 20  # CHAT_INPUT_COMMAND reply
        data["webhook_id"] = str(APP_ID)
        data["application_id"] = str(APP_ID)
        data["interaction_metadata"] = {
            "id": str(interaction_id),
            "type": 2,
            "user": interaction_user or user(ALICE_ID, "Alice"),
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
        }
    return data


def thread_create(created: JSON) -> JSON:
    """THREAD_CREATE as the bot gets it for a thread it created (``guilds`` intent)."""
    return {**created, "newly_created": True}


def user_message(
    message_id: int,
    channel_id: int,
    author: JSON,
    *,
    guild_id: int | None = GUILD_ID,
    reply_to: JSON | None = None,
    kind: int | None = None,
    webhook_id: int | None = None,
) -> JSON:
    """MESSAGE_CREATE for someone else's message, as a bot without the Message Content
    intent gets it: ``content`` is empty, no embeds or attachments. ``reply_to`` is the
    message answered (type 19 with ``message_reference`` and ``referenced_message``)."""
    data = message(message_id, channel_id, {}, guild_id=guild_id)
    data["author"] = author
    data["type"] = kind if kind is not None else (19 if reply_to is not None else 0)
    if guild_id is not None and webhook_id is None:
        data["member"] = {k: v for k, v in member(author).items() if k != "user"}
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    if reply_to is not None:
        data["message_reference"] = {
            "type": 0,
            "message_id": reply_to["id"],
            "channel_id": reply_to["channel_id"],
            **({"guild_id": str(guild_id)} if guild_id is not None else {}),
        }
        data["referenced_message"] = reply_to
    return data


def _interaction(
    interaction_id: int,
    token: str,
    kind: int,
    data: JSON,
    *,
    caller: JSON,
    permissions: int,
    channel: JSON | None,
    in_guild: bool = True,
) -> JSON:
    payload: JSON = {
        "id": str(interaction_id),
        "application_id": str(APP_ID),
        "type": kind,
        "data": data,
        "token": token,
        "version": 1,
        "locale": "en-US",
        "app_permissions": str(EVERYONE_PERMISSIONS),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(GUILD_ID)} if in_guild else {"1": caller["id"]},
        "context": 0 if in_guild else 1,
        "attachment_size_limit": 10 * 1024 * 1024,  # read unconditionally by discord.py 2.7
    }
    if channel is not None:  # without it interaction.channel is None (pitfall 6)
        payload["channel"] = channel
        payload["channel_id"] = channel["id"]
    if in_guild:
        payload["guild_id"] = str(GUILD_ID)
        payload["guild"] = {"id": str(GUILD_ID), "locale": "en-US", "features": []}
        payload["guild_locale"] = "en-US"
        payload["member"] = member(caller, permissions=permissions)
    else:
        payload["user"] = caller
    return payload


def caller_permissions(admin: bool) -> int:
    return EVERYONE_PERMISSIONS | (MANAGE_GUILD if admin else 0)


def command_options(path: tuple[str, ...], options: JSON) -> list[JSON]:
    """``("channel", "setup")`` + {"time": "09:00"} -> nested subcommand options."""
    leaf = [
        {"type": 4 if isinstance(value, int) else 3, "name": name, "value": value}
        for name, value in options.items()
    ]
    if len(path) == 1:
        return [{"type": 1, "name": path[0], "options": leaf}]
    return [
        {"type": 2, "name": path[0], "options": [{"type": 1, "name": path[1], "options": leaf}]}
    ]


def command_interaction(
    interaction_id: int,
    token: str,
    path: tuple[str, ...],
    options: JSON | None = None,
    *,
    caller: JSON,
    admin: bool = False,
    channel: JSON | None,
    in_guild: bool = True,
) -> JSON:
    data: JSON = {
        "id": str(COMMAND_ID),
        "name": "papers",
        "type": 1,
        "options": command_options(path, options or {}),
    }
    return _interaction(
        interaction_id,
        token,
        2,
        data,
        caller=caller,
        permissions=caller_permissions(admin),
        channel=channel,
        in_guild=in_guild,
    )


def autocomplete_interaction(
    interaction_id: int,
    token: str,
    path: tuple[str, ...],
    option: str,
    current: str,
    *,
    caller: JSON,
    channel: JSON | None,
) -> JSON:
    options = command_options(path, {option: current})
    leaf = options[0] if len(path) == 1 else options[0]["options"][0]
    leaf["options"][0]["focused"] = True
    data: JSON = {"id": str(COMMAND_ID), "name": "papers", "type": 1, "options": options}
    return _interaction(
        interaction_id,
        token,
        4,
        data,
        caller=caller,
        permissions=caller_permissions(False),
        channel=channel,
    )


def component_interaction(
    interaction_id: int,
    token: str,
    custom_id: str,
    clicked: JSON,
    *,
    caller: JSON,
    channel: JSON | None,
    in_guild: bool = True,
) -> JSON:
    payload = _interaction(
        interaction_id,
        token,
        3,
        {"custom_id": custom_id, "component_type": 2},
        caller=caller,
        permissions=caller_permissions(False),
        channel=channel,
        in_guild=in_guild,
    )
    payload["message"] = clicked
    return payload


def callback_response(
    interaction_id: int, interaction_type: int, callback_type: int, created: JSON | None
) -> JSON:
    """``POST /interactions/{id}/{token}/callback?with_response=true`` (pitfall 2)."""
    info: JSON = {"id": str(interaction_id), "type": interaction_type}
    out: JSON = {"interaction": info}
    if created is not None:
        flags = int(created.get("flags") or 0)
        info["response_message_id"] = created["id"]
        info["response_message_loading"] = bool(flags & LOADING)
        info["response_message_ephemeral"] = bool(flags & EPHEMERAL)
        out["resource"] = {"type": callback_type, "message": created}
    elif callback_type != 8:
        out["resource"] = {"type": callback_type}
    return out


def registered_commands(body: list[JSON], guild_id: int | None = None) -> list[JSON]:
    """``PUT .../commands`` answers with the commands as stored, ids added."""
    out = []
    for index, command in enumerate(body):
        stored = {
            "id": str(COMMAND_ID + index),
            "application_id": str(APP_ID),
            "version": str(COMMAND_ID + 1000 + index),
            "type": command.get("type", 1),
            "default_member_permissions": command.get("default_member_permissions"),
            "nsfw": command.get("nsfw", False),
            "integration_types": command.get("integration_types", [0]),
            "contexts": command.get("contexts"),
            "description": "",  # message commands have none; Discord stores ""
            **command,
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        out.append(stored)
    return out


def error_body(code: int, message: str) -> JSON:
    return {"message": message, "code": code}


def rate_limited_body(retry_after: float, *, is_global: bool = False) -> JSON:
    return {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
        "code": 0,
    }


def rate_limit_headers(retry_after: float, *, remaining: int = 0) -> dict[str, str]:
    """Headers of a real per-route 429; without ``Via`` discord.py assumes a Cloudflare ban (pitfall 7)."""
    return {
        "Via": "1.1 google",
        "Retry-After": f"{max(retry_after, 0.001):.3f}",
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Bucket": "fake-bucket",
        "X-RateLimit-Scope": "user",
    }


def message_command_interaction(
    interaction_id: int,
    token: str,
    name: str,
    target: JSON,
    *,
    caller: JSON,
    channel: JSON | None,
) -> JSON:
    """A message command (type 3, Apps → ``name``) on ``target``: Discord sends the message,
    content included, in ``resolved.messages`` (no Message Content intent needed)."""
    data: JSON = {
        "id": str(COMMAND_ID + 1),
        "name": name,
        "type": 3,
        "target_id": target["id"],
        "resolved": {"messages": {target["id"]: target}},
    }
    return _interaction(
        interaction_id,
        token,
        2,
        data,
        caller=caller,
        permissions=caller_permissions(False),
        channel=channel,
    )
