"""The checks that need no network: the settings (`bot.preflight`) and the listeners.

A port is tried by binding it, as the server will (address reuse on, as aiohttp sets it),
and letting it go at once: a port in use, below 1024 without the right, or on an address
this machine does not have fails here with one line instead of at the end of the start.
"""

from __future__ import annotations

import contextlib
import socket

from bot.config import Config, warnings_for
from bot.preflight import Finding, bind_finding, config_findings, ports_to_bind, warn


def offline_findings(config: Config) -> list[Finding]:
    out = [warn(text) for text in warnings_for(config)]
    out.extend(config_findings(config))
    for section, host, port in ports_to_bind(config):
        error = try_bind(host, port)
        if error is not None:
            out.append(bind_finding(section, host, port, error))
    return out


def try_bind(host: str, port: int) -> OSError | None:
    """Why `host:port` cannot be listened on now (None: it can)."""
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError as error:  # socket.gaierror: no such host
        return error
    for family, kind, proto, _name, address in addresses:
        with contextlib.closing(socket.socket(family, kind, proto)) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
                probe.listen(1)
            except OSError as error:
                return error
    return None
