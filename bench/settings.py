"""Settings for the benchmark only: the platform's settings plus the bare comparison view."""

from xinyong.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
