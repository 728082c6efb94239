"""Deterministic papers on a few topics, for the taste tests (no network, no model files)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from bot.models import Paper

TOPICS = {
    "3d": [
        "gaussian",
        "splatting",
        "novel",
        "view",
        "synthesis",
        "3d",
        "reconstruction",
        "radiance",
        "fields",
        "mesh",
        "point",
        "cloud",
        "camera",
        "poses",
        "depth",
        "estimation",
        "scene",
        "geometry",
        "multi-view",
        "stereo",
        "rendering",
    ],
    "llm": [
        "large",
        "language",
        "models",
        "reasoning",
        "chain",
        "of",
        "thought",
        "instruction",
        "tuning",
        "benchmark",
        "tokens",
        "alignment",
        "preference",
        "optimization",
        "prompts",
        "math",
        "problems",
        "evaluation",
        "leaderboard",
    ],
    "speech": [
        "speech",
        "recognition",
        "audio",
        "waveform",
        "speaker",
        "acoustic",
        "phonemes",
        "transcription",
        "text-to-speech",
        "prosody",
        "spectrogram",
        "voice",
        "conversion",
    ],
}
KEYWORDS = {
    "3d": ("Gaussian Splatting", "novel view synthesis", "3D reconstruction"),
    "llm": ("large language models", "chain-of-thought", "instruction tuning"),
    "speech": ("speech recognition", "text-to-speech"),
}
FILLER = [
    "we",
    "the",
    "a",
    "method",
    "approach",
    "model",
    "results",
    "show",
    "propose",
    "that",
    "this",
    "data",
    "training",
    "learning",
    "performance",
    "efficient",
    "framework",
    "experiments",
    "across",
    "tasks",
]


def topical(
    topic: str, n: int, day: date, *, seed: int = 0, prefix: str = "2609", upvotes: int = 10
) -> list[Paper]:
    """``n`` papers about ``topic`` featured ``day``: 60 words, 60 % from the topic."""
    rng = random.Random(f"{topic}-{day}-{seed}")
    words = TOPICS[topic]
    out = []
    for i in range(n):
        body = [rng.choice(words) if rng.random() < 0.6 else rng.choice(FILLER) for _ in range(60)]
        title = " ".join(rng.choice(words) for _ in range(5)).capitalize()
        out.append(
            Paper(
                arxiv_id=f"{prefix}.{topic}{day:%d}{seed}{i:03d}",
                title=title,
                abstract=" ".join(body) + ".",
                authors=(f"{topic.upper()} Author {i % 3}", f"Someone {rng.randrange(50)}"),
                categories=("cs.CV",) if topic == "3d" else ("cs.CL",),
                published_at=datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
                hf_upvotes=upvotes,
                ai_keywords=KEYWORDS[topic][: 1 + i % len(KEYWORDS[topic])],
            )
        )
    return out
