"""The rendering layer: pure functions from papers, lists, feeds and outcomes to neutral
Messages (bot.messages). No platform limits here; adapters fit messages to their platform.
Use cases never assemble a Message themselves: they call these."""
