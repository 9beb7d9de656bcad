"""A local plateforme agréée for tests, the benchmark and the demo (`comptoir fake-pa`, started by `serve`).

See `server.py`. Nothing here is imported by the portal itself.
"""

from pathlib import Path

# The demo's two accounts: the official examples' seller and buyer (client id → secret, SIREN).
DEMO_ACCOUNTS = {"demo-vendeur": ("demo-vendeur-secret", "100000009"),
                 "demo-acheteur": ("demo-acheteur-secret", "200000008")}
DEMO_INVOICE = Path(__file__).parent / "examples" / "UC1_F202500003_00-INV_20250701_CII.xml"


def fake_pa_demo(fake) -> None:
    """The demo: the buyer has the official example invoice waiting; what the seller sends comes back
    « Déposée », then « Encaissée »."""
    for client_id, (secret, siren) in DEMO_ACCOUNTS.items():
        fake.account_add(client_id, secret, siren=siren)
    fake.demo_prepare()
    fake.inject("demo-acheteur", flow_type="SupplierInvoice", content=DEMO_INVOICE.read_bytes(),
                name=DEMO_INVOICE.name)


def fake_pa_listener_start():
    """`comptoir serve`'s fake PA (COMPTOIR_FAKE_PA), a thread of the listeners' process."""
    from django.conf import settings

    from comptoir.einvoicing.fake_pa.server import FakePa

    fake = FakePa(port=settings.COMPTOIR_FAKE_PA_PORT)
    fake_pa_demo(fake)
    return fake.start()
