"""A real SMTP server for the server's mail tests (aiosmtpd from PyPI).

    python3 smtp_sink.py PORT DIRECTORY

Listens on 127.0.0.1:PORT and writes each message it accepts to DIRECTORY
as NAME.eml (with the envelope in X-Envelope-* headers first), and a
NAME.json summary the Rust tests read: envelope, subject, the plain and HTML
bodies, problems found in the HTML, and each attachment saved under
NAME.parts/. Files appear by rename, so a reader never sees half a message.
"""

import email
import email.policy
import html.parser
import json
import os
import sys
import threading
import time
import uuid

from aiosmtpd.controller import Controller

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class TagBalance(html.parser.HTMLParser):
    """Finds unclosed and stray end tags: enough to call the HTML part valid."""

    def __init__(self):
        super().__init__()
        self.stack = []
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()

    def close(self):
        super().close()
        if self.stack:
            self.problems.append(f"unclosed {self.stack}")


class SaveMessages:
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts_dir = os.path.join(self.directory, name + ".parts")
        os.makedirs(parts_dir)
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_to": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "text": None,
            "html": None,
            "html_problems": [],
            "attachments": [],
        }
        for part in message.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            content_type = part.get_content_type()
            if filename:
                data = part.get_payload(decode=True)
                path = os.path.join(parts_dir, os.path.basename(filename))
                with open(path, "wb") as f:
                    f.write(data)
                summary["attachments"].append(
                    {"filename": filename, "content_type": content_type, "path": path, "size": len(data)}
                )
            elif content_type == "text/plain":
                summary["text"] = part.get_content()
            elif content_type == "text/html":
                summary["html"] = part.get_content()
                checker = TagBalance()
                checker.feed(summary["html"])
                checker.close()
                summary["html_problems"] = checker.problems
        with open(os.path.join(self.directory, name + ".eml.tmp"), "wb") as f:
            f.write(b"X-Envelope-From: " + envelope.mail_from.encode() + b"\r\n")
            f.write(b"X-Envelope-To: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(raw)
        os.rename(os.path.join(self.directory, name + ".eml.tmp"), os.path.join(self.directory, name + ".eml"))
        with open(os.path.join(self.directory, name + ".json.tmp"), "w") as f:
            json.dump(summary, f)
        os.rename(os.path.join(self.directory, name + ".json.tmp"), os.path.join(self.directory, name + ".json"))
        return "250 2.0.0 OK: saved as " + name


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(SaveMessages(directory), hostname="127.0.0.1", port=port)
    controller.start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
