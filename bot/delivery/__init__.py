"""Daily threads: :mod:`.schedule` (pure: when a feed posts), :mod:`.plan` (which papers,
fetching the day first when needed), :mod:`.thread` (posting one claimed thread) and
:mod:`.publisher` (the schedule's runs, claims, retries, post-now, status)."""
