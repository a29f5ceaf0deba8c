"""Where a provider key may go: the configured origin only, over https or to a loopback address.

Split from ``http.py`` because it is the one security rule of the HTTP layer and is tested on its
own; ``ProviderHttp`` checks it before the first request (``_check_destination``).
"""

from __future__ import annotations

import ipaddress
import socket

import httpx

from survey_jobs_mcp.tools.errors import CredentialsError, InvalidInput

from .credentials import provider_info


def _is_loopback_ip(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def resolves_to_loopback_only(host: str) -> bool:
    """True when ``host`` resolves, and every address it resolves to is a loopback address."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    addresses = {str(info[4][0]) for info in infos}
    try:
        return bool(addresses) and all(_is_loopback_ip(a) for a in addresses)
    except ValueError:
        return False


def is_loopback_host(host: str) -> bool:
    """A loopback IP literal, or ``localhost`` / a ``*.localhost`` name that resolves only to loopback.

    The name alone is not trusted: ``*.localhost`` is reserved (RFC 6761), but a resolver or an
    ``/etc/hosts`` entry can still point it elsewhere, and the key would then cross the network in
    clear text. Other names are never trusted for plain http, even if they resolve to loopback now:
    DNS could answer differently when the request is actually sent. Blocking (a name lookup).
    """
    host = host.strip("[]").lower().rstrip(".")
    try:
        return _is_loopback_ip(host)
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return resolves_to_loopback_only(host)
    return False


def key_allowed(url: httpx.URL) -> bool:
    """A key is only sent over https, or plain http to a loopback address (README, Setting keys).

    Blocking for ``localhost`` names (a name lookup): async callers run it in a worker thread.
    """
    return url.scheme == "https" or (url.scheme == "http" and is_loopback_host(url.host))


def check_origin(provider: str, base: httpx.URL, url: httpx.URL) -> None:
    """Requests go to the configured base URL's scheme, host and port only."""
    info = provider_info(provider)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):
        raise InvalidInput(
            f"Refusing to send the {info.label} API key to {url.scheme}://{url.host}: requests may only go "
            f"to the configured {info.env_var.replace('_API_KEY', '_BASE_URL')} ({base.scheme}://{base.host})."
        )


def insecure_destination(provider: str, url: httpx.URL) -> CredentialsError:
    """The error for a base URL a key may not be sent to (plain http to a non-loopback host)."""
    info = provider_info(provider)
    return CredentialsError(
        f"Refusing to send the {info.label} API key over plain http to {url.host}: a key is only sent "
        f"over https, or over http to a loopback address (127.0.0.1, ::1, or localhost / a *.localhost "
        f"name that resolves only to loopback addresses). Fix "
        f"{info.env_var.replace('_API_KEY', '_BASE_URL')} to use https://."
    )
