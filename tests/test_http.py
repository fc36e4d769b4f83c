"""The HTTP clients: the CA bundle only where TLS may be spoken, and never a TLS connection left unchecked."""

from __future__ import annotations

import ssl

import httpx
import pytest

from reconciler.http import needs_tls, new_client


def _context(client: httpx.AsyncClient) -> ssl.SSLContext:
    context = client._transport._pool._ssl_context  # type: ignore[attr-defined]
    assert isinstance(context, ssl.SSLContext)
    return context


@pytest.mark.parametrize(("endpoint", "local", "expected"), [
    ("https://dataapi.uiscom.ru/v2.0", False, True),
    ("HTTPS://api.topsort.com", False, True),
    ("http://127.0.0.1:8080", True, False),
    ("http://127.0.0.1:8080", False, False),
])
def test_only_a_client_that_may_speak_tls_needs_it(endpoint: str, local: bool, expected: bool,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    assert needs_tls(endpoint, local=local) is expected


def test_a_proxy_from_the_environment_may_speak_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example:3128")
    assert needs_tls("http://vendor.example", local=False)
    assert not needs_tls("http://127.0.0.1:8080", local=True)  # the built-in sandbox ignores proxies


def test_a_plain_http_client_loads_no_ca_and_would_refuse_any_certificate() -> None:
    plain = _context(new_client(tls=False))
    assert plain.cert_store_stats()["x509_ca"] == 0
    assert plain.verify_mode is ssl.CERT_REQUIRED and plain.check_hostname
    secure = _context(new_client(tls=True))
    assert secure.cert_store_stats()["x509_ca"] > 0
    assert secure.verify_mode is ssl.CERT_REQUIRED and secure.check_hostname
