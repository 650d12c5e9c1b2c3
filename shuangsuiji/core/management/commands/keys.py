import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuangsuiji.core import crypto, keys
from shuangsuiji.rules import sm2


class Command(BaseCommand):
    help = ("Keys: `keys rotate` re-encrypts the stored personal data with the current key and "
            "cipher (SHUANGSUIJI_FIELD_KEY, SHUANGSUIJI_GUOMI), in batches, again and again "
            "safely; `keys status` counts the values under each cipher and key; `keys generate` "
            "prints a new SM2 private key; `keys public` prints the office's public key (PEM); "
            "`keys verify FILE SIGNATURE [--public-key PEM]` checks an SM2 signature.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "status", "generate", "public",
                                               "verify"])
        parser.add_argument("operands", nargs="*", metavar="FILE SIGNATURE")
        parser.add_argument("--batch", type=int, default=keys.BATCH)
        parser.add_argument("--public-key", default="",
                            help="verify: a PEM file or the hexadecimal key (default: the "
                                 "office's own)")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(translation.get_language() or "zh-hans")
        action = options["action"]
        if action == "rotate":
            self._rotate(options["batch"])
        elif action == "status":
            for name, counts in keys.field_status().items():
                parts = ", ".join(f"{k} {n}" for k, n in sorted(counts.items())) or "-"
                self.stdout.write(f"{name}: {parts}")
            self.stdout.write(_("current: {cipher}:{key}").format(
                cipher=crypto._cipher(), key=crypto.current_key_id()))
        elif action == "generate":
            self.stdout.write(sm2.generate_private_key())
        elif action == "public":
            try:
                public = keys.signing_public_key()
            except sm2.SM2Error as exc:
                raise CommandError(str(exc)) from exc
            if public is None:
                raise CommandError(_("no signing key: set SHUANGSUIJI_SIGNING_KEY (or _FILE)"))
            self.stdout.write(sm2.public_key_pem(public), ending="")
        else:
            self._verify(options["operands"], options["public_key"])

    def _rotate(self, batch: int) -> None:
        total = keys.count_fields()
        with tqdm(total=total, desc=_("Re-encrypting"), unit=_("values"), file=sys.stderr,
                  disable=None) as bar:
            try:
                report = keys.rotate_fields(batch=batch, on_progress=bar.update)
            except crypto.FieldKeyError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(_("{checked} values checked, {rewritten} re-encrypted with key {key} "
                            "({cipher})").format(checked=report.checked,
                                                 rewritten=report.rewritten,
                                                 key=crypto.current_key_id(),
                                                 cipher=crypto._cipher()))

    def _verify(self, args: list[str], public_key: str) -> None:
        if len(args) != 2:
            raise CommandError(_("keys verify FILE SIGNATURE: the signed file and its "
                                 "signature (128 hexadecimal digits, or a file holding them)"))
        path, signature = Path(args[0]), args[1]
        if Path(signature).is_file():
            signature = Path(signature).read_text("utf-8").strip()
        try:
            if public_key:
                text = (Path(public_key).read_text("utf-8") if Path(public_key).is_file()
                        else public_key)
                public = sm2.public_key_from_pem(text)
            else:
                public = keys.signing_public_key() or ""
                if not public:
                    raise CommandError(_("no public key: give --public-key"))
            message = path.read_bytes()
        except (OSError, sm2.SM2Error) as exc:
            raise CommandError(str(exc)) from exc
        if not sm2.verify(public, message, signature):
            raise CommandError(_("BAD SIGNATURE: {path} is not what the key signed").format(
                path=path))
        self.stdout.write(_("OK: the SM2 signature of {path} verifies").format(path=path))
