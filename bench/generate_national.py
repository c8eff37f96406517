"""Generate a realistic 行政处罚 file in the national 2021 columns (双公示, issue 13).

Mostly organisations, some 个体工商户 (USCC 92…) and some persons (自然人, ID number in
证件号码); the categories and round fines departments' systems write; decisions within the
last two years, none in the future; a legal representative with an ID number on a share of
the organisations' rows; unique decision numbers per deciding authority and year
(`榕马市监罚〔2026〕1234号`); about 3% bad rows, as generate.py.

Names are built from a place, a trade name (字号, two characters), an industry and a form
(福州马尾鑫达贸易有限公司), so a search by a fragment of two to four characters finds a few
dozen to a few thousand entries, and by a common word (贸易, 马尾) many thousands.

    .venv/bin/python bench/generate_national.py FILE ROWS [utf-8|gbk]
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from generate import ALPHABET
from stdnum.cn import ric, uscc

TODAY = dt.date.today()
DAYS_BACK = 730  # decisions within the last two years
REGIONS = ["350105", "350102", "350103", "350104", "350111", "350112", "350121", "350181"]
# Every column of the 2021 standard, in its order (as xinyong/records/tests/test_national_files.py).
HEADER = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)", "法定代表人",
    "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号",
    "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额(万元)",
    "没收违法所得、没收非法财物的金额(万元)", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
PLACES = ["福州", "福州马尾", "福州市马尾区", "马尾", "福州鼓楼", "福州台江", "福州仓山", "福州晋安",
          "福州长乐", "闽侯", "连江", "福清", "罗源", "闽清", "永泰", "平潭"]
# Trade names (字号): two of these characters, 70 × 69 = 4,830 of them.
ZIHAO_CHARS = ("鑫达宏发恒信华兴源盛泰隆昌顺丰利通广德新海天金鼎力元和润嘉祥瑞福成安康永荣"
               "旺明辉耀鸿运佳美聚星宇创凯腾博睿晟弘远峰汇百佳益东闽榕融志豪杰鹏翔锦亿")
INDUSTRIES = ["贸易", "商贸", "食品", "餐饮管理", "建材", "建筑工程", "装饰工程", "科技", "电子科技",
              "网络科技", "物流", "供应链管理", "医药", "大药房", "机械设备", "五金机电", "服装",
              "汽车服务", "汽车销售", "文化传媒", "广告", "房地产开发", "物业管理", "酒店管理",
              "教育咨询", "环保科技", "水产", "农业开发", "石材", "包装材料"]
FORMS = ["有限公司"] * 8 + ["有限责任公司", "股份有限公司"]
SHOPS = ["小吃店", "便利店", "五金店", "水果店", "副食店", "理发店", "干洗店", "汽车修理部", "餐馆",
         "烟酒商行", "建材店", "服装店", "药店", "茶庄", "海鲜排档", "早餐店"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏"
            "苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾"
            "龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志斌鹏宇浩凯婷雪琳晨阳春梅"
         "海燕文辉新民德荣金水清福生")


@dataclass(frozen=True)
class Authority:
    name: str
    prefix: str  # of its decision numbers
    code: str
    cases: tuple[tuple[str, str, str], ...]  # (违法行为类型, 违法事实, 处罚依据)


def make_uscc(rng: random.Random, head: str, region: str | None = None) -> str:
    body = head + (region or rng.choice(REGIONS)) + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def make_id(rng: random.Random) -> str:
    body = (rng.choice(REGIONS) + f"{rng.randint(1955, 2003)}{rng.randint(1, 12):02d}"
            f"{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}")
    return body + ric.calc_check_digit(body + "0")


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def authorities(rng: random.Random) -> list[tuple[Authority, int]]:
    """The deciding authorities of 马尾区 and how many of the decisions each makes (weight)."""
    def a(name: str, prefix: str, weight: int, *cases: tuple[str, str, str]) -> tuple[Authority, int]:
        return Authority(name, prefix, make_uscc(rng, "11", "350105"), cases), weight

    return [
        a("福州市马尾区市场监督管理局", "榕马市监罚", 40,
          ("违反价格管理规定", "经营场所未明码标价", "《中华人民共和国价格法》第四十二条"),
          ("违反食品安全管理规定", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条"),
          ("违反产品质量管理规定", "销售不合格产品", "《中华人民共和国产品质量法》第四十九条"),
          ("违反广告管理规定", "发布虚假广告", "《中华人民共和国广告法》第五十五条"),
          ("违反企业信息公示规定", "未按规定公示年度报告", "《企业信息公示暂行条例》第十八条")),
        a("福州市马尾区城市管理和综合执法局", "榕马综执罚", 20,
          ("违反市容环境卫生管理规定", "占道经营", "《城市市容和环境卫生管理条例》第三十六条"),
          ("违反城乡规划管理规定", "未取得建设工程规划许可证进行建设",
           "《中华人民共和国城乡规划法》第六十四条")),
        a("福州市马尾区应急管理局", "榕马应急罚", 8,
          ("违反安全生产管理规定", "未按规定对从业人员进行安全生产教育和培训",
           "《中华人民共和国安全生产法》第九十七条")),
        a("福州市马尾区生态环境局", "榕马环罚", 8,
          ("违反大气污染防治规定", "未采取有效措施防治扬尘污染",
           "《中华人民共和国大气污染防治法》第一百一十五条"),
          ("违反水污染防治规定", "超标排放水污染物", "《中华人民共和国水污染防治法》第八十三条")),
        a("福州市马尾区卫生健康局", "榕马卫罚", 8,
          ("违反公共场所卫生管理规定", "从业人员未取得有效健康合格证明", "《公共场所卫生管理条例》第十四条"),
          ("违反医疗机构管理规定", "使用非卫生技术人员从事医疗卫生技术工作",
           "《医疗机构管理条例》第四十七条")),
        a("福州市马尾区交通运输局", "榕马交罚", 8,
          ("违反道路运输管理规定", "未取得道路运输经营许可擅自从事道路运输经营",
           "《中华人民共和国道路运输条例》第六十三条")),
        a("国家税务总局福州市马尾区税务局", "榕马税罚", 8,
          ("违反税收征收管理规定", "未按照规定期限办理纳税申报",
           "《中华人民共和国税收征收管理法》第六十二条")),
    ]


# (处罚类别, weight) per kind of party; fines in 万元, round as decisions write them.
ORG_CATEGORIES = [("罚款", 52), ("警告", 10), ("警告;罚款", 9), ("罚款;没收违法所得", 12),
                  ("没收违法所得", 3), ("通报批评", 2), ("责令停产停业", 2), ("罚款;责令停产停业", 2),
                  ("暂扣许可证件", 2), ("吊销许可证件", 3), ("罚款;吊销许可证件", 1),
                  ("降低资质等级", 1), ("限制开展生产经营活动", 1)]
PERSON_CATEGORIES = [("罚款", 60), ("警告", 25), ("警告;罚款", 8), ("罚款;没收违法所得", 7)]
ORG_FINES = [(0.05, 6), (0.1, 8), (0.2, 10), (0.3, 6), (0.5, 14), (1, 16), (2, 12), (3, 8), (5, 9),
             (10, 6), (20, 3), (50, 1)]
SHOP_FINES = [(0.02, 10), (0.05, 16), (0.1, 18), (0.2, 16), (0.5, 16), (1, 12), (2, 8), (5, 4)]
PERSON_FINES = [(0.005, 10), (0.01, 15), (0.02, 20), (0.05, 20), (0.1, 15), (0.2, 12), (0.5, 8)]
CONFISCATED = [0.0326, 0.12, 0.35, 0.8, 1.28, 2.6, 4.15]
LICENCES = ["食品经营许可证", "药品经营许可证", "道路运输经营许可证", "排污许可证", "卫生许可证"]


def pick(rng: random.Random, weighted: list[tuple[object, int]]) -> object:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def wan(value: float) -> str:
    return format(value, "g")


def subjects(rng: random.Random, rows: int) -> dict[str, list[tuple[str, str, str, str]]]:
    """(name, code, legal representative, their ID number or "") per kind; names unique."""
    seen: set[str] = set()

    def unique(make: object) -> str:
        while True:
            name = make()  # type: ignore[operator]
            if name not in seen:
                seen.add(name)
                return name

    def org_name() -> str:
        return (rng.choice(PLACES) + rng.choice(ZIHAO_CHARS) + rng.choice(ZIHAO_CHARS)
                + rng.choice(INDUSTRIES) + rng.choice(FORMS))

    def shop_name() -> str:
        return (rng.choice(PLACES[:10]).removeprefix("福州市").removeprefix("福州")
                + rng.choice(["", rng.choice(SURNAMES) + "记"]) + rng.choice(ZIHAO_CHARS)
                + rng.choice(ZIHAO_CHARS) + rng.choice(SHOPS))

    orgs = []
    for _ in range(max(int(rows * 0.40), 10)):
        rep = person_name(rng)
        orgs.append((unique(org_name), make_uscc(rng, "91"), rep,
                     make_id(rng) if rng.random() < 0.45 else ""))
    shops = [(unique(shop_name), make_uscc(rng, "92"), person_name(rng), "")
             for _ in range(max(int(rows * 0.15), 10))]
    persons = [(person_name(rng), make_id(rng), "", "") for _ in range(max(int(rows * 0.10), 10))]
    return {"o": orgs, "i": shops, "p": persons}


def main(path: Path, rows: int, seed: int = 20261207, bad_share: float = 0.03,
         encoding: str = "utf-8") -> dict[str, list[tuple[str, str, str, str]]]:
    """Write the file; returns the subjects it drew from, per kind."""
    rng = random.Random(seed)
    pool = subjects(rng, rows)
    deciders = authorities(rng)
    weights = [w for _, w in deciders]
    numbers: dict[tuple[str, int], int] = {}
    kinds = {"o": "法人及非法人组织", "i": "个体工商户", "p": "自然人"}
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(HEADER)
        for _ in range(rows):
            k = rng.choices("oip", (65, 22, 13))[0]
            name, code, rep, rep_id = rng.choice(pool[k])
            authority = rng.choices(deciders, weights)[0][0]
            violation, facts, basis = rng.choice(authority.cases)
            decided = TODAY - dt.timedelta(days=rng.randrange(DAYS_BACK))
            key = (authority.prefix, decided.year)
            numbers[key] = numbers.get(key, 0) + 1
            number = f"{authority.prefix}〔{decided.year}〕{numbers[key]}号"
            category = str(pick(rng, ORG_CATEGORIES if k == "o" else PERSON_CATEGORIES))
            fine = confiscated = ""
            content = []
            if "没收违法所得" in category:
                confiscated = wan(rng.choice(CONFISCATED))
                content.append(f"没收违法所得{confiscated}万元")
            if "罚款" in category:
                fines = ORG_FINES if k == "o" else SHOP_FINES if k == "i" else PERSON_FINES
                fine = wan(float(pick(rng, fines)))  # type: ignore[arg-type]
                content.append(f"罚款人民币{fine}万元")
            content += [c for c in category.split(";") if c not in ("罚款", "没收违法所得")]
            licence = ""
            if "许可证件" in category:
                licence = f"{rng.choice(LICENCES)} 闽{rng.randint(10**9, 10**10 - 1)}"
            valid_until = ""
            if "暂扣" in category or "停产停业" in category:
                valid_until = (decided + dt.timedelta(days=rng.choice((30, 90, 180)))).isoformat()
            row = [
                name, kinds[k], code if k != "p" else "", "", "", "", "", "",
                rep if k != "p" else "", "身份证" if rep_id else "", rep_id,
                "身份证" if k == "p" else "", code if k == "p" else "", number,
                violation, f"当事人{facts}", basis, category, "，".join(content), fine, confiscated,
                licence, decided.isoformat(), valid_until, "", authority.name, authority.code,
                authority.name, authority.code, "",
            ]
            if rng.random() < bad_share:
                which = rng.randrange(3)
                if which == 0 and k != "p":
                    row[2] = code[:-1] + ("0" if code[-1] != "0" else "1")  # bad check digit
                elif which == 0:
                    row[12] = code[:-1] + ("0" if code[-1] != "0" else "1")
                elif which == 1:
                    row[22] = f"{decided.year}-02-30"  # no such date
                else:
                    row[17] = "罚金"  # not a 行政处罚 category
            out.writerow(row)
    return pool


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), encoding=sys.argv[3] if len(sys.argv) > 3 else "utf-8")
