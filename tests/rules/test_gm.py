"""国密 algorithms against their standards' vectors, and the formats that carry them."""

import shutil
import subprocess

import pytest

from shuangsuiji.rules import gm, sm2

# GB/T 32918.2-2016 annex A (GM/T 0003.2-2012 annex A): the example curve over Fp-256.
EXAMPLE_CURVE = {
    "p": "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3",
    "a": "787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498",
    "b": "63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A",
    "g": ("421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D"
          "0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2"),
    "n": "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7",
}
D_A = "128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263"
P_A = ("0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A"
       "7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857")
ID_A = b"ALICE123@YAHOO.COM"
Z_A = "F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A"
E = "B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76"
K = "6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F"
R_S = ("40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1"
       "6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7")


def test_sm3_gives_the_standards_digests() -> None:
    # GB/T 32905-2016 annex A, examples 1 and 2.
    assert gm.hash_hex(gm.SM3, "abc") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    assert gm.hash_hex(gm.SM3, "abcd" * 16) == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")


def test_sha256_is_unchanged() -> None:
    assert gm.hash_hex(gm.SHA256, "abc").startswith("ba7816bf")


def test_sm2_public_key_z_and_signature_match_gb_t_32918_2() -> None:
    assert sm2.public_key_of(D_A, EXAMPLE_CURVE) == P_A.lower()
    assert sm2.z_value(P_A, ID_A, EXAMPLE_CURVE).hex() == Z_A.lower()
    digest = sm2.message_digest(P_A, b"message digest", ID_A, EXAMPLE_CURVE)
    assert digest.hex() == E.lower()
    assert sm2.sign_digest(D_A, digest, k_hex=K, curve=EXAMPLE_CURVE) == R_S.lower()
    assert sm2.verify(P_A, b"message digest", R_S, ID_A, EXAMPLE_CURVE)
    assert not sm2.verify(P_A, b"message digesT", R_S, ID_A, EXAMPLE_CURVE)


def test_a_signature_verifies_and_fails_on_any_changed_byte() -> None:
    private = sm2.generate_private_key()
    public = sm2.public_key_of(private)
    message = "抽取记录 T-2026-001".encode()
    signature = sm2.sign(private, message)
    assert sm2.verify(public, message, signature)
    for i in range(len(message)):
        changed = bytearray(message)
        changed[i] ^= 0x01
        assert not sm2.verify(public, bytes(changed), signature)
    flipped = signature[:10] + ("0" if signature[10] != "0" else "1") + signature[11:]
    assert not sm2.verify(public, message, flipped)
    assert not sm2.verify(public, message, "00" * 64)
    assert not sm2.verify(public, message, "not hex")


def test_the_public_key_pem_round_trips() -> None:
    public = sm2.public_key_of(sm2.generate_private_key())
    assert sm2.public_key_from_pem(sm2.public_key_pem(public)) == public


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
def test_openssl_verifies_the_signature_with_the_served_pem(tmp_path) -> None:
    private = sm2.generate_private_key()
    public = sm2.public_key_of(private)
    (tmp_path / "pub.pem").write_text(sm2.public_key_pem(public))
    (tmp_path / "msg").write_bytes(b"1234:abcd")
    signature = sm2.sign(private, b"1234:abcd")

    def der_int(x: int) -> bytes:
        raw = x.to_bytes((x.bit_length() + 8) // 8, "big")
        return b"\x02" + bytes([len(raw)]) + raw

    body = der_int(int(signature[:64], 16)) + der_int(int(signature[64:], 16))
    (tmp_path / "sig").write_bytes(b"\x30" + bytes([len(body)]) + body)
    done = subprocess.run(
        [str(OPENSSL), "pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"),
         "-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678",
         "-in", str(tmp_path / "msg"), "-sigfile", str(tmp_path / "sig")],
        capture_output=True, text=True, check=False)
    if "Verified" not in done.stdout and "SM2" in done.stderr + done.stdout:
        pytest.skip("this OpenSSL has no SM2")
    assert done.stdout.strip() == "Signature Verified Successfully"


def test_sealed_values_name_their_cipher_and_key() -> None:
    sealed = gm.unseal_text(gm.seal_text(gm.SM4_GCM, "ab12cd34", b"n" * 12 + b"x" * 20))
    assert (sealed.algorithm, sealed.key_id) == (gm.SM4_GCM, "ab12cd34")
    assert gm.unseal_text("gAAAAABfoo").algorithm == gm.FERNET
    with pytest.raises(ValueError):
        gm.unseal_text("aes:xx:yy")


def test_the_chain_switches_only_on_its_switch_entry() -> None:
    assert gm.algorithm_after(gm.HASH_SWITCH_ACTION, {"algorithm": "sm3"}, "sha256") == "sm3"
    assert gm.algorithm_after("task.create", {"algorithm": "sm3"}, "sha256") == "sha256"
    assert gm.algorithm_after(gm.HASH_SWITCH_ACTION, {"algorithm": "md5"}, "sm3") == "sm3"


def test_a_public_key_whose_x_starts_with_04_verifies() -> None:
    # gmssl 3.2 strips such a key with lstrip("04") (one key in 256): rules/sm2.py sets it back.
    private = "84171e594931bfcf0a10bf1e677fabfe0f5b890fb31f6d13e4914e90d9a9dd41"
    public = sm2.public_key_of(private)
    assert public.startswith("04") and len(public) == 128
    signature = sm2.sign(private, b"draw:T-1:abc")
    assert sm2.verify(public, b"draw:T-1:abc", signature)
    assert sm2.verify("04" + public, b"draw:T-1:abc", signature)  # the uncompressed form
    assert sm2.public_key_from_pem(sm2.public_key_pem(public)) == public
    assert not sm2.verify(public, b"draw:T-1:abd", signature)
