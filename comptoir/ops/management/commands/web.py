from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # What comptoir/wsgi.py does (settings are configured already): the project's entry module sits
        # above every app, so ops does not import it.
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()


class Command(BaseCommand):
    help = "Run the production HTTP server (gunicorn, threaded workers). Stateless: run it many times."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-collectstatic", action="store_true")
        parser.add_argument("--preload", action="store_true",
                            help="load the app in the master before forking: workers share its memory pages")

    def handle(self, *args, host, port, workers, threads, no_collectstatic, preload, **options):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        _Gunicorn(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "preload_app": preload,
                "timeout": 300,
                "graceful_timeout": 20,
                "accesslog": "-" if settings.DEBUG else None,
                "errorlog": "-",
                "forwarded_allow_ips": "127.0.0.1",
                # Several web processes may run on one machine: no shared control socket.
                "control_socket_disable": True,
                **_json_logging(),
            }
        ).run()


def _json_logging() -> dict:
    """With COMPTOIR_LOG_JSON, gunicorn's own lines (boot, worker restarts, errors) are JSON too."""
    if not settings.LOG_JSON:
        return {}
    gunicorn_loggers = {name: {"handlers": ["console"], "level": "INFO", "propagate": False}
                        for name in ("gunicorn.error", "gunicorn.access")}
    return {"logconfig_dict": {**settings.LOGGING, "loggers": {**settings.LOGGING["loggers"], **gunicorn_loggers}}}
