"""Fetching over TLS from an EHR whose certificate only a configured CA bundle vouches for."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cds_hooks.fhir.client import FhirFetcher
from tests.fhir.faulty import Answer, FaultyServer

PATIENT = {"resourceType": "Patient", "id": "p-7"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, signed by its own key: in no system trust store."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test EHR")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "ehr.pem", folder / "ehr.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.fixture
def ehr(tmp_path: Path, serve: Callable[..., FaultyServer]) -> tuple[FaultyServer, Path]:
    cert_file, key_file = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return serve(lambda server, seen: Answer(body=PATIENT), context), cert_file


def test_a_certificate_no_trusted_ca_signed_is_refused(
    ehr: tuple[FaultyServer, Path], make_fetcher: Callable[..., FhirFetcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert_file = ehr
    # The environment's CA bundle is not the service's configuration, and is not used.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    fetcher = make_fetcher()

    result = fetcher.fetch(server.base_url, "token", {"patient": "Patient/p-7"}, fetcher.deadline())

    assert result["patient"].resource is None
    assert result["patient"].problem == "the server could not be reached"
    assert server.seen == []  # the handshake failed: no request, no token, was sent


def test_the_configured_ca_bundle_is_trusted(
    ehr: tuple[FaultyServer, Path], make_fetcher: Callable[..., FhirFetcher]
) -> None:
    server, cert_file = ehr
    fetcher = make_fetcher(ca_bundle=cert_file)

    result = fetcher.fetch(server.base_url, "token", {"patient": "Patient/p-7"}, fetcher.deadline())

    assert result["patient"].resource == PATIENT
    assert server.base_url.startswith("https://")
