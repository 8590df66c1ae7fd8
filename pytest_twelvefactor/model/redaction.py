"""Secret values out of every message the audit emits.

The model already keeps secret payloads away from evaluators where it can
(Secret ``data``/``stringData`` are replaced when parsed, dotenv values never
leave the model, package-index URLs are stored redacted). Command lines,
however, are echoed as evidence ("process type … (gunicorn --token …)"), and
a command line may carry a credential. :func:`redact` is applied to every
evidence message, result summary and diagnostic when it is created, so
whatever a check writes, what reaches a report says *where* a secret is and
*which* flag or variable holds it, never its value.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://user:password@host -> scheme://user:***@host (references such as ${DB_PASSWORD} kept)
_URL_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://[^/@\s:'\"`]*):([^/@\s'\"`]+)@", re.I)
_SECRET_WORD = r"(?:password|passwd|passphrase|pwd|secret|token|api[-_]?key|apikey|private[-_]?key|access[-_]?key|credentials?|_auth)"
# --password=x, --api-key x, -token x  (flags)
_SECRET_FLAG = re.compile(rf"(?<![\w-])(--?[\w.-]*{_SECRET_WORD}[\w-]*)(=|[ \t]+)([^\s'\"`,;)\]]+)", re.I)
# SECRET_KEY=x, db.password=x, _authToken=x  (assignments in commands, --set, env lines)
_SECRET_ASSIGNMENT = re.compile(rf"(?<![\w.-])([\w.]*{_SECRET_WORD}[\w.]*)=([^\s'\"`,;)\]]+)", re.I)
# docker login -u bot -p x
_LOGIN_PASSWORD = re.compile(r"(\blogin\b[^\n|&;]*?[ \t]-p)([ \t]+)([^\s'\"`]+)")


def _keep_reference(value: str) -> bool:
    """``$VAR``, ``${VAR}``, ``$(VAR)``, ``${{ secrets.X }}``, ``<placeholder>`` or already masked."""
    return value.startswith("$") or set(value) == {"*"} or (value.startswith("<") and value.endswith(">"))


_ANY_SECRET_WORD = re.compile(_SECRET_WORD, re.I)


def redact(text: str) -> str:
    """``text`` with credentials in URLs and values of secret-named flags/assignments masked."""
    if not text or not isinstance(text, str):
        return text
    if "@" not in text and "login" not in text and not _ANY_SECRET_WORD.search(text):
        return text  # none of the patterns below can match (one search instead of four substitutions)

    def url(match: re.Match) -> str:
        return match.group(0) if _keep_reference(match.group(2)) else f"{match.group(1)}:{MASK}@"

    def flag(match: re.Match) -> str:
        value = match.group(3)
        if _keep_reference(value) or value.startswith("-"):
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{MASK}"

    def assignment(match: re.Match) -> str:
        return match.group(0) if _keep_reference(match.group(2)) else f"{match.group(1)}={MASK}"

    text = _URL_CREDENTIALS.sub(url, text)
    text = _SECRET_FLAG.sub(flag, text)
    text = _LOGIN_PASSWORD.sub(flag, text)
    return _SECRET_ASSIGNMENT.sub(assignment, text)
