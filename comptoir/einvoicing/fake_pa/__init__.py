"""A local plateforme agréée for tests, the benchmark and the demo (`comptoir fake-pa`, started by `serve`).

See `server.py`. Nothing here is imported by the portal itself.
"""

# The demo's two accounts: the demo company (buyer of the official example) and its supplier.
DEMO_ACCOUNTS = {"demo-pa": {"secret": "demo-pa-secret", "siren": ""}}


def fake_pa_listener_start():
    """`comptoir serve`'s fake PA (COMPTOIR_FAKE_PA), a thread of the listeners' process."""
    from django.conf import settings

    from comptoir.einvoicing.fake_pa.server import FakePa

    fake = FakePa(port=settings.COMPTOIR_FAKE_PA_PORT)
    fake.demo_prepare()
    return fake.start()
