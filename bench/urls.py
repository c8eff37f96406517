from django.urls import path

from bench.bareview import bare_check
from xinyong.urls import urlpatterns as platform

urlpatterns = [path("bench/bare-check", bare_check), *platform]
