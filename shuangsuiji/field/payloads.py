"""What each kind of offline operation carries, checked before a service sees it.

A phone's payload that does not parse is refused with the field's reason, like a form."""

from typing import Any

from django.core.exceptions import ValidationError
from rest_framework import serializers

from shuangsuiji.inspections.api import ResultInputSerializer
from shuangsuiji.inspections.choices import EvidenceKind, SignerRole

SHA256 = r"^[0-9a-f]{64}$"


class EvidencePayload(serializers.Serializer):
    sha256 = serializers.RegexField(SHA256)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, default=EvidenceKind.PHOTO)
    description = serializers.CharField(max_length=200, allow_blank=True, default="")
    captured_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                        allow_null=True, default=None, coerce_to_string=False)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False,
                                         allow_null=True, default=None, coerce_to_string=False)
    accuracy_m = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False,
                                          allow_null=True, default=None)


class SignaturePayload(serializers.Serializer):
    sha256 = serializers.RegexField(SHA256)
    role = serializers.ChoiceField(choices=SignerRole.choices)
    name = serializers.CharField(max_length=50, allow_blank=True, default="")
    inspector = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                         default=None)


class EmptyPayload(serializers.Serializer):
    pass


# The kinds of operation a phone sends, in the words of the audit log's actions.
PAYLOADS: dict[str, type[serializers.Serializer]] = {
    "result.save": ResultInputSerializer,
    "result.evidence": EvidencePayload,
    "result.signature": SignaturePayload,
    "result.submit": EmptyPayload,
}


def parse(kind: str, payload: Any) -> dict[str, Any]:
    """The payload's values, or Django's ValidationError naming each wrong field."""
    serializer = PAYLOADS[kind](data=payload if isinstance(payload, dict) else {})
    if not serializer.is_valid():
        raise ValidationError({field: [str(e) for e in errors] if isinstance(errors, list)
                               else [str(errors)]
                               for field, errors in serializer.errors.items()})
    return dict(serializer.validated_data)
