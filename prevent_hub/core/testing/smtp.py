"""A real SMTP server on loopback for tests (aiosmtpd): email goes over the wire, not into a stub."""
import email
import socket
from email.message import Message

from aiosmtpd.controller import Controller


class _Collector:
    def __init__(self):
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackSMTPServer:
    def __init__(self):
        self.collector = _Collector()
        self.port = _free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Message]:
        return self.collector.messages

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


def body_of(message: Message) -> str:
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return part.get_payload(decode=True).decode()
    return message.get_payload(decode=True).decode()
