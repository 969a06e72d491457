"""Sans-I/O against sans-I/O, in memory: our connections against Debian's
python3-wsproto (1.2), both roles, with permessage-deflate."""

from __future__ import annotations

import unittest
from typing import Any, List

from helpers import BINDING  # noqa: F401

import libws
from libws import ClientConnection, Deflate, Initiator, ServerConnection

try:
    from wsproto import ConnectionType, WSConnection
    from wsproto import events as wse
    from wsproto.extensions import PerMessageDeflate
except ImportError as e:  # a missing peer is a failure, never a skip
    raise ImportError(f"these tests need python3-wsproto (Debian): {e}; run tests/python/run.sh") from e


def wsproto_events(w: Any, data: bytes) -> List[Any]:
    w.receive_data(data)
    return list(w.events())


class WsprotoTest(unittest.TestCase):
    def test_our_server_wsproto_client(self) -> None:
        w = WSConnection(ConnectionType.CLIENT)
        req = w.send(wse.Request(host="example.com", target="/room", subprotocols=["b", "a"], extensions=[PerMessageDeflate()]))
        s = ServerConnection(subprotocols=["a"], compression=True)
        s.receive_data(req)
        r, o = list(s.events())
        self.assertEqual((r.target, r.subprotocols), ("/room", ("b", "a")))  # type: ignore[attr-defined]
        self.assertIsNotNone(o.deflate)  # type: ignore[attr-defined]
        (acc,) = wsproto_events(w, s.data_to_send())
        self.assertIsInstance(acc, wse.AcceptConnection)
        self.assertEqual(acc.subprotocol, "a")
        out = w.send(wse.TextMessage(data="hé" * 100)) + w.send(wse.BytesMessage(data=b"\x00" * 3))
        out += w.send(wse.Message(data="frag", message_finished=False)) + w.send(wse.Message(data="ment", message_finished=True))
        out += w.send(wse.Ping(payload=b"p"))
        s.receive_data(out)
        evs = list(s.events())
        self.assertEqual(
            evs,
            [
                libws.TextMessage("hé" * 100, compressed=True),
                libws.BytesMessage(b"\x00" * 3, compressed=True),
                libws.TextMessage("fragment", compressed=True),
                libws.Ping(b"p"),
            ],
        )
        s.send_text("reply " * 20)
        s.send_bytes(b"")
        got = wsproto_events(w, s.data_to_send())
        self.assertIsInstance(got[0], wse.Pong)
        self.assertEqual(got[1].data, "reply " * 20)
        self.assertEqual(got[2].data, b"")
        s.receive_data(w.send(wse.CloseConnection(code=4000, reason="bye")))
        self.assertEqual(list(s.events()), [libws.Close(4000, "bye", Initiator.PEER)])
        (cl,) = wsproto_events(w, s.data_to_send())
        self.assertEqual(cl.code, 4000)

    def test_our_client_wsproto_server(self) -> None:
        d = Deflate(client_no_context_takeover=True, server_no_context_takeover=True)
        c = ClientConnection("ws://example.com/x?y=1", subprotocols=["chat"], compression=d)
        w = WSConnection(ConnectionType.SERVER)
        (req,) = wsproto_events(w, c.data_to_send())
        self.assertIsInstance(req, wse.Request)
        self.assertEqual(req.target, "/x?y=1")
        resp = w.send(wse.AcceptConnection(subprotocol="chat", extensions=[PerMessageDeflate()]))
        c.receive_data(resp)
        (o,) = list(c.events())
        self.assertEqual(o.subprotocol, "chat")  # type: ignore[attr-defined]
        self.assertEqual(o.deflate, libws.DeflateParams(True, True, 15, 15))  # type: ignore[attr-defined]
        for i in range(3):
            c.send_text(f"message {i} " * 30)
        c.begin_message()
        c.send_fragment(b"12")
        c.send_fragment(b"34", final=True)
        evs = wsproto_events(w, c.data_to_send())
        texts = [e.data for e in evs if isinstance(e, wse.TextMessage)]
        self.assertEqual(texts, [f"message {i} " * 30 for i in range(3)])
        self.assertEqual(b"".join(e.data for e in evs if isinstance(e, wse.BytesMessage)), b"1234")
        c.receive_data(w.send(wse.TextMessage(data="from wsproto " * 10)) + w.send(wse.Ping(payload=b"q")))
        self.assertEqual(list(c.events()), [libws.TextMessage("from wsproto " * 10, compressed=True), libws.Ping(b"q")])
        c.close(1000, "done")
        evs = wsproto_events(w, c.data_to_send())
        self.assertIsInstance(evs[0], wse.Pong)
        self.assertEqual((evs[1].code, evs[1].reason), (1000, "done"))
        c.receive_data(w.send(evs[1].response()))
        self.assertEqual(list(c.events()), [libws.Close(1000, "done", Initiator.US)])


if __name__ == "__main__":
    unittest.main()
