from django.urls import path

from xinyong.financing import views

app_name = "financing"
urlpatterns = [
    path("financing/", views.index, name="index"),
    path("financing/products/mine/", views.products, name="products"),
    path("financing/products/new/", views.product_new, name="product_new"),
    path("financing/products/<int:product_id>/", views.product, name="product"),
    path("financing/products/<int:product_id>/withdraw/", views.product_withdraw,
         name="product_withdraw"),
    path("financing/needs/new/", views.apply, name="apply"),
    path("financing/needs/mine/", views.mine, name="mine"),
    path("financing/honest-smes/", views.honest, name="honest"),
    path("financing/stats/", views.stats, name="stats"),
    *views.case_views.urls("financing/needs"),
]
