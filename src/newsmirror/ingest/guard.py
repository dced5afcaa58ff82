"""The one polite HTTP client: limits per host, retries, conditional GET, size caps, proxy, address guard."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsmirror.config import FetchConfig, IPNetwork, SourceConfig, parse_allowlist_entry
from newsmirror.models import FetchError

# Not public, though Python's ipaddress calls them global: NAT64 and 6to4 reach IPv4 hosts behind them, "IPv4-
# compatible" ::a.b.c.d is read as an IPv4 address by some stacks, and cloud metadata services answer on these.
_NON_PUBLIC_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96", "fec0::/10",
    "168.63.129.16/32", "169.254.0.0/16", "100.64.0.0/10", "0.0.0.0/8", "fd00:ec2::/32",
))  # fmt: skip


def _is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _NON_PUBLIC_NETWORKS if network.version == ip.version):
        return False
    return ip.is_global and not ip.is_multicast


def _host_key(host: str) -> str:
    return host.lower().strip("[]").rstrip(".")


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Where addresses taken from third-party content (item links, redirects, images) may lead: public addresses,
    hosts the operator trusts (a feed's own host), and the allowlist of private hosts and networks from the
    settings. `allow_all` (add --allow-private) lets everything through."""

    trusted_hosts: frozenset[str] = frozenset()  # exact host names, lower case
    allowed_domains: tuple[str, ...] = ()  # "*.corp.example" as ".corp.example": sub-domains
    allowed_networks: tuple[IPNetwork, ...] = ()
    allow_all: bool = False
    hint: str = "use --allow-private"  # how to let such an address through, for the error message

    @classmethod
    def from_settings(
        cls, allow: list[str] | tuple[str, ...], trusted_urls: tuple[str, ...] = (), hint: str = "use --allow-private"
    ) -> AddressGuard:
        """`allow`: `allow_private` entries (host names, "*.domain" patterns, IP addresses or networks), read by
        config.parse_allowlist_entry; one it cannot read (the settings refuse those) allows nothing."""
        hosts = {_host_key(urlsplit(url).hostname or "") for url in trusted_urls} - {""}
        entries = [entry for entry in map(parse_allowlist_entry, allow) if entry is not None]
        hosts.update(entry.host for entry in entries if entry.host)
        domains = tuple(entry.domain for entry in entries if entry.domain)
        networks = tuple(entry.network for entry in entries if entry.network is not None)
        return cls(frozenset(hosts), domains, networks, hint=hint)

    def trusts(self, host: str) -> bool:
        host = _host_key(host)
        return self.allow_all or host in self.trusted_hosts or host.endswith(self.allowed_domains or ("\0",))

    def permits(self, address: str) -> bool:
        if _is_public_address(address):
            return True
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.allowed_networks if network.version == ip.version)


PUBLIC_ONLY = AddressGuard()  # nothing trusted: what `add` uses for the addresses a reader sends


def source_guard(settings: FetchConfig, source: SourceConfig, feed_url: str = "") -> AddressGuard:
    """The guard for one source: its feed's own host is trusted (an intranet feed may link intranet articles),
    and so are the private hosts and networks that [fetch] and the source allow. `feed_url`: where the feed is
    read when that is not the source's url (an RSSHub instance, the operator's choice as a feed's address is)."""
    return AddressGuard.from_settings(
        [*settings.allow_private, *source.allow_private], trusted_urls=(feed_url or source.url,),
        hint="allow it with allow_private",
    )


_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


def check_literal_host(hostname: str, guard: AddressGuard = PUBLIC_ONLY) -> None:
    """Refuse a host that is, by its text alone, non-public: an IP address outside what the guard permits, or a
    local name (localhost, *.local, *.internal); used where a proxy, not this machine, resolves names."""
    host = _host_key(hostname)
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        if host == "localhost" or host.endswith(_LOCAL_NAMES):
            raise FetchError(f"refused: {host} is a local name ({guard.hint})") from None
        return
    if not guard.permits(host):
        raise FetchError(f"refused: {host} is the non-public address {host} ({guard.hint})")


async def check_public_host(url: str, guard: AddressGuard = PUBLIC_ONLY) -> str:
    """Refuse addresses that resolve to loopback, private, link-local or other non-public networks (unless the
    guard's allowlist names them); return the vetted address, which the request then connects to (a second lookup
    could answer differently)."""
    host = urlsplit(url).hostname
    if not host:
        raise FetchError(f"no host in {url}")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"DNS lookup failed for {host}: {exc.strerror}") from None
    addresses = [str(info[4][0]) for info in infos]
    for address in addresses:
        if not guard.permits(address):
            raise FetchError(f"refused: {host} resolves to the non-public address {address} ({guard.hint})")
    return addresses[0]
