"""The client's address: the socket peer, or what a trusted proxy says it forwarded for.

`X-Forwarded-For` is a header anyone can send. It is read only when the connection comes
from an address listed in VMESTE_TRUSTED_PROXIES, and then from the right: each proxy appends
the address it saw, so the first address from the right that is not one of our proxies is
the client (anything to its left was written by the client and proves nothing).
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(configured: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    parsed = _address(address)
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return parsed is not None and any(parsed in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The address the lock-out, the rate limits and the logs count by."""
    peer = request.META.get("REMOTE_ADDR", "") or ""
    if not is_trusted_proxy(peer):
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _address(hop) is None:
            break  # garbage written by someone: what lies left of it is not trustworthy
        if not is_trusted_proxy(hop):
            return str(_address(hop))
    return peer
