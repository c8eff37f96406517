from ninja import Router

router = Router(tags=["工作概览"])
