"""A local test PKI on loopback: root and intermediate CA, document signers, TSA, OCSP and CRLs.

The PKI is described in `tests/fixtures/pki/certomancer.yml` and built by certomancer. Its services
(time stamping, OCSP, CRLs, certificate repositories) are certomancer's Animator WSGI app, served by
werkzeug on 127.0.0.1 and a free port in a daemon thread. The certificates are issued with that
port in their AIA and CRL distribution point URLs, so a validator that fetches revocation
information (pyHanko with `allow_fetching=True`) only ever talks to this server.

    with start_local_pki(tmp_path) as pki:
        signer = SimpleSigner.load_pkcs12(pki.signer_p12_path, passphrase=pki.signer_p12_passphrase)
        timestamper = HTTPTimeStamper(pki.tsa_url)

or, in tests, the session-scoped `local_pki` fixture below (`pytest_plugins = ["pki"]`). The
services answer with the real clock; every certificate is valid from 2020-01-01 to 2041-01-01.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest
from asn1crypto import pem, x509
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import (
    ArchLabel,
    CertLabel,
    CertomancerConfig,
    PKIArchitecture,
    ServiceLabel,
)
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

PKI_DIR = Path(__file__).resolve().parent / "fixtures" / "pki"
CONFIG_PATH = PKI_DIR / "certomancer.yml"
ARCH = ArchLabel("compliance-test")

# Passphrase of both PKCS#12 files; a test value, like the keys in tests/fixtures/pki/keys/.
SIGNER_P12_PASSPHRASE = b"test-pki-signer-passphrase"

_StartResponse = Callable[..., Any]
_WSGIApp = Callable[[dict[str, Any], _StartResponse], Iterable[bytes]]


def load_pki_config(url_prefix: str) -> PKIArchitecture:
    """The PKI architecture of the fixture config, with every service URL under `url_prefix`."""
    config = CertomancerConfig.from_file(
        str(CONFIG_PATH), key_search_dir=str(PKI_DIR), external_url_prefix=url_prefix
    )
    return config.get_pki_arch(ARCH)


class _QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without the access log line per request (errors are still logged)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _RecordingApp:
    """Dispatches to the Animator (set once the port is known) and records `(method, path)`."""

    def __init__(self) -> None:
        self.target: _WSGIApp | None = None
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        with self.lock:
            self.requests.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        if self.target is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"the test PKI is starting"]
        return self.target(environ, start_response)


@dataclass
class LocalPki:
    """A running test PKI. Paths are files in the work folder given to `start_local_pki`.

    Service URLs are keyed by the certomancer service label: `"root"` for the root CA's services
    and `"interm"` for the intermediate's. The signer, its TSA and its OCSP responder all hang off
    the intermediate.
    """

    url: str
    """Base URL of the services, `http://127.0.0.1:<port>`."""
    tsa_url: str
    """RFC 3161 time-stamping service (POST)."""
    ocsp_url: str
    """OCSP responder for certificates issued by the intermediate (the signer's AIA entry)."""
    ocsp_urls: dict[str, str]
    """All OCSP responders: `"root"` answers for the intermediate, `"interm"` for end entities."""
    crl_urls: dict[str, str]
    """Latest-CRL URLs: `"root"` (lists the intermediate) and `"interm"` (lists end entities)."""
    root_cert_path: Path
    """PEM file of the root CA certificate, the one trust anchor."""
    intermediate_cert_path: Path
    """PEM file of the intermediate CA certificate."""
    signer_p12_path: Path
    """PKCS#12 of the document signer (CN=Test Municipality Signer): key, cert, intermediate, root."""
    revoked_signer_p12_path: Path
    """PKCS#12 like `signer_p12_path`, for a signer certificate revoked since 2021-01-01."""
    signer_p12_passphrase: bytes
    """Passphrase of both PKCS#12 files."""
    arch: PKIArchitecture
    """The certomancer PKI architecture, for anything not exposed above (`arch.get_cert(...)`)."""
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)
    _app: _RecordingApp = field(repr=False)

    def cert(self, label: str) -> x509.Certificate:
        """A certificate by its label in the config: root, interm, signer, revoked-signer, tsa, interm-ocsp."""
        return self.arch.get_cert(CertLabel(label))

    def identity_files(self, folder: Path, *, revoked: bool = False) -> tuple[Path, Path]:
        """The signer's (or the revoked signer's) PKCS#12 and a passphrase file, both 0600, in
        `folder`, as `--identity` and `--passphrase-file` take them."""
        identity = folder / "org.p12"
        identity.write_bytes((self.revoked_signer_p12_path if revoked else self.signer_p12_path).read_bytes())
        identity.chmod(0o600)
        secret = folder / "org.passphrase"
        secret.write_bytes(self.signer_p12_passphrase)
        secret.chmod(0o600)
        return identity, secret

    @property
    def root_cert(self) -> x509.Certificate:
        """The root CA certificate, as pyHanko's `ValidationContext(trust_roots=[...])` takes it."""
        return self.cert("root")

    @property
    def requests(self) -> list[tuple[str, str]]:
        """A copy of the `(method, path)` of every request answered so far, in order."""
        with self._app.lock:
            return list(self._app.requests)

    def stop(self) -> None:
        """Stop the server and wait for its thread; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _write_pem_cert(path: Path, cert: x509.Certificate) -> Path:
    path.write_bytes(pem.armor("CERTIFICATE", cert.dump()))
    return path


def start_local_pki(workdir: Path) -> LocalPki:
    """Start the PKI services on 127.0.0.1 and a free port; write certificates and PKCS#12 files.

    The port is bound first and the config loaded afterwards, because the service URLs end up
    inside the certificates. Call `stop()` (or use the result as a context manager) when done.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    app = _RecordingApp()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    try:
        url = f"http://127.0.0.1:{server.port}"
        arch = load_pki_config(url)
        app.target = Animator(AnimatorArchStore({ARCH: arch}), with_web_ui=False)

        services = arch.service_registry
        ocsp_urls = {str(info.label): info.url for info in services.list_ocsp_responders()}
        crl_urls = {str(info.label): info.latest_external_url for info in services.list_crl_repos()}
        tsa_url = services.get_tsa_info(ServiceLabel("tsa")).url

        root_cert_path = _write_pem_cert(workdir / "root-ca.pem", arch.get_cert(CertLabel("root")))
        intermediate_cert_path = _write_pem_cert(
            workdir / "intermediate-ca.pem", arch.get_cert(CertLabel("interm"))
        )
        signer_p12_path = workdir / "signer.p12"
        signer_p12_path.write_bytes(arch.package_pkcs12(CertLabel("signer"), password=SIGNER_P12_PASSPHRASE))
        revoked_signer_p12_path = workdir / "revoked-signer.p12"
        revoked_signer_p12_path.write_bytes(
            arch.package_pkcs12(CertLabel("revoked-signer"), password=SIGNER_P12_PASSPHRASE)
        )
    except BaseException:
        server.server_close()
        raise

    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="test-pki", daemon=True
    )
    thread.start()
    return LocalPki(
        url=url,
        tsa_url=tsa_url,
        ocsp_url=ocsp_urls["interm"],
        ocsp_urls=ocsp_urls,
        crl_urls=crl_urls,
        root_cert_path=root_cert_path,
        intermediate_cert_path=intermediate_cert_path,
        signer_p12_path=signer_p12_path,
        revoked_signer_p12_path=revoked_signer_p12_path,
        signer_p12_passphrase=SIGNER_P12_PASSPHRASE,
        arch=arch,
        _server=server,
        _thread=thread,
        _app=app,
    )


@pytest.fixture(scope="session")
def local_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPki]:
    """The test PKI, running for the whole session.

    Make it available with `pytest_plugins = ["pki"]` in a test module or in tests/conftest.py
    (importing the fixture instead makes pytest warn that it cannot rewrite this module's asserts
    once another file registers it as a plugin).
    """
    with start_local_pki(tmp_path_factory.mktemp("pki")) as pki:
        yield pki
