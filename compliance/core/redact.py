"""Credentials out of everything we record: URLs with their secrets masked, and known secrets cut
out of free text.

An assessor may point a scanner or a time-stamping service at a URL that carries a credential
(`https://user:token@mirror.example/v1/query?key=...`). That URL must work for the call, but it
must never reach a report, a log, a run record or an error message: those are shared with the
supplier and archived. `redact_url` masks the parts of a URL that hold secrets; `url_secrets`
lists those parts, so that `redact` can remove them from text a tool printed (pip-audit's error
output may echo the URL, decoded or not).

What counts as secret is deliberately simple: the whole user information (`user:password@`),
and the values of query or fragment parameters whose name is one of `SECRET_NAMES` or ends in
`_` and one of them (`auth_token`, `client_secret`, `X-Amz-Signature`), compared without case
and with `-` read as `_`. Everything else in the URL is kept as written, so that the assessor can
still see which service was asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

SECRET_NAMES = frozenset(
    {
        "token",
        "key",
        "api_key",
        "apikey",
        "secret",
        "password",
        "sig",
        "signature",
        "access_token",
    }
)

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")

# scheme://userinfo@host...: the user information is everything between '//' and the last '@'
# before the path. Matched on the raw text, so that a URL that does not parse is masked too.
_AUTHORITY = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.-]*:)?//(?P<authority>[^/?#]*)")


def secret_name(name: str) -> bool:
    """Whether a query parameter of this name holds a secret (see the module docstring)."""
    normalised = percent_decode(name, plus=True).strip().lower().replace("-", "_")
    return normalised in SECRET_NAMES or any(normalised.endswith(f"_{s}") for s in SECRET_NAMES)


def redact_url(url: str) -> str:
    """The URL with its user information and secret parameter values replaced by `***`."""
    rest, hash_, fragment = url.partition("#")
    rest, question, query = rest.partition("?")
    match = _AUTHORITY.match(rest)
    if match is not None and "@" in match["authority"]:
        host = match["authority"].rpartition("@")[2]
        rest = f"{match['head'] or ''}//{MASK}@{host}{rest[match.end() :]}"
    return f"{rest}{question}{_redact_parameters(query)}{hash_}{_redact_parameters(fragment)}"


def _redact_parameters(text: str) -> str:
    """`a=1&token=x` as `a=1&token=***`, the rest of the text kept byte for byte."""
    if "=" not in text:
        return text
    parts = []
    for pair in re.split(r"([&;])", text):
        name, equals, value = pair.partition("=")
        parts.append(f"{name}={MASK}" if equals and value and secret_name(name) else pair)
    return "".join(parts)


def url_secrets(url: str) -> list[str]:
    """The secrets a URL carries, as written and percent-decoded: what `redact` must remove."""
    found: list[str] = []
    rest, _, fragment = url.partition("#")
    rest, _, query = rest.partition("?")
    match = _AUTHORITY.match(rest)
    if match is not None and "@" in match["authority"]:
        userinfo = match["authority"].rpartition("@")[0]
        user, _, password = userinfo.partition(":")
        found += [userinfo, user, password]
    for text in (query, fragment):
        for pair in re.split(r"[&;]", text):
            name, equals, value = pair.partition("=")
            if equals and value and secret_name(name):
                found.append(value)
    decoded = [percent_decode(secret, plus=plus) for secret in found for plus in (False, True)]
    return list(dict.fromkeys(s for s in (*found, *decoded) if s))


def percent_decode(text: str, *, plus: bool = False) -> str:
    """`%41` as `A` (and `+` as a space when `plus`), as a URL's reader would see it.

    Written here rather than taken from `urllib`, which the core does not import (it does no IO).
    """
    raw = (text.replace("+", " ") if plus else text).encode("utf-8", "surrogatepass")
    return _ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), raw).decode("utf-8", "replace")


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every occurrence of each secret replaced by `***`, the longest secrets first.

    A secret is removed wherever it occurs, even inside a longer word: a short password may
    garble an unrelated message, which is a smaller harm than printing it.
    """
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
