"""The signing half of a site's AMP cache key pair: RSA-SHA256 (PKCS#1 v1.5) with `cryptography`.

AMP's "Update AMP Content" has the cache check an update-cache request's signature against the
PEM public key the site serves at /.well-known/amphtml/apikey.pub. A private key that is not
the half of that public key would have every flush refused, so loading one refuses it here, and
the run logs why instead of sending requests bound to fail.

`warta publish` reads the key from `[notify.amp_cache] private_key_file`; the render Lambda from
an SSM SecureString (`ssm_signer`).
"""

from __future__ import annotations

from pathlib import Path

from warta.core.amp_cache import Signer
from warta.core.config import SiteConfig

SSM_KEY_CACHE_SECONDS = 300  # a warm render function asks SSM again at most this often


def rsa_signer(private_key_pem: bytes, public_key_pem: str) -> Signer:
    """Sign with this private key; ValueError when it is no unencrypted RSA key in PEM, or not
    the half of the public key the site publishes."""
    # Imported here: only a run that flushes pays for loading it (cold starts, every publish).
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        published = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    except (TypeError, ValueError) as exc:  # TypeError: the key is encrypted
        raise ValueError(f"unusable key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey) or not isinstance(published, rsa.RSAPublicKey):
        raise ValueError("the AMP caches take RSA keys only")
    if key.public_key().public_numbers() != published.public_numbers():
        raise ValueError(
            "the private key is not the half of [notify.amp_cache] public_key (served as"
            " apikey.pub): the caches would refuse every signature"
        )

    def sign(message: bytes) -> bytes:
        return key.sign(message, padding.PKCS1v15(), hashes.SHA256())

    return sign


def file_signer(site: SiteConfig) -> Signer:
    """The site's signer from `[notify.amp_cache] private_key_file` (for `warta publish`)."""
    spec = site.notify.amp_cache
    if spec is None or not spec.private_key_file:
        raise LookupError(f"site {site.id}: [notify.amp_cache] names no private_key_file")
    return rsa_signer(Path(spec.private_key_file).read_bytes(), spec.public_key)


def ssm_signer(site: SiteConfig, parameter_prefix: str) -> Signer:
    """The site's signer from the SSM SecureString `<parameter_prefix><site id>` (on AWS)."""
    from aws_lambda_powertools.utilities import parameters

    spec = site.notify.amp_cache
    if spec is None:
        raise LookupError(f"site {site.id}: no [notify.amp_cache] table")
    if not parameter_prefix:
        raise LookupError("WARTA_AMP_CACHE_KEY_PREFIX is not set")
    name = f"{parameter_prefix}{site.id}"
    value = parameters.get_parameter(name, decrypt=True, max_age=SSM_KEY_CACHE_SECONDS)
    return rsa_signer(str(value).encode("ascii"), spec.public_key)
