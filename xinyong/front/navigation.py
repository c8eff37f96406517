"""The navigation bar by role: each app adds its pages here as it arrives.

An entry may name a group as its fourth element: the entries of a group that a user sees
become one dropdown (a group with one visible entry stays a plain link), so the bar stays
on one line for the roles that see many pages.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from xinyong.accounts.models import Role

# (label, url name, roles that see it (None: anonymous visitors); empty = everyone[, group])
MENU: list[tuple[Any, ...]] = [
    ("首页", "front:home", ()),
    ("政策规则", "policies:list", ()),
    ("信用名单", "lists:index", (), "公示"),
    ("双公示", "disclosure:penalties", (), "公示"),
    ("双随机抽查", "inspections:index", (), "公示"),
    # First in a group staff already have: a top-level item would wrap the office's bar.
    ("工作概览", "dashboard:index", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("记录列表", "records:list", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("新增记录", "records:create", (Role.DEPARTMENT,), "信用记录"),
    ("批量导入", "records:imports", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("行政许可", "licences:list", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("新增许可", "licences:create", (Role.DEPARTMENT,), "信用记录"),
    ("报送及时率", "disclosure:timeliness", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("上报退回", "exchange:returned", (Role.DEPARTMENT,), "信用记录"),
    ("数据上报", "exchange:list", (Role.OFFICE,), "系统管理"),
    # The public search (portal); staff's page also finds a person by ID number.
    ("信用查询", "portal:search", (None, Role.SUBJECT, Role.INSTITUTION)),
    ("信用查询", "subjects:search", (Role.OFFICE, Role.DEPARTMENT)),
    ("信用核查", "checks:new", (Role.DEPARTMENT,)),
    ("信用核查", "checks:office", (Role.OFFICE,)),
    # 信易贷: an institution checks in credit_loans only, reads under subjects' grants and
    # takes financing needs; a subject grants, posts needs and joins the honest-SME list.
    ("信用核查", "checks:new", (Role.INSTITUTION,)),
    ("授权查询", "grants:received", (Role.INSTITUTION,)),
    ("融资需求", "financing:queue", (Role.INSTITUTION,), "信易贷"),
    ("产品管理", "financing:products", (Role.INSTITUTION,), "信易贷"),
    ("授权管理", "grants:mine", (Role.SUBJECT,), "信易贷"),
    ("发布融资需求", "financing:apply", (Role.SUBJECT,), "信易贷"),
    ("我的融资需求", "financing:mine", (Role.SUBJECT,), "信易贷"),
    ("诚信中小企业名单", "financing:honest", (Role.SUBJECT, Role.INSTITUTION), "信易贷"),
    ("信易贷产品", "financing:index", (Role.SUBJECT, Role.INSTITUTION), "信易贷"),
    ("信易贷产品", "financing:index", (None, Role.OFFICE, Role.DEPARTMENT), "公示"),
    # The office's: in a group it already has, so that its bar stays on one line.
    ("信易贷统计", "financing:stats", (Role.OFFICE,), "信用记录"),
    ("我的信用修复", "repairs:mine", (Role.SUBJECT,), "信用修复"),
    ("修复办理", "repairs:queue", (Role.OFFICE, Role.DEPARTMENT), "信用修复"),
    ("修复指南", "repairs:guide", (), "信用修复"),
    # Applicants look their cases up by query code; the office and units work from queues
    # (and the office's bar must stay on one line at 1280 px).
    ("进度查询", "casework:track", (None, Role.SUBJECT, Role.INSTITUTION)),
    ("我的异议", "objections:mine", (Role.SUBJECT,), "异议处理"),
    ("异议办理", "objections:queue", (Role.OFFICE, Role.DEPARTMENT), "异议处理"),
    # commitments (信用承诺): their entries here
    ("我的信用承诺", "commitments:mine", (Role.SUBJECT,), "信用承诺"),
    ("签署承诺", "commitments:sign", (Role.SUBJECT,), "信用承诺"),
    # Staff's pages go into groups they already have, so the office's bar does not grow.
    ("承诺核查", "commitments:queue", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("承诺统计", "commitments:stats", (Role.OFFICE, Role.DEPARTMENT), "信用记录"),
    ("信用承诺", "commitments:index", (), "公示"),
    ("承诺活动", "commitments:campaigns", (), "公示"),
    ("承诺书核验", "commitments:check", (), "公示"),
    ("典型案例", "articles:list", (), "公示"),
    # force-majeure certificates (不可抗力事实性证明): their entries here
    # In the group of the platform's signed documents (信用报告), so that no role's bar grows.
    ("我的不可抗力证明", "certificates:mine", (Role.SUBJECT,), "信用报告"),
    ("不可抗力证明办理", "certificates:queue", (Role.OFFICE, Role.DEPARTMENT), "信用报告"),
    ("不可抗力证明核验", "certificates:verify", (), "信用报告"),
    ("我的通知", "notices:outbox", (Role.SUBJECT,)),
    ("我的信用报告", "reports:mine", (Role.SUBJECT,), "信用报告"),
    ("我的信用评价", "scores:mine", (Role.SUBJECT,), "信用报告"),
    ("报告出具", "reports:office", (Role.OFFICE,), "信用报告"),
    ("报告核验", "reports:verify", (), "信用报告"),
    ("成员单位", "accounts:units", (Role.OFFICE,), "系统管理"),
    ("金融机构", "accounts:institutions", (Role.OFFICE,), "系统管理"),
    ("用户", "accounts:users", (Role.OFFICE,), "系统管理"),
    ("接口令牌", "accounts:tokens", (Role.OFFICE,), "系统管理"),
    ("审计日志", "audit:events", (Role.OFFICE,), "系统管理"),
    ("文章管理", "articles:office", (Role.OFFICE,), "系统管理"),
    ("通知发件箱", "notices:outbox", (Role.OFFICE,), "系统管理"),
    ("自助终端", "kiosk:terminals", (Role.OFFICE,), "系统管理"),
]


def menu_for(user: Any) -> list[dict[str, Any]]:
    """Top-level items: links ({label, url, name, names}) and dropdowns (with `children`)."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    items: list[dict[str, Any]] = []
    groups: dict[str, dict[str, Any]] = {}
    for label, name, roles, *rest in MENU:
        if roles and role not in roles:
            continue
        link = {"label": label, "url": reverse(name), "name": name, "names": [name]}
        group = rest[0] if rest else ""
        if not group:
            items.append(link)
        elif group in groups:
            groups[group]["children"].append(link)
            groups[group]["names"].append(name)
        else:
            groups[group] = {"label": group, "children": [link], "names": [name]}
            items.append(groups[group])
    return [item["children"][0] if len(item.get("children", ())) == 1 else item for item in items]
