"""allow_private entries: read in one place (config.parse_allowlist_entry), by the settings check and the guard."""

from __future__ import annotations

import ipaddress

import pytest

from newsmirror.config import AllowlistEntry, parse_allowlist_entry
from newsmirror.ingest.guard import AddressGuard


@pytest.mark.parametrize(
    ("rule", "entry"),
    [
        ("10.1.0.0/16", AllowlistEntry(network=ipaddress.ip_network("10.1.0.0/16"))),
        (" 10.1.2.3/16 ", AllowlistEntry(network=ipaddress.ip_network("10.1.0.0/16"))),
        ("[fd12::1]", AllowlistEntry(network=ipaddress.ip_network("fd12::1/128"))),
        ("*.Corp.Example.", AllowlistEntry(domain=".corp.example")),
        (".corp.example", AllowlistEntry(domain=".corp.example")),
        ("Wiki.LAN.", AllowlistEntry(host="wiki.lan")),
        ("localhost", AllowlistEntry(host="localhost")),
    ],
)
def test_entries_are_read(rule, entry):
    assert parse_allowlist_entry(rule) == entry


@pytest.mark.parametrize("rule", ["", "not a host", "http://x/", "*.", "*.*.corp", "a..b", "-a.example", "[wiki]", "x" * 64])
def test_what_is_no_entry(rule):
    assert parse_allowlist_entry(rule) is None


def test_the_guard_is_built_from_the_same_reading():
    guard = AddressGuard.from_settings(["10.1.0.0/16", "*.Corp.Example", "Wiki.LAN.", "not a host"], ("http://Feeds.Example/rss",))
    assert guard.trusted_hosts == {"wiki.lan", "feeds.example"}
    assert guard.allowed_domains == (".corp.example",)
    assert guard.allowed_networks == (ipaddress.ip_network("10.1.0.0/16"),)
    assert guard.trusts("a.corp.example") and not guard.trusts("corp.example.evil")
    assert guard.permits("10.1.9.9") and not guard.permits("10.2.0.1")
