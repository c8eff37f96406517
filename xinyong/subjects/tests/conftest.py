from xinyong.records.tests.conftest import loaded, shipped_packs  # noqa: F401
