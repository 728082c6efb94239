"""Dependency injection by parameter name, for the handler tables (bot.handlers).

A handler declares what it needs as parameters: values of the request (``caller``, ``call``,
``channel``, ``prefix``) and dependencies (``papers``, ``clock``, ``max_subscriptions`` …).
:func:`bind` gives it the dependencies once, at start-up, and fails loudly on a parameter
that is neither; the dispatcher then passes only the request values the handler declared.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K")
REQUEST = frozenset({"caller", "call", "channel", "prefix", "text"})


class InjectionError(RuntimeError):
    """A handler asks for something nobody provides: a start-up error, never a 9 am one."""


@dataclass(frozen=True)
class Bound:
    """A handler with its dependencies given; called with request values by name."""

    name: str
    run: Callable[..., Awaitable[Any]]
    wants: frozenset[str]

    async def __call__(self, **request: object) -> Any:
        return await self.run(**{k: v for k, v in request.items() if k in self.wants})


def bind(handler: Callable[..., Awaitable[Any]], deps: Mapping[str, object]) -> Bound:
    name = f"{handler.__module__}.{handler.__qualname__}"
    if clash := REQUEST & deps.keys():
        raise InjectionError(f"dependencies named like request values: {sorted(clash)}")
    given: dict[str, object] = {}
    wants = set()
    for param in inspect.signature(handler).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise InjectionError(f"{name}: parameters are bound by name; {param} is not")
        if param.name in REQUEST:
            wants.add(param.name)
        elif param.name in deps:
            given[param.name] = deps[param.name]
        else:
            known = ", ".join(sorted(deps))
            raise InjectionError(f"{name}: no dependency named {param.name!r} (known: {known})")
    return Bound(name, functools.partial(handler, **given), frozenset(wants))


def bind_table(
    table: Mapping[K, Callable[..., Awaitable[Any]]], deps: Mapping[str, object]
) -> dict[K, Bound]:
    return {key: bind(handler, deps) for key, handler in table.items()}
