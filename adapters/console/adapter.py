"""The console adapter: every /papers command in a terminal or from a pipe, no tokens needed.

The local user is an admin of the workspace ``local``; the terminal is channel ``terminal``.
Daily posts and DMs for console feeds print here too.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import sys
import threading
from typing import TextIO

from adapters.console.render import render_message
from bot.messages import Actions, Message
from bot.models import ChannelRef, Platform, UserRef
from bot.ports import CommandHandler, PostedRef

WORKSPACE = "local"
CHANNEL = "terminal"
PROMPT = "papers> "


def local_user() -> UserRef:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "you"
    return UserRef(Platform.CONSOLE.value, WORKSPACE, name, name, is_admin=True)


class ConsoleAdapter:
    platform = Platform.CONSOLE.value

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._ids = itertools.count(1)

    def write(self, text: str) -> None:
        self.out.write(text.rstrip("\n") + "\n")
        self.out.flush()

    def _ref(self, channel: ChannelRef, thread: str | None = None) -> PostedRef:
        mid = f"m{next(self._ids)}"
        return PostedRef(channel=channel, message_id=mid, thread_id=thread)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def send(self, channel: ChannelRef, message: Message) -> PostedRef:
        self.write(f"[#{channel.channel}]\n{render_message(message)}\n")
        return self._ref(channel)

    async def open_thread(self, channel: ChannelRef, header: Message, title: str) -> PostedRef:
        ref = self._ref(channel)
        self.write(f"[#{channel.channel}] {render_message(header)}\n🧵 thread “{title}”")
        return PostedRef(channel, ref.message_id, thread_id=ref.message_id)

    async def post_in_thread(self, thread: PostedRef, message: Message) -> PostedRef:
        body = render_message(message).replace("\n", "\n  │ ")
        self.write(f"  │ {body}\n  │")
        return self._ref(thread.channel, thread.thread_id)

    async def edit(self, ref: PostedRef, message: Message) -> None:
        self.write(f"(edited {ref.message_id})\n{render_message(message)}")

    async def send_dm(self, user: UserRef, message: Message) -> PostedRef:
        self.write(f"✉ DM to {user.display_name or user.user_id}\n{render_message(message)}\n")
        return self._ref(ChannelRef(self.platform, user.workspace, f"dm-{user.user_id}"))

    async def reply_ephemeral(self, channel: ChannelRef, user: UserRef, message: Message) -> None:
        self.write(render_message(message))

    async def check_channel(self, channel: ChannelRef) -> str | None:
        return None


def _reader(stdin: TextIO) -> asyncio.Queue[str]:
    """Lines from ``stdin`` on a daemon thread. Not the loop's default executor: a thread
    blocked in readline() there would keep the process alive after SIGTERM."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while True:
            try:
                line = stdin.readline()
            except (OSError, ValueError):
                line = ""
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is gone: we are shutting down
                return
            if not line:
                return

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    return queue


def nav_actions(message: Message) -> dict[str, str]:
    """Pagination buttons of a message, by console word (``next``/``previous``)."""
    found = {}
    for block in message.blocks:
        if isinstance(block, Actions):
            for b in block.buttons:
                if b.action.startswith("search:"):
                    found["next" if "Next" in b.label else "previous"] = b.action
    return found


async def run_console(engine: CommandHandler, adapter: ConsoleAdapter, stdin: TextIO) -> int:
    """Read lines until EOF (or ``quit``); answer each. Returns the exit code (0)."""
    user = local_user()
    channel = ChannelRef(adapter.platform, WORKSPACE, CHANNEL)
    interactive = stdin.isatty()
    nav: dict[str, str] = {}
    if interactive:
        adapter.write("Paper Herald console. Type /papers help, or quit to leave.")
    lines = _reader(stdin)
    while True:
        if interactive:
            adapter.out.write(PROMPT)
            adapter.out.flush()
        line = await lines.get()
        if not line:
            break
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("quit", "exit"):
            break
        if not interactive:
            adapter.write(f"{PROMPT}{line}")
        word = line.lower().removeprefix("/papers ").strip()
        if word in ("next", "previous", "prev"):
            action = nav.get("previous" if word == "prev" else word)
            if action is None:
                adapter.write("There is no other page to show.")
                continue
            reply = await engine.handle_action(user, action, channel)
        else:
            reply = await engine.handle_text(user, line, channel)
        nav = nav_actions(reply) or nav
        adapter.write(render_message(reply) + "\n")
    return 0
