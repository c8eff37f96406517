from ninja import Router

router = Router(tags=["典型案例与新闻"])
