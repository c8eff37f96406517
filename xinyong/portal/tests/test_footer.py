"""The footer names the operator, the contact and the filing numbers set in the settings
(XINYONG_SITE_OPERATOR, _CONTACT, _ICP, _PSB) on every page, and shows nothing for an
unset one: no number is made up."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.test import Client

SET = {
    "SITE_OPERATOR": "福州市马尾区社会信用体系建设工作办公室",
    "SITE_CONTACT": "电话 0591-00000000，地址 福州市马尾区示例路 1 号",
    "SITE_ICP": "闽ICP备00000000号-1",
    "SITE_PSB": "闽公网安备35010500000000号",
}


def footer(path: str = "/") -> str:
    html = Client().get(path).content.decode()
    return html[html.index("<footer"):html.index("</footer>")]


def test_every_value_set_is_shown_with_its_label(db: Any, settings: Any) -> None:
    for name, value in SET.items():
        setattr(settings, name, value)
    for path in ("/", "/search/", "/policies/"):
        html = footer(path)
        assert f"主办单位：{SET['SITE_OPERATOR']}" in html
        assert f"联系方式：{SET['SITE_CONTACT']}" in html
        icp = f'href="https://beian.miit.gov.cn/" rel="noopener noreferrer" translate="no">{SET["SITE_ICP"]}<'
        assert icp in html
        assert f'translate="no">{SET["SITE_PSB"]}</a>' in html and "公安机关备案号：" in html


def test_unset_values_are_not_shown(db: Any, settings: Any) -> None:
    for name in SET:
        setattr(settings, name, "")
    html = footer()
    assert 'data-testid="site-operator"' not in html
    for word in ("主办单位", "联系方式", "备案号", "beian"):
        assert word not in html
    settings.SITE_OPERATOR = SET["SITE_OPERATOR"]
    html = footer()
    assert "主办单位：" in html and "联系方式" not in html and "备案号" not in html


def test_the_settings_are_read_from_the_environment(tmp_path: Any) -> None:
    """XINYONG_SITE_* into settings, blanks trimmed; unset stays empty."""
    env = {**os.environ, "XINYONG_VAR_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "xinyong.settings",
           "XINYONG_SITE_OPERATOR": "  某市信用办 ", "XINYONG_SITE_ICP": "闽ICP备00000000号"}
    for name in ("XINYONG_SITE_CONTACT", "XINYONG_SITE_PSB"):
        env.pop(name, None)
    code = ("from django.conf import settings as s; "
            "print(repr((s.SITE_OPERATOR, s.SITE_CONTACT, s.SITE_ICP, s.SITE_PSB)))")
    out = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"], env=env,
        capture_output=True, text=True, check=True).stdout.strip()
    assert out == repr(("某市信用办", "", "闽ICP备00000000号", ""))
