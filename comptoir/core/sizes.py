"""One way to write a file size on every page and message: « 25 Mo » in French, « 25 MB » in English.

Binary multiples (1 Mo = 1 048 576 octets), as the limits in the code are written (25 * MB) and as
people read them in their file manager; Django's filesizeformat would say « Mio » in French.
"""

from django.utils import formats
from django.utils.translation import gettext as _

NBSP = "\u00a0"


def file_size_format(size: int | None) -> str:
    size = int(size or 0)
    if size < 1024:
        return _("%(size)s octets") % {"size": size} if size != 1 else _("1 octet")
    for unit, factor in ((_("Go"), 1024**3), (_("Mo"), 1024**2), (_("ko"), 1024)):
        if size >= factor:
            value = size / factor
            decimals = 0 if value >= 100 or value == int(value) else 1
            return f"{formats.number_format(round(value, decimals), decimals)}{NBSP}{unit}"
    return ""  # unreachable
