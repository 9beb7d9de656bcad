import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siren(value: str) -> None:
    if not re.fullmatch(r"\d{9}", value or "") or not luhn_valid(value):
        raise ValidationError(_("SIREN invalide : 9 chiffres avec une clé de contrôle correcte."), code="siren")


def validate_siret(value: str) -> None:
    if not value:
        return
    if not re.fullmatch(r"\d{14}", value) or not luhn_valid(value):
        raise ValidationError(_("SIRET invalide : 14 chiffres avec une clé de contrôle correcte."), code="siret")


def validate_hex_color(value: str) -> None:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value or ""):
        raise ValidationError(_("Couleur invalide : utilisez le format #RRGGBB."), code="color")
