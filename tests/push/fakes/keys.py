"""Provider credentials made for the tests: service-account JSONs and APNs .p8 keys, each
with the identity the fakes check (client_email and project; key id and team)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PROJECT_ID = "shop-prod"
CLIENT_EMAIL = "inspector@shop-prod.iam.gserviceaccount.com"
APNS_KEY_ID = "ABC123DEFG"
APNS_TEAM_ID = "TEAM123456"


@dataclass(frozen=True)
class ServiceAccount:
    private_pem: str
    public_pem: bytes
    project_id: str = PROJECT_ID
    client_email: str = CLIENT_EMAIL

    @classmethod
    def generate(cls, project_id: str = PROJECT_ID) -> ServiceAccount:
        private, public = _pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
        email = f"inspector@{project_id}.iam.gserviceaccount.com"
        return cls(private.decode(), public, project_id, email)

    def write(self, path: Path, token_uri: str, *, project_id: str | None = None) -> Path:
        """The JSON Google hands out, with token_uri pointing at the fake. `project_id`
        writes another project into the file (a file given for the wrong project)."""
        doc = {
            "type": "service_account",
            "project_id": project_id or self.project_id,
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": self.private_pem,
            "client_email": self.client_email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "universe_domain": "googleapis.com",
        }
        path.write_text(json.dumps(doc, indent=2))
        return path


@dataclass(frozen=True)
class ApnsKey:
    private_pem: bytes
    public_pem: bytes
    key_id: str = APNS_KEY_ID
    team_id: str = APNS_TEAM_ID

    @classmethod
    def generate(cls, key_id: str = APNS_KEY_ID, team_id: str = APNS_TEAM_ID) -> ApnsKey:
        return cls(*_pem_pair(ec.generate_private_key(ec.SECP256R1())), key_id, team_id)

    def write(self, directory: Path) -> Path:
        path = directory / f"AuthKey_{self.key_id}.p8"
        path.write_bytes(self.private_pem)
        return path


def _pem_pair(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> tuple[bytes, bytes]:
    """The unencrypted PKCS#8 private half and the SubjectPublicKeyInfo public half, as PEM."""
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public
