"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): what the service sends, as received."""

import email
import email.policy
import re
import socket


class Inbox:
    """An aiosmtpd handler keeping what it receives; addresses in `refuse` get a permanent error."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for rcpt, m in self.mails if address in rcpt]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body_of(message: email.message.EmailMessage) -> str:
    return message.get_body().get_content()


def link_in(message: email.message.EmailMessage) -> str:
    """The one address into the service in the mail's text, as a path (the test client's form)."""
    found = re.findall(r"https?://[^/\s]+(/\S*)", body_of(message))
    assert len(found) == 1, found
    return found[0]
