"""The fake Slack Socket Mode endpoint: a minimal RFC 6455 WebSocket server on 127.0.0.1 (stdlib only).

`apps.connections.open` on the fake Slack hands out `new_url()`; slack_sdk's built-in client connects
to it as it would to wss-primary.slack.com (any port but 443 makes it use plain TCP), receives Slack's
`hello`, then the envelopes a test pushes, and answers each with `{"envelope_id", "payload"?}`.
Shapes follow docs.slack.dev/apis/events-api/using-socket-mode. Fragmented client frames are
reassembled; client frames must be masked, as RFC 6455 requires of every client.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import struct
import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

JsonDict = dict[str, Any]
_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3
_TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(client_key: str) -> str:
    """The Sec-WebSocket-Accept answer to a client's Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((client_key + _GUID).encode()).digest()).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    """One unmasked, final frame: servers never mask (RFC 6455 section 5.1)."""
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


class _Connection:
    """One client socket: the handshake, then frames until either side closes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = b""
        self._send_lock = threading.Lock()
        self.open = False

    def _read(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("client went away")
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_request(self) -> tuple[str, dict[str, str]]:
        while b"\r\n\r\n" not in self._buffer:
            chunk = self.sock.recv(4096)
            if not chunk or len(self._buffer) > 16384:
                raise ConnectionError("no complete handshake")
            self._buffer += chunk
        head, self._buffer = self._buffer.split(b"\r\n\r\n", 1)
        request_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        return request_line, headers

    def read_frame(self) -> tuple[bool, int, bytes]:
        """(fin, opcode, unmasked payload); raises ValueError for an unmasked client frame."""
        first, second = self._read(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._read(8))
        if not second & 0x80:
            raise ValueError("unmasked client frame")
        mask = self._read(4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read(size)))
        return bool(first & 0x80), first & 0x0F, payload

    def send(self, data: bytes) -> None:
        with self._send_lock:
            self.sock.sendall(data)

    def close(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):  # already gone
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class FakeSocketMode:
    """Accepts Socket Mode connections on 127.0.0.1 and relays envelopes and their acknowledgements."""

    def __init__(self, app_id: str = "A0SANDBOX") -> None:
        self.app_id = app_id
        self._cond = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[_Connection] = []  # open ones, newest last
        self._messages: list[JsonDict] = []  # every JSON text frame the clients sent
        self._acks: dict[str, JsonDict] = {}  # envelope id -> the client's acknowledgement
        self.connections_made = 0
        self._stopping = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)  # lets the accept loop notice stop()
        self._thread = threading.Thread(target=self._accept_loop, name="fake-socket-mode", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def new_url(self) -> str:
        """A fresh ticket URL, as each `apps.connections.open` issues; unknown tickets are refused."""
        ticket = uuid.uuid4().hex
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    def start(self) -> FakeSocketMode:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._listener.close()
        self.close_connections()

    def close_connections(self, code: int = 1001) -> None:
        """Send every client a close frame (1001: going away) and hang up.

        A close frame rather than a bare EOF: slack_sdk's built-in client spins on a socket that returns
        b"" until its next ping fails, and it only wakes from a blocked read when something arrives.
        """
        with self._cond:
            connections, self._connections = self._connections, []
            self._cond.notify_all()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.send(frame(_CLOSE, struct.pack("!H", code)))
            connection.close()

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests drive and read -----------------------------------------------------------------
    @property
    def messages(self) -> list[JsonDict]:
        with self._cond:
            return list(self._messages)

    @property
    def open_connections(self) -> int:
        with self._cond:
            return len(self._connections)

    def wait_connected(self, timeout: float = 5.0, connections_made: int = 1) -> bool:
        """True once a client is connected and `connections_made` handshakes (with `hello`) happened."""

        def ready() -> bool:
            return bool(self._connections) and self.connections_made >= connections_made

        with self._cond:
            return self._cond.wait_for(ready, timeout)

    def send_envelope(self, type: str, payload: JsonDict, accepts_response_payload: bool = True) -> str:
        """Push `payload` as Slack would (type: slash_commands, interactive or events_api); its id."""
        envelope_id = str(uuid.uuid4())
        envelope: JsonDict = {"envelope_id": envelope_id, "type": type, "payload": payload}
        envelope["accepts_response_payload"] = accepts_response_payload
        if type == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        self._send_json(envelope)
        return envelope_id

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does every few hours."""
        self._send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-sandbox"}})

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> JsonDict:
        """The client's acknowledgement of `envelope_id`; TimeoutError when none came in time."""
        with self._cond:
            if not self._cond.wait_for(lambda: envelope_id in self._acks, timeout):
                raise TimeoutError(f"no acknowledgement of envelope {envelope_id} within {timeout} s")
            return self._acks[envelope_id]

    def _send_json(self, message: JsonDict) -> None:
        if not self.wait_connected(5.0):
            raise ConnectionError("no Socket Mode client is connected")
        with self._cond:
            connection = self._connections[-1]  # Slack may use any open connection; the newest will do
        connection.send(frame(_TEXT, json.dumps(message).encode()))

    # -- the server --------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # listener closed
            sock.settimeout(None)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(_Connection(sock),), daemon=True).start()

    def _handshake(self, connection: _Connection) -> bool:
        request_line, headers = connection.read_request()
        method, target, _ = [*request_line.split(" "), "", ""][:3]
        ticket = parse_qs(urlsplit(target).query).get("ticket", [""])[0]
        key = headers.get("sec-websocket-key", "")
        with self._cond:
            known = ticket in self._tickets
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        if method != "GET" or not upgrade or not key or headers.get("sec-websocket-version") != "13":
            connection.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        if not known:
            connection.send(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        connection.send(f"{answer}Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n".encode())
        hello: JsonDict = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": self.app_id}}
        hello["debug_info"] = {
            "host": "applink-sandbox",
            "build_number": 1,
            "approximate_connection_time": 3600,
        }
        connection.send(frame(_TEXT, json.dumps(hello).encode()))
        return True

    def _serve(self, connection: _Connection) -> None:
        try:
            if not self._handshake(connection):
                return
            connection.open = True
            with self._cond:
                self._connections.append(connection)
                self.connections_made += 1
                self._cond.notify_all()
            self._read_frames(connection)
        except (OSError, ValueError):
            pass  # the client went away or broke the protocol: drop it, as Slack would
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._cond.notify_all()
            connection.close()

    def _read_frames(self, connection: _Connection) -> None:
        fragments: list[bytes] = []
        while connection.open:
            fin, opcode, payload = connection.read_frame()
            if opcode == _PING:
                connection.send(frame(_PONG, payload))
            elif opcode == _CLOSE:
                connection.send(frame(_CLOSE, payload[:2]))  # echo the status code, then hang up
                return
            elif opcode in (0, _TEXT, _BINARY):  # 0: a continuation of a fragmented message
                fragments.append(payload)
                if fin:
                    self._record(b"".join(fragments))
                    fragments = []

    def _record(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return  # Slack ignores what it cannot parse; so do we
        if isinstance(message, dict):
            with self._cond:
                self._messages.append(message)
                if isinstance(message.get("envelope_id"), str):
                    self._acks.setdefault(message["envelope_id"], message)
                self._cond.notify_all()
