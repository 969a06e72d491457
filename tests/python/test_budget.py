"""The receive budget (max_queued, ws.h "Input"): ws_feed stops once the
queued events reach it and leaves the rest of the input; the Connection
holds that rest and feeds it as the events are taken. Whatever the
budget, every event of everything received comes out, in order, byte for
byte — whole messages, compressed ones, streamed chunks, views."""

from __future__ import annotations

import unittest
from typing import Any, Dict, List, Tuple

from helpers import handshake

import libws
from libws import (
    BytesChunk,
    BytesMessage,
    Close,
    Initiator,
    MessageView,
    Ping,
    State,
    TextChunk,
    TextMessage,
)


def payloads(n: int) -> List[Any]:
    """n messages of varied sizes (0 .. 70 KB), text and binary, each
    saying its number."""
    out: List[Any] = []
    for i in range(n):
        size = (i * 7919) % 70000 if i % 5 == 0 else i % 300
        unit = b"%05d-" % i
        data = (unit * (size // len(unit) + 1))[:size]
        out.append(data.decode() + "é" if i % 2 else data)
    return out


def wire(client: Dict[str, Any], server: Dict[str, Any], msgs: List[Any]) -> Tuple[Any, bytes]:
    """A server connection and the client frames of msgs, sent in one go."""
    c, s, _, _ = handshake(client, server)
    for m in msgs:
        c.send(m)
    data = c.data_to_send()
    c.free()
    return s, data


def whole(events: List[Any]) -> List[Any]:
    """Streamed chunks joined back into message payloads."""
    out: List[Any] = []
    cur: List[Any] = []
    for ev in events:
        if isinstance(ev, (TextChunk, BytesChunk)):
            cur.append(ev.data)
            if ev.last:
                out.append("".join(cur) if isinstance(ev, TextChunk) else b"".join(cur))
                cur = []
        elif isinstance(ev, (TextMessage, BytesMessage)):
            out.append(ev.data)
    return out


class HeldInputTest(unittest.TestCase):
    def check_one_call(self, budget: int, **opts: Any) -> None:
        msgs = payloads(400)
        s, data = wire(dict(opts), dict(opts, max_queued=budget), msgs)
        with s:
            s.receive_data(data)
            self.assertGreater(s.pending_input, 0)  # the budget did stop libws
            self.assertLessEqual(s.pending_input, len(data))
            self.assertEqual(whole(list(s.events())), msgs)
            self.assertEqual(s.pending_input, 0)
            self.assertEqual(s.pending_events, 0)

    def test_budget_of_one_byte(self) -> None:
        self.check_one_call(1)

    def test_budget_of_100_bytes(self) -> None:
        self.check_one_call(100)

    def test_compressed_with_context_takeover(self) -> None:
        self.check_one_call(1, compression=True)
        self.check_one_call(100, compression=libws.Deflate(min_size=-1))

    def test_compressed_without_context_takeover(self) -> None:
        d = libws.Deflate(client_no_context_takeover=True, server_no_context_takeover=True)
        self.check_one_call(100, compression=d)

    def test_streaming(self) -> None:
        self.check_one_call(1, streaming=True)
        self.check_one_call(100, streaming=True, compression=True)

    def test_chunk_per_frame(self) -> None:
        self.check_one_call(1, streaming=True, chunk_per_frame=True, compression=True)

    def test_unlimited_budget_holds_nothing(self) -> None:
        msgs = payloads(400)
        s, data = wire({}, {"max_queued": -1}, msgs)
        with s:
            s.receive_data(data)
            self.assertEqual(s.pending_input, 0)
            self.assertEqual(s.pending_events, 400)
            self.assertEqual(whole(list(s.events())), msgs)

    def test_default_budget_is_one_mib(self) -> None:
        # 40 messages of 100 KB: libws stops after about 1 MiB of them.
        msgs = [bytes([i]) * 100_000 for i in range(40)]
        s, data = wire({}, {}, msgs)
        with s:
            s.receive_data(data)
            self.assertGreater(s.pending_input, 0)
            self.assertIn(s.pending_events, range(10, 13))
            self.assertEqual([e.data for e in s.events()], msgs)

    def test_bad_budget_is_refused(self) -> None:
        with self.assertRaises(libws.InvalidArgument):
            libws.ServerConnection(max_queued=-2)
        with self.assertRaises(TypeError):
            libws.ServerConnection(max_queued="1")  # type: ignore[arg-type]

    def test_every_way_to_take_events(self) -> None:
        msgs = payloads(200)
        for take in ("next_event", "events_received", "events_before_close"):
            with self.subTest(take):
                s, data = wire({}, {"max_queued": 1, "compression": True}, msgs)
                with s:
                    s.receive_data(data)
                    got: List[Any] = []
                    if take == "next_event":
                        while (ev := s.next_event()) is not None:
                            got.append(ev)
                    else:
                        got = getattr(s, take)()
                    self.assertEqual(whole(got), msgs)
                    self.assertEqual(s.pending_input, 0)

    def test_byte_at_a_time(self) -> None:
        msgs = payloads(60)
        s, data = wire({"compression": True}, {"max_queued": 1, "compression": True}, msgs)
        got: List[Any] = []
        with s:
            for i in range(len(data)):
                s.receive_data(data[i : i + 1])
                got.extend(s.events())
        self.assertEqual(whole(got), msgs)

    def test_feeding_again_before_taking_events_keeps_the_order(self) -> None:
        msgs = payloads(300)
        s, data = wire({"compression": True}, {"max_queued": 100, "compression": True}, msgs)
        with s:
            for i in range(0, len(data), 1000):
                s.receive_data(data[i : i + 1000])
            self.assertGreater(s.pending_input, 0)
            self.assertEqual(whole(list(s.events())), msgs)

    def test_a_reused_buffer_may_change_after_the_call(self) -> None:
        # The rest of a bytearray is copied: the caller reuses its buffer.
        msgs = payloads(100)
        s, data = wire({}, {"max_queued": 1}, msgs)
        buf = bytearray(data)
        with s:
            s.receive_data(buf)
            self.assertGreater(s.pending_input, 0)
            buf[:] = b"\xff" * len(buf)  # a peer fault if it were read now
            buf.extend(b"x")  # and it may be resized: nothing exports it
            self.assertEqual(whole(list(s.events())), msgs)
            s.receive_data(memoryview(bytearray(data[:0])))

    def test_memoryview_and_readonly_inputs(self) -> None:
        msgs = payloads(100)
        for make in (memoryview, lambda d: memoryview(bytearray(d)).toreadonly(), bytearray):
            s, data = wire({}, {"max_queued": 1}, msgs)
            with s:
                s.receive_data(make(data))
                self.assertEqual(whole(list(s.events())), msgs)

    def test_views_stay_valid_across_the_feeds_of_held_input(self) -> None:
        msgs = [b"%04d" % i * (i % 50) for i in range(300)]
        s, data = wire({}, {"max_queued": 1}, msgs)
        with s:
            s.receive_data(data)
            views = list(s.events(copy=False))
            self.assertTrue(all(isinstance(v, MessageView) for v in views))
            self.assertEqual([bytes(v.data) for v in views], msgs)
            views2 = s.events_received(copy=False)
            self.assertEqual(views2, [])
        s, data = wire({}, {"max_queued": 1}, msgs)
        with s:
            s.receive_data(data)
            self.assertEqual([bytes(v.data) for v in s.events_received(copy=False)], msgs)

    def test_eof_behind_held_input(self) -> None:
        msgs = payloads(100)
        s, data = wire({}, {"max_queued": 1}, msgs)
        with s:
            s.receive_data(data)
            s.receive_eof()
            self.assertGreater(s.pending_input, 0)
            with self.assertRaises(libws.InvalidState):
                s.receive_data(b"\x81\x00")
            evs = list(s.events())
            self.assertEqual(whole(evs), msgs)
            self.assertIsInstance(evs[-1], Close)
            self.assertEqual((evs[-1].code, evs[-1].initiator), (1006, Initiator.ABNORMAL))
            self.assertEqual(s.state, State.CLOSED)

    def test_peer_close_behind_held_input_stays_deferred(self) -> None:
        msgs = payloads(100)
        c, s, _, _ = handshake({}, {"max_queued": 1})
        with c, s:
            for m in msgs:
                c.send(m)
            c.ping(b"p")
            c.close(4000, "bye")
            s.receive_data(c.data_to_send())
            self.assertGreater(s.pending_input, 0)
            got, held = s._events_before_close()
            self.assertTrue(held)
            self.assertEqual(whole(got), msgs)
            self.assertIsInstance(got[-1], Ping)
            self.assertTrue(s.close_queued)
            s.send_text("answer")  # the answers go before the close reply
            ev = s.next_event()
            self.assertIsInstance(ev, Close)
            self.assertEqual(ev.code, 4000)  # type: ignore[union-attr]
            c.receive_data(s.data_to_send())
            cev = list(c.events())
            self.assertIsInstance(cev[-2], TextMessage)
            self.assertIsInstance(cev[-1], Close)

    def test_events_before_close_with_a_limit(self) -> None:
        msgs = payloads(100)
        c, s, _, _ = handshake({}, {"max_queued": 1})
        with c, s:
            for m in msgs:
                c.send(m)
            c.close()
            s.receive_data(c.data_to_send())
            got: List[Any] = []
            while True:
                batch, held = s._events_before_close(limit=7)
                self.assertLessEqual(len(batch), 7)
                got.extend(batch)
                if held or not batch:
                    break
            self.assertTrue(held)
            self.assertEqual(whole(got), msgs)


if __name__ == "__main__":
    unittest.main()
