"""Who may use `tcoder serve`: the token, and the Host and Origin a request may name.

The server is reachable by every account on the machine (and, through an SSH tunnel,
by any web page the user's browser opens), so, as Jupyter does, every request must
carry the server's token (in the URL once, then in a cookie; or an ``Authorization:
token ...`` header), and a request whose ``Host`` or ``Origin`` names another site is
refused: a page on another site that makes its own name resolve to 127.0.0.1 (DNS
rebinding) still sends its own name in both. Pure functions of the request's headers,
so they are tested without a server.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: The cookie that keeps the token after the first page, named with the port (cookies do
#: not tell ports apart: two servers on one machine must not overwrite each other's).
COOKIE_PREFIX = "tcoder-token-"
#: Names of this machine accepted in Host and Origin whatever --host is.
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _hostname(value: str) -> str | None:
    """The host name of a ``Host`` header value (``name:port``, ``[::1]:port``), lower case."""
    try:
        name = urlsplit(f"//{value.strip()}").hostname
    except ValueError:
        return None
    return name.lower() if name else None


def _is_loopback(name: str) -> bool:
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


@dataclass
class Guard:
    token: str
    port: int = 0
    hosts: frozenset[str] = field(default_factory=frozenset)  # accepted besides this machine's names

    @property
    def cookie(self) -> str:
        return f"{COOKIE_PREFIX}{self.port}"

    @classmethod
    def for_server(cls, host: str, port: int, allow: list[str] | tuple[str, ...] = (),
                   token: str | None = None) -> "Guard":
        """The guard of a server listening on ``host``: a new random token unless one is given."""
        names = {name.lower() for name in allow}
        if host not in ("0.0.0.0", "::", ""):
            names.add(host.lower().strip("[]"))
        return cls(token or secrets.token_urlsafe(32), port, frozenset(names))

    def host_allowed(self, name: str | None) -> bool:
        return name is not None and (_is_loopback(name) or name in self.hosts)

    def refusal(self, host: str | None, origin: str | None, query_token: str | None, cookie_token: str | None,
                authorization: str | None = None) -> str | None:
        """Why a request is refused (a sentence for the 403 page), or None to let it in."""
        if not self.host_allowed(_hostname(host or "")):
            return (f"the request is for {host or 'no host'!r}, not this machine; add the name with --allow-host "
                    "if you meant it")
        if origin is not None and origin != "null":
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not self.host_allowed(
                    parts.hostname.lower() if parts.hostname else None):
                return f"the request comes from a page of {origin!r}, another site"
        elif origin == "null":
            return "the request comes from a page without an origin (a file or a sandbox)"
        given = query_token or cookie_token
        if authorization and authorization.lower().startswith("token "):
            given = authorization[len("token "):].strip()
        if not given or not hmac.compare_digest(given.encode(), self.token.encode()):
            return ("this server needs its token: open the address tcoder serve printed when it started "
                    "(http://localhost:PORT/?token=...)")
        return None
