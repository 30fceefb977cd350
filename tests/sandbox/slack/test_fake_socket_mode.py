"""The fake Socket Mode endpoint's contract, driven by slack_sdk's built-in SocketModeClient over loopback.

Shapes follow docs.slack.dev/apis/events-api/using-socket-mode: `apps.connections.open` hands out a
ticket URL, the server says `hello`, pushes envelopes, and the client acknowledges each by envelope_id.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.sandbox.slack.fake_slack import FakeSlack
from bot.sandbox.slack.fake_socket_mode import FakeSocketMode, accept_key

pytestmark = pytest.mark.integration


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


class Recorder:
    """A Socket Mode client that records what it hears and acknowledges envelopes as an app would."""

    def __init__(self, slack: FakeSlack, answer: dict[str, Any] | None = None) -> None:
        self.heard: list[dict[str, Any]] = []
        self.requests: list[SocketModeRequest] = []
        self._lock = threading.Lock()
        self.client = SocketModeClient(
            app_token=FakeSlack.app_token, web_client=WebClient(base_url=slack.api_url, timeout=5)
        )
        self.client.message_listeners.append(self._hear)
        self.client.socket_mode_request_listeners.append(self._handle)
        self.answer = answer

    def _hear(self, client: BaseSocketModeClient, message: dict[str, Any], raw: str | None) -> None:
        with self._lock:
            self.heard.append(message)

    def _handle(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        with self._lock:
            self.requests.append(request)
        client.send_socket_mode_response(SocketModeResponse(request.envelope_id, self.answer))


def eventually(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """For client-side state, which no condition of ours is notified about."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def close(client: SocketModeClient, slack: FakeSlack) -> None:
    """Close without the built-in client's wait for a read to time out (3 s): the server hangs up first."""
    client.auto_reconnect_enabled = False
    slack.socket_mode.close_connections()
    # Connection.disconnect tests `sock is not None` outside its lock: wait until the read thread is done
    # with it, or a concurrent close() can fail with AttributeError.
    eventually(lambda: not client.is_connected())
    client.close()


@pytest.fixture
def recorder(slack: FakeSlack) -> Iterator[Recorder]:
    recorder = Recorder(slack, answer={"text": "got it"})
    try:
        recorder.client.connect()
        yield recorder
    finally:
        close(recorder.client, slack)


def test_apps_connections_open_takes_only_the_app_level_token(slack: FakeSlack) -> None:
    url = WebClient(base_url=slack.api_url).apps_connections_open(app_token=FakeSlack.app_token)["url"]
    assert url.startswith(f"ws://127.0.0.1:{slack.socket_mode.port}/link/?ticket=")
    for token, error in (("xapp-not-ours", "invalid_auth"), (FakeSlack.bot_token, "not_allowed_token_type")):
        with pytest.raises(SlackApiError) as refused:
            WebClient(base_url=slack.api_url).apps_connections_open(app_token=token)
        assert refused.value.response["error"] == error
    with pytest.raises(SlackApiError) as app_token_elsewhere:
        WebClient(token=FakeSlack.app_token, base_url=slack.api_url).auth_test()
    assert app_token_elsewhere.value.response["error"] == "not_allowed_token_type"
    assert [name for name, _ in slack.calls] == ["apps.connections.open"]


def test_the_client_connects_hears_hello_and_acknowledges_an_envelope(
    slack: FakeSlack, recorder: Recorder
) -> None:
    assert slack.socket_mode.wait_connected(5) and recorder.client.is_connected()
    payload = {"command": "/innersource", "text": "help", "user_id": "U0SANDBOX1"}
    envelope_id = slack.socket_mode.send_envelope("slash_commands", payload)
    ack = slack.socket_mode.wait_for_ack(envelope_id, timeout=5)
    assert ack == {"envelope_id": envelope_id, "payload": {"text": "got it"}}
    hello = recorder.heard[0]
    assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": FakeSlack.app_id}
    (request,) = recorder.requests
    assert (request.type, request.payload, request.accepts_response_payload) == (
        "slash_commands",
        payload,
        True,
    )


def test_pings_are_answered_and_large_envelopes_arrive_whole(slack: FakeSlack, recorder: Recorder) -> None:
    session = recorder.client.current_session
    assert session is not None  # the client pings right after the handshake; the pong sets this
    assert eventually(lambda: session.last_ping_pong_time is not None)
    big = {"type": "event_callback", "event": {"type": "message", "text": "x" * 70_000}}
    envelope_id = slack.socket_mode.send_envelope("events_api", big, accepts_response_payload=False)
    slack.socket_mode.wait_for_ack(envelope_id, timeout=5)
    (request,) = recorder.requests
    assert request.payload == big and request.retry_attempt == 0


def test_a_disconnect_message_makes_the_client_open_a_new_connection(
    slack: FakeSlack, recorder: Recorder
) -> None:
    assert slack.socket_mode.wait_connected(5)
    slack.socket_mode.send_disconnect("refresh_requested")
    assert slack.socket_mode.wait_connected(10, connections_made=2)
    assert len(slack.calls_to("apps.connections.open")) == 2  # a fresh ticket for the new connection
    envelope_id = slack.socket_mode.send_envelope("interactive", {"type": "block_actions"})
    assert slack.socket_mode.wait_for_ack(envelope_id, timeout=5)["envelope_id"] == envelope_id


def raw_handshake(server: FakeSocketMode, path: str, key: str = "dGhlIHNhbXBsZSBub25jZQ==") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    sock.sendall(f"{request}Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
    return sock


def read_until(sock: socket.socket, done: Callable[[bytes], bool]) -> bytes:
    data = b""
    while not done(data):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def handshake_and_one_frame(data: bytes) -> bool:
    rest = data.partition(b"\r\n\r\n")[2]
    return len(rest) >= 4 and len(rest) >= 4 + struct.unpack("!H", rest[2:4])[0]


def test_the_handshake_follows_rfc_6455_and_refuses_unknown_tickets() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 section 1.3
    with FakeSocketMode() as server:
        with raw_handshake(server, "/link/?ticket=made-up") as refused:
            assert read_until(refused, lambda d: b"\r\n\r\n" in d).startswith(b"HTTP/1.1 401 ")
        path = server.new_url().split(str(server.port), 1)[1]
        with raw_handshake(server, path) as accepted:
            head, _, rest = read_until(accepted, handshake_and_one_frame).partition(b"\r\n\r\n")
            assert (
                head.startswith(b"HTTP/1.1 101 ")
                and b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in head
            )
            assert rest[:2] == b"\x81\x7e"  # a final text frame, unmasked, with a 16-bit length
            assert json.loads(rest[4 : 4 + struct.unpack("!H", rest[2:4])[0]])["type"] == "hello"
            assert server.wait_connected(5)
            accepted.sendall(
                struct.pack("!BB", 0x81, 2) + b"{}"
            )  # unmasked: clients must mask, so it hangs up
            assert read_until(accepted, lambda d: False) == b""
        assert server.open_connections == 0 and server.messages == []
