"""`xinyong serve`: the production server (gunicorn), static files served by whitenoise.

With `--with-worker` it also runs `xinyong worker` beside it (what `make run` does, so that
bulk imports uploaded on a laptop are processed); in production run the worker on its own.
"""

import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication

from xinyong.lib.env import envint


class Server(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from xinyong.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve the web UI and the API (default 127.0.0.1:8000)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=envint("XINYONG_WORKERS", "3"))
        parser.add_argument("--threads", type=int, default=envint("XINYONG_THREADS", "4"))
        parser.add_argument("--with-worker", action="store_true",
                            help="also run the background worker (bulk imports, daily status pass)")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        if options["with_worker"]:
            xinyong = Path(sys.executable).with_name("xinyong")
            worker = subprocess.Popen([str(xinyong), "worker"])  # noqa: S603 (our own command)
            self.stdout.write(f"background worker started (pid {worker.pid})")
        self.stdout.write(f"serving http://{options['host']}:{options['port']}/")
        try:
            self._serve(options)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=30)

    def _serve(self, options: dict[str, Any]) -> None:
        Server({
            "bind": f"{options['host']}:{options['port']}",
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            "accesslog": "-",
            # The access log never shows query strings: codes must not leak through it.
            "access_log_format": '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
            "timeout": 120,
        }).run()
