"""A local Upflow API for tests, the benchmark and the demo (`comptoir fake-upflow`, started by `serve`).

See `server.py`. Nothing here is imported by the portal itself.
"""

DEMO_ACCOUNTS = {"demo": "demo-secret"}


def fake_upflow_listener_start():
    """`comptoir serve`'s fake Upflow (COMPTOIR_FAKE_UPFLOW), a thread of the listeners' process."""
    from django.conf import settings

    from comptoir.partners.fake_upflow.server import FakeUpflow

    return FakeUpflow(port=settings.COMPTOIR_FAKE_UPFLOW_PORT, accounts=dict(DEMO_ACCOUNTS)).start()
