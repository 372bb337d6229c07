"""Bad frames on the language server's stdin: bounded, reported, and the next message is served.

FramedInput on its own (no process), then `gradlint server` driven with raw bytes.
"""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import time

import pytest

pytest.importorskip("pygls", reason="the lsp extra (pygls) is not installed")

from gradlint.server.framing import MAX_HEADER_LINE_BYTES, MAX_MESSAGE_BYTES, FramedInput  # noqa: E402

WAIT_S = 30


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def bodies(data: bytes) -> tuple[list[dict], list[str]]:
    """What pygls would read through FramedInput: the messages, and the reports."""
    reports: list[str] = []
    framed = FramedInput(io.BytesIO(data), reports.append)
    messages = []
    while True:
        header = framed.readline()
        if not header:
            return messages, reports
        assert framed.readline() == b"\r\n"
        length = int(header.split(b":")[1])
        messages.append(json.loads(framed.read(length)))


def test_well_formed_frames_pass_through():
    data = (frame({"n": 1})
            + b'Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 8\r\n\r\n{"n": 2}'
            + b'content-length:8\r\n\r\n{"n": 3}')
    assert bodies(data) == ([{"n": 1}, {"n": 2}, {"n": 3}], [])


def test_an_oversized_length_is_refused_without_reading_it():
    messages, reports = bodies(b"Content-Length: 99999999999\r\n\r\n" + frame({"n": 1}))
    assert messages == [{"n": 1}]
    assert reports == [f"gradlint: skipped a malformed message (Content-Length 99999999999 is over the limit of "
                       f"{MAX_MESSAGE_BYTES} bytes); reading on from the next Content-Length header"]


def test_a_header_block_without_length_is_skipped_up_to_the_next_header():
    # the skipped body runs straight into the next header, on the same line
    messages, reports = bodies(b"Content-Type: x\r\n\r\n{\"lost\": true}" + frame({"n": 1}) + frame({"n": 2}))
    assert messages == [{"n": 1}, {"n": 2}]
    assert len(reports) == 1 and "a header block without Content-Length" in reports[0]


def test_an_endless_header_line_and_an_empty_body_are_skipped():
    data = b"X" * (10 * MAX_HEADER_LINE_BYTES) + b"\r\n\r\n" + frame({"n": 1}) + b"Content-Length: 0\r\n\r\n" + frame({"n": 2})
    messages, reports = bodies(data)
    assert messages == [{"n": 1}, {"n": 2}]
    assert "a header line longer than" in reports[0] and "empty message" in reports[1]


def test_input_ending_inside_a_body_ends_the_stream():
    assert bodies(frame({"n": 1}) + b"Content-Length: 50\r\n\r\n{\"n\"") == ([{"n": 1}], [])


# -- the server process --------------------------------------------------------------


class Server:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-m", "gradlint", "server"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def _fill(self, deadline: float) -> None:
        ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError("no answer from the server in time")
        data = os.read(self.process.stdout.fileno(), 65536)
        if not data:
            raise AssertionError(f"the server exited: {self.process.stderr.read().decode()}")
        self.buffer += data

    def answer(self, msg_id) -> dict:
        """The response to msg_id, skipping notifications."""
        deadline = time.monotonic() + WAIT_S
        while True:
            while b"\r\n\r\n" not in self.buffer:
                self._fill(deadline)
            head, rest = self.buffer.split(b"\r\n\r\n", 1)
            length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
            while len(rest) < length:
                self._fill(deadline)
                head, rest = self.buffer.split(b"\r\n\r\n", 1)
            message, self.buffer = json.loads(rest[:length]), rest[length:]
            if message.get("id") == msg_id and "method" not in message:
                return message

    def close(self) -> str:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        errors = self.process.stderr.read().decode()
        self.process.stdout.close()
        self.process.stderr.close()
        return errors


INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}}


def test_the_server_survives_bad_frames_and_answers_the_next_request():
    server = Server()
    try:
        server.send(b"Content-Length: 99999999999\r\n\r\n" + frame(INITIALIZE))
        assert server.answer(1)["result"]["serverInfo"]["name"] == "gradlint"
        server.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        server.send(b"Content-Type: application/vscode-jsonrpc\r\n\r\n"
                    b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}')
        server.send(frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}))
        assert server.answer(3) == {"jsonrpc": "2.0", "id": 3, "result": None}
        assert server.process.poll() is None
        server.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    finally:
        errors = server.close()
    lines = [line for line in errors.splitlines() if "skipped a malformed message" in line]
    assert len(lines) == 2, errors
    assert "Content-Length 99999999999 is over the limit" in lines[0]
    assert "a header block without Content-Length" in lines[1]
    assert "MemoryError" not in errors and "Traceback" not in errors
