"""Who may use `tcoder serve`: the token, and the Host and Origin a request may name."""

from __future__ import annotations

import pytest

from tcoder.serveguard import Guard

GUARD = Guard.for_server("127.0.0.1", 8000, token="t0ken")


def test_a_new_server_has_a_long_random_token_and_a_cookie_per_port():
    a, b = Guard.for_server("127.0.0.1", 8000), Guard.for_server("127.0.0.1", 8001)
    assert a.token != b.token and len(a.token) >= 40
    assert (a.cookie, b.cookie) == ("tcoder-token-8000", "tcoder-token-8001")


@pytest.mark.parametrize("query, cookie, authorization", [
    ("t0ken", None, None), (None, "t0ken", None), (None, None, "token t0ken"), (None, None, "Token t0ken")])
def test_the_token_in_the_url_a_cookie_or_a_header_lets_in(query, cookie, authorization):
    assert GUARD.refusal("localhost:8000", None, query, cookie, authorization) is None


@pytest.mark.parametrize("query, cookie", [(None, None), ("t0ke", None), (None, "t0kenx"), ("", "")])
def test_no_token_or_a_wrong_one_is_refused(query, cookie):
    assert "needs its token" in GUARD.refusal("localhost:8000", None, query, cookie)


@pytest.mark.parametrize("host", ["localhost:8000", "localhost", "127.0.0.1:9000", "[::1]:8000", "127.0.0.2",
                                  "app.localhost:8000", "LOCALHOST:8000"])
def test_this_machines_names_are_accepted(host):
    assert GUARD.refusal(host, f"http://{host}", "t0ken", None) is None


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "localhost.evil.example", "10.0.0.5:8000",
                                  "", "[bad"])
def test_other_hosts_are_refused_even_with_the_token(host):
    assert "not this machine" in GUARD.refusal(host, None, "t0ken", None)


@pytest.mark.parametrize("origin, said", [
    ("http://evil.example", "another site"), ("https://localhost.evil.example", "another site"),
    ("ftp://localhost", "another site"), ("null", "without an origin")])
def test_pages_of_other_sites_are_refused(origin, said):
    assert said in GUARD.refusal("localhost:8000", origin, "t0ken", None)


def test_listening_on_an_address_accepts_it_and_named_hosts():
    wide = Guard.for_server("10.0.0.5", 8000, allow=["Coding.Lab.Example"], token="t")
    assert wide.refusal("10.0.0.5:8000", "http://10.0.0.5:8000", "t", None) is None
    assert wide.refusal("coding.lab.example:8000", "http://coding.lab.example:8000", "t", None) is None
    assert "not this machine" in wide.refusal("other.example", None, "t", None)
    anywhere = Guard.for_server("0.0.0.0", 8000, token="t")
    assert "not this machine" in anywhere.refusal("0.0.0.0:8000", None, "t", None)
