"""Backpressure of the socket helpers (libws.sync, libws.asyncio).

A helper's reader queues the messages ``recv()`` returns. An unbounded
queue lets a peer that sends faster than the application takes fill the
memory — a thousand times faster with compressed messages (a few bytes on
the wire inflate to megabytes). So the queue has high-water marks, as in
websockets: once it holds ``max_queue`` messages or ``max_queue_bytes``
bytes, the reader stops reading the socket, and TCP flow control slows
the peer down; it reads again once ``recv()`` has taken the queue down to
a quarter of the marks. What libws holds meanwhile is bounded by its own
receive budget (``max_queued``) and the rest of one read.
"""

from __future__ import annotations

import operator
import sys
from typing import Any, Optional

#: Messages queued for recv() before the reader stops reading.
MAX_QUEUE = 16
#: Bytes of queued messages (their memory) before the reader stops reading.
MAX_QUEUE_BYTES = 16 << 20
#: Bytes of unsent output above which the reader stops reading.
WRITE_LIMIT = 64 << 10


def limit(name: str, value: Any) -> int:
    """A high-water mark: a non-negative int; None or 0 for none."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or None, not bool")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}") from None
    if v < 0:
        raise ValueError(f"{name} must not be negative: {v}")
    return v


def size_of(message: Any) -> int:
    """What a queued message costs: the memory of its payload."""
    return sys.getsizeof(message.data)


class QueueBound:
    """The count and size of a receive queue against its marks. Not
    locked: the sync helper holds its lock around every use."""

    __slots__ = ("max_messages", "max_bytes", "count", "size")

    def __init__(self, max_queue: Optional[int], max_queue_bytes: Optional[int]) -> None:
        self.max_messages = limit("max_queue", max_queue)
        self.max_bytes = limit("max_queue_bytes", max_queue_bytes)
        self.count = 0
        self.size = 0

    def add(self, size: int) -> None:
        self.count += 1
        self.size += size

    def remove(self, size: int) -> None:
        self.count -= 1
        self.size -= size

    def full(self) -> bool:
        """At a high-water mark: stop reading."""
        m, b = self.max_messages, self.max_bytes
        return bool((m and self.count >= m) or (b and self.size >= b))

    def drained(self) -> bool:
        """Down to a quarter of the marks: read again."""
        m, b = self.max_messages, self.max_bytes
        return (not m or self.count <= m // 4) and (not b or self.size <= b // 4)

    def room(self, batch: int) -> int:
        """How many events the reader may take now (at least 1)."""
        m = self.max_messages
        return batch if not m else max(1, min(batch, m - self.count))
