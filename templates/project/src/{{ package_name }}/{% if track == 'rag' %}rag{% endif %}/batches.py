"""Question batches for monitoring: a clean one like the golden traffic and a shifted off-topic one."""

from __future__ import annotations

import random

_REWRITES = (
    ("How do I ", "How can I "),
    ("How can I ", "How do I "),
    ("What is ", "What's "),
    ("Can I ", "Am I able to "),
    ("When does ", "When will "),
)
_FRAMES = (
    "What is the best {} for a beginner?",
    "Can you recommend a good {}?",
    "Who invented the {}?",
    "What is the history of the {}?",
    "Where can I find a cheap {} near me?",
    "Tell me something interesting about the {}.",
    "Is a {} worth it?",
)
_TOPICS = (
    "chocolate cake recipe",
    "marathon training plan",
    "vegetarian lasagna",
    "yoga routine",
    "electric guitar",
    "Roman empire",
    "Eiffel Tower",
    "mountain bike",
    "opera singer",
    "chess opening",
    "tomato garden",
    "jazz album",
    "telescope",
    "football club",
    "violin",
    "sushi restaurant",
    "camping tent",
    "oil painting",
    "poetry collection",
    "video game console",
    "ski resort",
    "coffee grinder",
    "bird watching guide",
    "piano teacher",
)


def rephrase(question: str, rng: random.Random) -> str:
    """A light rewrite that keeps the meaning: case, punctuation or a synonymous opening."""
    choice = rng.randrange(4)
    if choice == 1:
        return question[0].lower() + question[1:]
    if choice == 2:
        return question.rstrip("?").rstrip()
    if choice == 3:
        for old, new in _REWRITES:
            if question.startswith(old):
                return new + question[len(old) :]
    return question


def clean_batch(golden_questions: list[str], n: int, seed: int) -> list[str]:
    """``n`` questions drawn from the golden set's mix (answerable and not), lightly rephrased."""
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    return [rephrase(rng.choice(golden_questions), rng) for _ in range(n)]


def off_topic_questions(n: int, seed: int) -> list[str]:
    """``n`` questions about things a product handbook does not cover."""
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    return [rng.choice(_FRAMES).format(rng.choice(_TOPICS)) for _ in range(n)]


def shifted_batch(golden_questions: list[str], n: int, seed: int, off_topic_share: float = 0.9) -> list[str]:
    """``n`` questions, mostly off-topic: the traffic a misrouted or abused endpoint sees."""
    rng = random.Random(seed)  # noqa: S311 (seeded sampling, not security)
    off = round(n * off_topic_share)
    questions = off_topic_questions(off, seed) + [
        rephrase(rng.choice(golden_questions), rng) for _ in range(n - off)
    ]
    rng.shuffle(questions)
    return questions
