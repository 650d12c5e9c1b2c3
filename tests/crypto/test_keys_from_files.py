"""Keys come from the environment or from files (`NAME_FILE`, container secrets)."""

import os
import subprocess
import sys

from shuangsuiji.rules import sm2


def _run(tmp_path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SHUANGSUIJI_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "shuangsuiji.cli", *args], capture_output=True, text=True,
        check=False, timeout=120, cwd=tmp_path,
        env=clean | {"DJANGO_DEBUG": "1", "SHUANGSUIJI_DATA_DIR": str(tmp_path)} | env)


def test_the_signing_key_is_read_from_its_file_and_its_public_key_printed(tmp_path):
    private = sm2.generate_private_key()
    (tmp_path / "sm2.key").write_text(private + "\n")
    done = _run(tmp_path, {"SHUANGSUIJI_SIGNING_KEY_FILE": str(tmp_path / "sm2.key")},
                "keys", "public")
    assert done.returncode == 0, done.stderr
    assert sm2.public_key_from_pem(done.stdout) == sm2.public_key_of(private)


def test_guomi_switches_the_hash_and_the_cipher_and_old_keys_come_from_a_file(tmp_path):
    (tmp_path / "old").write_text("first-key\nsecond-key\n")
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SHUANGSUIJI_AUDIT_HASH, s.SHUANGSUIJI_FIELD_CIPHER, "
            "'|'.join(s.SHUANGSUIJI_FIELD_OLD_KEYS))")
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("SHUANGSUIJI_", "DJANGO_"))}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False,
        timeout=120, cwd=tmp_path,
        env=clean | {"DJANGO_DEBUG": "1", "SHUANGSUIJI_DATA_DIR": str(tmp_path),
                     "DJANGO_SETTINGS_MODULE": "shuangsuiji.config.settings",
                     "SHUANGSUIJI_GUOMI": "1",
                     "SHUANGSUIJI_FIELD_OLD_KEYS_FILE": str(tmp_path / "old")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["sm3", "sm4gcm", "first-key|second-key"]


def test_a_malformed_signing_key_is_refused_loudly(tmp_path):
    done = _run(tmp_path, {"SHUANGSUIJI_SIGNING_KEY": "not-a-key"}, "keys", "public")
    assert done.returncode != 0
    assert "shuangsuiji.E101" in done.stderr and "Traceback" not in done.stderr
