import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    # Links already emailed keep working: the stored secret becomes its hash.
    Invitation = apps.get_model("firms", "Invitation")
    for invitation in Invitation.objects.only("pk", "token_hash"):
        invitation.token_hash = hashlib.sha256(invitation.token_hash.encode()).hexdigest()
        invitation.save(update_fields=["token_hash"])


class Migration(migrations.Migration):
    dependencies = [("firms", "0001_initial")]

    operations = [
        migrations.RenameField("invitation", "token", "token_hash"),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop),
    ]
