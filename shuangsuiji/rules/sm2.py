"""SM2 signatures (GB/T 32918.2) over what the platform publishes, with `gmssl` for the curve.

    signature = r || s, 128 hexadecimal digits
    e = SM3(Z || message), Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA)

ID is the default user identity of GM/T 0009 ("1234567812345678"), as OpenSSL and most other
implementations use when none is agreed. gmssl does the point arithmetic only; Z, e, the key
encodings (SubjectPublicKeyInfo, OID 1.2.156.10197.1.301) and the range checks are here, and
tests/rules/test_gm.py checks the whole against the example of GB/T 32918.2 annex A.
"""

import base64
import secrets

from gmssl import sm2 as _gm  # type: ignore[import-untyped]

from .gm import sm3_digest

DEFAULT_ID = b"1234567812345678"
# The recommended curve (GB/T 32918.5): gmssl's own table, named here so the tests can pass
# the example curve of GB/T 32918.2 in its place.
CURVE: dict[str, str] = dict(_gm.default_ecc_table)
# SubjectPublicKeyInfo of an SM2 key up to the point: id-ecPublicKey, the SM2 curve, a bit string.
SPKI_PREFIX = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200")


class SM2Error(ValueError):
    """A key or a signature that is not one."""


def _n(curve: dict[str, str]) -> int:
    return int(curve["n"], 16)


def _check_private(private_hex: str, curve: dict[str, str]) -> str:
    try:
        d = int(private_hex, 16)
    except ValueError as exc:
        raise SM2Error("the SM2 private key is not hexadecimal") from exc
    if not 1 <= d < _n(curve) - 1:
        raise SM2Error("the SM2 private key is out of range")
    return f"{d:064x}"


def _check_public(public_hex: str) -> str:
    public_hex = public_hex.strip().lower()
    if len(public_hex) == 130 and public_hex.startswith("04"):
        public_hex = public_hex[2:]
    if len(public_hex) != 128:
        raise SM2Error("an SM2 public key is 64 bytes (x, y), 128 hexadecimal digits")
    try:
        bytes.fromhex(public_hex)
    except ValueError as exc:
        raise SM2Error("the SM2 public key is not hexadecimal") from exc
    return public_hex


def generate_private_key(curve: dict[str, str] = CURVE) -> str:
    return f"{secrets.randbelow(_n(curve) - 2) + 1:064x}"


def public_key_of(private_hex: str, curve: dict[str, str] = CURVE) -> str:
    d = _check_private(private_hex, curve)
    crypt = _gm.CryptSM2(private_key=d, public_key="", ecc_table=curve)
    point: str = crypt._kg(int(d, 16), curve["g"])
    return point.lower()


def z_value(public_hex: str, uid: bytes = DEFAULT_ID, curve: dict[str, str] = CURVE) -> bytes:
    public_hex = _check_public(public_hex)
    entl = (len(uid) * 8).to_bytes(2, "big")
    return sm3_digest(entl + uid + bytes.fromhex(curve["a"] + curve["b"] + curve["g"]
                                                 + public_hex))


def message_digest(public_hex: str, message: bytes, uid: bytes = DEFAULT_ID,
                   curve: dict[str, str] = CURVE) -> bytes:
    """e = SM3(Z || M): what is signed."""
    return sm3_digest(z_value(public_hex, uid, curve) + message)


def sign_digest(private_hex: str, digest: bytes, *, k_hex: str | None = None,
                curve: dict[str, str] = CURVE) -> str:
    """Sign e (already SM3(Z || M)); `k_hex` only for the standard's test vector."""
    d = _check_private(private_hex, curve)
    crypt = _gm.CryptSM2(private_key=d, public_key="", ecc_table=curve)
    while True:
        k = k_hex or f"{secrets.randbelow(_n(curve) - 1) + 1:064x}"
        signature: str | None = crypt.sign(digest, k)
        if signature is not None:
            return signature.lower()
        if k_hex:
            raise SM2Error("this k gives no signature")


def sign(private_hex: str, message: bytes, uid: bytes = DEFAULT_ID,
         curve: dict[str, str] = CURVE) -> str:
    public_hex = public_key_of(private_hex, curve)
    return sign_digest(private_hex, message_digest(public_hex, message, uid, curve),
                       curve=curve)


def verify_digest(public_hex: str, digest: bytes, signature: str,
                  curve: dict[str, str] = CURVE) -> bool:
    public_hex = _check_public(public_hex)
    signature = signature.strip().lower()
    if len(signature) != 128:
        return False
    try:
        r, s = int(signature[:64], 16), int(signature[64:], 16)
    except ValueError:
        return False
    n = _n(curve)
    if not (1 <= r < n and 1 <= s < n):
        return False
    crypt = _gm.CryptSM2(private_key="", public_key=public_hex, ecc_table=curve)
    # gmssl 3.2 strips a key starting "04" with str.lstrip("04"), eating any further leading
    # 0s and 4s of x (one key in 256 would never verify): set the key it uses ourselves.
    crypt.public_key = public_hex
    return bool(crypt.verify(signature, digest))


def verify(public_hex: str, message: bytes, signature: str, uid: bytes = DEFAULT_ID,
           curve: dict[str, str] = CURVE) -> bool:
    """Whether `signature` is the SM2 signature of `message` by the key `public_hex`."""
    return verify_digest(public_hex, message_digest(public_hex, message, uid, curve),
                         signature, curve)


def public_key_pem(public_hex: str) -> str:
    der = SPKI_PREFIX + b"\x04" + bytes.fromhex(_check_public(public_hex))
    body = base64.encodebytes(der).decode("ascii").replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def public_key_from_pem(text: str) -> str:
    """The 128 hexadecimal digits of an SM2 public key given as PEM, or as hexadecimal."""
    text = text.strip()
    if "-----BEGIN PUBLIC KEY-----" not in text:
        return _check_public(text)
    body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
    try:
        der = base64.b64decode(body, validate=True)
    except ValueError as exc:
        raise SM2Error("the PEM public key is not base64") from exc
    if not der.startswith(SPKI_PREFIX + b"\x04") or len(der) != len(SPKI_PREFIX) + 65:
        raise SM2Error("not an SM2 public key (id-ecPublicKey on the SM2 curve, uncompressed)")
    return der[len(SPKI_PREFIX) + 1:].hex()
