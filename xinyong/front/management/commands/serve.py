"""`xinyong serve`: the production server (gunicorn), static files served by whitenoise.

With `--with-worker` it also runs `xinyong worker` beside it (what `make run` does, so that
bulk imports uploaded on a laptop are processed) and restarts it whenever it stops: this
process then supervises two children, the server and the worker; in
production run the worker under the system's own supervisor (systemd), or use this.
"""

import signal
import subprocess
import sys
import threading
import time
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


class Supervisor(threading.Thread):
    """Keeps one `xinyong worker` running: started again when it exits or is killed, after
    a pause that grows while it keeps dying (1 s up to a minute) and resets once it has run
    for a minute."""

    def __init__(self, command: list[str], say: Any) -> None:
        super().__init__(name="worker-supervisor", daemon=True)
        self.command, self.say = command, say
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        pause = 1.0
        while not self.stopping.is_set():
            started = time.monotonic()
            # Its own session: a signal to the server's group (Ctrl-C, killpg) reaches the
            # worker once, through stop(), so it finishes its task instead of dying twice.
            self.process = subprocess.Popen(self.command, start_new_session=True)  # noqa: S603 (our own command)
            self.say(f"background worker started (pid {self.process.pid})")
            while self.process.poll() is None:
                if self.stopping.wait(0.5):
                    return
            if time.monotonic() - started > 60:
                pause = 1.0
            self.say(f"background worker (pid {self.process.pid}) exited with "
                     f"{self.process.returncode}; starting it again in {pause:.0f} s")
            if self.stopping.wait(pause):
                return
            pause = min(pause * 2, 60.0)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)  # no new worker is started after this
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


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
        if not options["with_worker"]:
            self.stdout.write(f"serving http://{options['host']}:{options['port']}/")
            self._serve(options)
            return
        # gunicorn's master reaps every child of its process (waitpid(-1)), so a worker
        # started beside it in one process would be reaped by gunicorn and its exit status
        # lost (a killed worker looked like one that exited with 0). With --with-worker this
        # process only supervises: gunicorn and the worker are two children of its own.
        xinyong = str(Path(sys.executable).with_name("xinyong"))
        server = subprocess.Popen([  # noqa: S603 (our own command)
            xinyong, "serve", "--host", options["host"], "--port", str(options["port"]),
            "--workers", str(options["workers"]), "--threads", str(options["threads"])])

        def forward(signum: int, frame: Any) -> None:
            # Ctrl-C or killpg reaches gunicorn too (same process group); `kill <this pid>`
            # (systemd, a script) does not. A second signal of a kind gunicorn is handling
            # anyway changes nothing.
            if server.poll() is None:
                server.send_signal(signum)

        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, forward)
        supervisor = Supervisor([xinyong, "worker"], self.say)
        supervisor.start()
        try:
            code = server.wait()
        finally:
            supervisor.stop()
        if code:
            raise SystemExit(code if code > 0 else 1)

    def say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

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
