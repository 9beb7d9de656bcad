"""NoteFacile, Pièce Express and Coffre Facture leave the catalogue (issue #24): what they still had to
send is cancelled with the reason, their connections revoked and installations removed. The send
history stays (readable through `registry.app_get_for_history`)."""

from django.db import migrations
from django.utils import timezone

RETIRED = {"piece-express": "Pièce Express", "note-facile": "NoteFacile", "coffre-facture": "Coffre Facture"}


def retire(apps, schema_editor):
    Delivery = apps.get_model("partners", "Delivery")
    Connection = apps.get_model("partners", "Connection")
    Installation = apps.get_model("partners", "Installation")
    now = timezone.now()
    for slug, name in RETIRED.items():
        Delivery.objects.filter(app_slug=slug, status__in=["pending", "retrying", "incomplete"]).update(
            status="cancelled", next_attempt_at=None, updated_at=now,
            reason=f"Application {name} retirée du catalogue : l'envoi est annulé.")
        Connection.objects.filter(installation__app_slug=slug, revoked_at__isnull=True).update(revoked_at=now)
        Installation.objects.filter(app_slug=slug, removed_at__isnull=True).update(removed_at=now)


class Migration(migrations.Migration):
    dependencies = [("partners", "0005_connection_methods_and_installation_settings")]
    operations = [migrations.RunPython(retire, migrations.RunPython.noop)]
