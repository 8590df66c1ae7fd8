"""Reading files of the audited tree: bounded, decoded, never executed."""

from __future__ import annotations

import codecs

MAX_FILE_BYTES = 4 * 1024 * 1024


class UnreadableFile(Exception):
    """A file the audit cannot use; the message is the one-line diagnostic."""


def decode(data: bytes) -> str:
    """Decode text the way editors do: BOMs first, then UTF-8, else refuse.

    Binary files (a NUL byte without a UTF-16 BOM) and undecodable bytes are
    refused rather than guessed, so a verdict never rests on mojibake.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):  # before UTF-16: FF FE 00 00
        return data.decode("utf-32")
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        return data.decode("utf-16")
    if b"\x00" in data:
        raise UnreadableFile("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text (byte {exc.start})") from None


def read_text(path, limit: int = MAX_FILE_BYTES) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UnreadableFile(f"larger than {limit // (1024 * 1024)} MiB, skipped")
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"undecodable text: {exc.reason}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")
