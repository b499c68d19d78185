"""The pipeline verbs, as the track implements them."""

from __future__ import annotations

from ..plugin import track

make_data = track.make_data
train = track.train
evaluate = track.evaluate
predict = track.predict
monitor = track.monitor
small_overrides = track.small_overrides


def __getattr__(name: str) -> object:
    return getattr(track, name)
