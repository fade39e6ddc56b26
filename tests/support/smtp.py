"""A real SMTP server on loopback (aiosmtpd) that records what it is given, and answers as a
test tells it to: the outbox is tested through the real SMTP path, never a mock."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def content(self) -> str:
        return self.raw.decode()

    @property
    def email(self) -> EmailMessage:
        """Parsed from the bytes (a str parse would leave an 8-bit body undecoded)."""
        parsed = message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Recorder:
    """An aiosmtpd handler. ``answers`` are replies to the next RCPT commands, one each
    ("450 …" a passing refusal, "550 …" a permanent one); without one, RCPT is accepted.
    ``data_answer`` replaces "250 OK" after DATA when set."""

    messages: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    data_answer: str = ""
    rcpt_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's API
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.rcpt_count += 1
            answer = self.answers.pop(0) if self.answers else ""
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.data_answer:
            return self.data_answer
        with self.lock:
            self.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    """A recording SMTP server on 127.0.0.1; yields it and its port."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield recorder, controller.port
    finally:
        controller.stop()
