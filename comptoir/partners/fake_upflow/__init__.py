"""A local Upflow API for tests, the benchmark and the demo (`comptoir fake-upflow`, started by `serve`).

See `server.py`. Nothing here is imported by the portal itself.
"""
