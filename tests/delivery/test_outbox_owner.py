"""The outbox has one owner: no module but `partners/outbox.py` writes a `Delivery` row.

The source is walked with `ast`: any call of a write method (`update`, `create`, `get_or_create`,
`update_or_create`, `bulk_create`, `bulk_update`, `save`, `delete`) on an expression that names
`Delivery` (the model, its manager or querysets) or a delivery instance (`delivery`, `deliveries`,
`self.delivery`, `<x>.deliveries`) is a finding, outside the outbox module.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "comptoir"
OWNER = ROOT / "partners" / "outbox.py"
WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update", "save", "delete"}
NAMES_A_DELIVERY = re.compile(r"(^|\W)(Delivery|deliver(y|ies))(\W|$)")


def delivery_writes(path: Path) -> list[str]:
    """`line: receiver.method(…)` for each write to a Delivery found in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            receiver = ast.unparse(node.func.value)
            if NAMES_A_DELIVERY.search(receiver):
                found.append(f"{node.lineno}: {receiver}.{node.func.attr}(…)")
    return found


def test_only_the_outbox_module_writes_delivery_rows():
    findings = [f"{path.relative_to(ROOT.parent)}:{finding}" for path in sorted(ROOT.rglob("*.py"))
                if "migrations" not in path.parts and path != OWNER
                for finding in delivery_writes(path)]
    assert findings == []


def test_the_walker_sees_the_writes_it_looks_for(tmp_path):
    """The check can fail: it finds the outbox's own writes, and a write hidden in another module."""
    assert len(delivery_writes(OWNER)) >= 8
    rogue = tmp_path / "rogue.py"
    rogue.write_text("def cancel(qs, delivery):\n"
                     "    Delivery.objects.filter(pk=1).update(status='cancelled')\n"
                     "    delivery.save(update_fields=['status'])\n"
                     "    connection.deliveries.all().delete()\n"
                     "    DeliveryAttempt.objects.create(number=1)\n")
    findings = [finding.split(": ", 1)[1] for finding in delivery_writes(rogue)]
    assert findings == ["Delivery.objects.filter(pk=1).update(…)", "delivery.save(…)",
                        "connection.deliveries.all().delete(…)"]


def test_transports_find_no_partner_behaviour_by_reflection():
    """The partner class is called, never inspected: no getattr on apps or their types, no kind switch."""
    for path in sorted((ROOT / "partners" / "transports").rglob("*.py")):
        source = path.read_text()
        assert "getattr(type(" not in source and "getattr(app" not in source, path
        assert not re.search(r"\.kind\s*==|kind\s*==\s*[\"']", source), path
        assert "app_find" not in source, path
