"""The demo's articles (called by `xinyong.demo.data`): a dishonest and a good typical case
about demo records in publicity, a news item and a reading of the 太仓 notice. Idempotent
(by title); a case whose record is not in publicity today is left out."""

from __future__ import annotations

import datetime as dt

from xinyong.accounts.models import User
from xinyong.articles import services
from xinyong.articles.models import Article
from xinyong.lib.errors import DomainError
from xinyong.policies.models import PolicyPack

DISHONEST_RECORD = "榕马市监罚〔演示〕3号"  # 闽江生鲜超市: 哄抬蔬菜价格
GOOD_RECORD = "马尾区表彰〔演示〕6号"  # 马尾区老陈药店: 捐赠药品
TAICANG_PACK = "taicang-2020-1"

ARTICLES = [
    services.ArticleInput(
        kind="case", polarity="dishonest", records=[DISHONEST_RECORD],
        title="疫情期间哄抬蔬菜价格被处罚：福州闽江生鲜超市有限公司",
        summary="超市在疫情防控期间哄抬蔬菜价格，被市场监管部门罚款并没收违法所得，处罚信息依法公示。",
        body="## 基本案情\n\n"
             "疫情防控期间，福州闽江生鲜超市有限公司在未增加成本的情况下，大幅提高多种蔬菜的销售价格，"
             "扰乱市场价格秩序。\n\n"
             "## 处理结果\n\n"
             "| 事项 | 内容 |\n|:--|:--|\n| 处罚决定 | 罚款 3 万元，没收违法所得 0.8 万元 |\n"
             "| 依据 | 《中华人民共和国价格法》第四十二条 |\n| 公示 | 行政处罚信息依法在信用平台公示 |\n\n"
             "## 典型意义\n\n"
             "重要民生商品价格关系群众切身利益。对**哄抬价格**等失信行为，有关部门依法查处并公示，"
             "提高失信成本。当事人可在最短公示期满后依法申请[信用修复](/repairs/guide/)。"),
    services.ArticleInput(
        kind="case", polarity="good", records=[GOOD_RECORD],
        title="社区药店捐赠药品获表彰：马尾区老陈药店",
        summary="药店向疫情防控一线捐赠药品，获区政府表彰，纳入守信行为记录。",
        body="## 基本事迹\n\n"
             "疫情防控期间，马尾区老陈药店主动向一线防控人员捐赠常用药品，并坚持平价保供。\n\n"
             "## 守信激励\n\n"
             "- 表彰信息纳入守信行为记录，在信用平台公示；\n"
             "- 可按规定享受“信易贷”等守信激励措施。\n\n"
             "诚实守信、热心公益的经营者，值得全社会学习。"),
    services.ArticleInput(
        kind="news",
        title="信用平台上线典型案例和政策解读栏目",
        summary="公众可以在平台上阅读失信、守信典型案例和政策解读，案例随所涉信用记录的公示状态自动更新。",
        body="信用办在公共信用信息平台开设“典型案例与新闻”栏目，集中发布失信和守信典型案例、"
             "信用工作动态和政策解读。\n\n"
             "典型案例所涉信用记录经信用修复、撤销或公示期满的，案例自动撤下，保障市场主体的信用权益。"),
    services.ArticleInput(
        kind="policy_reading", pack_id=TAICANG_PACK,
        title="一图读懂：太仓市疫情期间信用管理和服务十四条",
        summary="太信用办〔2020〕1号通知的要点：失信惩戒、守信激励、信易贷、审慎认定和信用修复绿色通道。",
        body="## 发文背景\n\n"
             "为应对新冠肺炎疫情影响，太仓市社会信用体系建设领导小组办公室印发"
             "《关于应对新冠肺炎疫情影响 切实加强信用管理和服务工作的通知》（太信用办〔2020〕1号）。\n\n"
             "## 主要内容\n\n"
             "| 方面 | 条款 | 要点 |\n|:--|:--|:--|\n"
             "| 失信惩戒 | 第 1–4、10 条 | 市场秩序、价格、复工复产和个人防疫失信行为依法惩戒 |\n"
             "| 守信激励 | 第 5–6 条 | 疫情防控表现突出的纳入守信记录，给予激励 |\n"
             "| 信易贷 | 第 7 条 | 对信用良好的中小微企业给予信贷优惠支持 |\n"
             "| 审慎认定 | 第 8–9 条 | 不可抗力事实性证明，轻微失信豁免 |\n"
             "| 信用修复 | 第 11 条 | 开通信用修复“绿色通道” |\n\n"
             "## 有效期\n\n"
             "因疫情应急响应结束等原因政策措施不再必要的，自动失效。"),
]


def load(today: dt.date) -> None:
    office = User.objects.filter(username="office").first()
    if office is None:
        return
    for data in ARTICLES:
        if Article.objects.filter(title=data.title).exists():
            continue
        if data.pack_id and not PolicyPack.objects.filter(pack_id=data.pack_id).exists():
            continue
        try:
            article = services.create(office, data, today=today)
            services.publish(office, article.pk, today, today=today)
        except DomainError:
            continue  # a case whose demo record is not in publicity today
