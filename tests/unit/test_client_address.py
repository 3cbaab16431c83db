"""The address sign-ins are throttled by, behind the replicas' reverse proxy and without one."""

from __future__ import annotations

from simulator.accounts import client_address, trusted_proxies

NGINX = trusted_proxies("127.0.0.1, ::1")


def test_without_a_trusted_proxy_the_connection_address_counts_and_the_header_is_ignored():
    assert client_address("203.0.113.7", "198.51.100.1", frozenset()) == "203.0.113.7"
    assert client_address("203.0.113.7", "198.51.100.1", NGINX) == "203.0.113.7"


def test_behind_the_trusted_proxy_each_browser_is_throttled_by_its_own_address():
    assert client_address("127.0.0.1", "198.51.100.1", NGINX) == "198.51.100.1"
    assert client_address("127.0.0.1", "198.51.100.2", NGINX) == "198.51.100.2"


def test_a_forged_left_entry_is_ignored_the_proxys_own_entry_counts():
    # The client wrote "10.0.0.1"; nginx appended the address it really saw.
    assert client_address("127.0.0.1", "10.0.0.1, 198.51.100.9", NGINX) == "198.51.100.9"


def test_nothing_forwarded_or_only_proxies_falls_back_to_the_connection():
    assert client_address("127.0.0.1", None, NGINX) == "127.0.0.1"
    assert client_address("127.0.0.1", "::1", NGINX) == "127.0.0.1"
    assert client_address(None, None, frozenset()) == "unknown"
