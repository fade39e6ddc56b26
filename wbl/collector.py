"""Holding Python's cyclic garbage collector while a batch builds many objects that stay alive.

A batch that makes tens of thousands of small objects, all alive until it ends (a county's
demo load, a state report's records), sets off full collections that walk every one of them
again and find nothing to free: a third to a half of such a batch's time. ``paused`` holds
the collector for the batch and restores it after; nothing leaks, collection is only
delayed. (The matching library has its own, as it does not import the app.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector held inside the block (left as it was if it was already held)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
