import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from shuangsuiji.core import anchors
from shuangsuiji.core.audit import verify_chain
from shuangsuiji.core.models import AnchorReason, AuditEvent
from shuangsuiji.rules import gm


class Command(BaseCommand):
    help = ("Audit log: `audit verify [--anchor SEQ:HASH]... [--anchors FILE|URL]...` recomputes "
            "the hash chain, names the first broken entry and every anchor the log no longer "
            "holds; `audit head [--json]` prints the current anchor SEQ:HASH; `audit anchor` "
            "records one (schedule it daily).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "head", "anchor"])
        parser.add_argument("--anchor", action="append", default=[], metavar="SEQ:HASH",
                            help="verify: an anchor taken earlier (repeatable)")
        parser.add_argument("--anchors", action="append", default=[], metavar="FILE|URL",
                            help="verify: an anchor file (one SEQ:HASH a line), or the public "
                                 "API's anchor list (/api/v1/public/anchors/)")
        parser.add_argument("--json", action="store_true", help="head: as JSON")
        parser.add_argument("--reason", choices=[AnchorReason.DAILY, AnchorReason.MANUAL],
                            default=AnchorReason.DAILY, help="anchor: why it is taken")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(translation.get_language() or "zh-hans")
        if options["action"] == "head":
            self._head(as_json=options["json"])
        elif options["action"] == "anchor":
            with transaction.atomic():
                anchor = anchors.anchor_take(reason=options["reason"])
            self.stdout.write(anchor.text)
        else:
            self._verify(options["anchor"], options["anchors"])

    def _head(self, *, as_json: bool) -> None:
        head = anchors.current()
        if as_json:
            self.stdout.write(json.dumps({"seq": head.seq, "hash": head.hash,
                                          "anchor": head.text}))
        else:
            self.stdout.write(head.text)

    def _verify(self, given: list[str], sources: list[str]) -> None:
        try:
            outside = [anchors.Anchor.parse(text) for text in given]
            for source in sources:
                outside += anchors.read_anchors(source)
        except anchors.AnchorError as exc:
            raise CommandError(str(exc)) from exc
        messages: list[str] = []
        problem = verify_chain()
        if problem is not None:
            messages.append(problem.message)
        checked = list(dict.fromkeys([*outside, *anchors.stored_anchors()]))
        messages += [p.message for p in anchors.check_anchors(checked)]
        if messages:
            raise CommandError("\n".join(messages))
        count = AuditEvent.objects.count()
        self.stdout.write(_("OK: {count} entries, chain intact").format(count=count))
        switches = list(AuditEvent.objects.filter(action=gm.HASH_SWITCH_ACTION)
                        .order_by("seq").values_list("seq", "data"))
        if switches:
            steps = [gm.NAMES[gm.SHA256]] + [
                _("{algorithm} after entry {seq}").format(
                    algorithm=gm.NAMES.get(data.get("algorithm"), "?"), seq=seq)
                for seq, data in switches]
            self.stdout.write(_("Hash: {steps}").format(steps=" → ".join(steps)))
        if checked:
            self.stdout.write(_("OK: the log holds all {n} anchors ({outside} given)").format(
                n=len(checked), outside=len(set(outside))))
