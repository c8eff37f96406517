from ninja import Router

router = Router(tags=["门户"])
