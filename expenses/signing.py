"""PAdES signatures of the approval PDFs (pyHanko): signing, checking, and a key for a trial.

Production signs with the ministry's certificate: EXPENSES_SIGNING_KEY and EXPENSES_SIGNING_CERT name
its PEM files (EXPENSES_SIGNING_KEY_PASSWORD if the key is encrypted). `make_trial_key` (the command
`flask documents keygen`) makes a key and a self-signed certificate so that signing can be tried
without one. pyHanko and cryptography are imported only when a document is signed or checked.
"""

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from asn1crypto.x509 import Name


class SigningError(RuntimeError):
    """The signing key or certificate could not be read."""


@dataclass(frozen=True, slots=True)
class Signature:
    """What a PDF's signature says. `valid`: intact, made with the configured certificate, and covering
    the whole file (nothing added after signing); None when the file carries no signature."""

    signed: bool
    valid: bool | None
    signer: str | None = None


UNSIGNED = Signature(False, None)


def configured() -> bool:
    return bool(current_app.config.get("SIGNING_KEY") and current_app.config.get("SIGNING_CERT"))


def sign(data: bytes) -> bytes:
    """A PAdES baseline signature with the configured key and certificate, as an incremental update
    (the PDF/A-3b document it signs stays as it was)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    config = current_app.config
    password = config.get("SIGNING_KEY_PASSWORD") or None
    signer = signers.SimpleSigner.load(
        config["SIGNING_KEY"], config["SIGNING_CERT"], key_passphrase=password.encode() if password else None
    )
    if signer is None:
        raise SigningError("the signing key or certificate could not be read")
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(field_name="Approval", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def signature(data: bytes) -> Signature:
    """Check the first signature of `data` offline, trusting the configured certificate only."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception:
        return UNSIGNED  # not a PDF we can read: certainly not one of ours
    if not signatures:
        return UNSIGNED
    trust = []
    if current_app.config.get("SIGNING_CERT"):
        from pyhanko.keys import load_cert_from_pemder

        trust.append(load_cert_from_pemder(current_app.config["SIGNING_CERT"]))
    context = ValidationContext(trust_roots=trust, allow_fetching=False)
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception:
        return Signature(True, False)
    signer = _name(status.signing_cert.subject) if status.signing_cert else None
    # An incremental update after signing leaves the signature intact over the bytes it covered.
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    return Signature(True, bool(status.bottom_line) and whole, signer)


def _name(subject: "Name") -> str:
    """The certificate holder's name as a person reads it: its common name, else the whole subject."""
    return subject.native.get("common_name") or subject.human_friendly


def make_trial_key(directory: Path, name: str, days: int) -> tuple[Path, Path]:
    """A new RSA key (readable by its owner only) and a self-signed certificate for it, in `directory`.

    For trying signing: a self-signed certificate proves only that the file is unchanged since this
    service signed it, not who the service is. Refuses to replace an existing key.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key_path, cert_path = directory / "signing-key.pem", directory / "signing-cert.pem"
    if key_path.exists() or cert_path.exists():
        raise FileExistsError(key_path if key_path.exists() else cert_path)
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        # digital signature and non-repudiation (content commitment), as PAdES signers have; and
        # certificate signing, which a self-signed trust root needs.
        .add_extension(x509.KeyUsage(True, True, False, False, False, True, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Created readable by the owner only, never world-readable for a moment.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
