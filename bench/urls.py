from django.urls import path

from bench.bareview import bare_check, bare_check_logged
from xinyong.urls import urlpatterns as platform

urlpatterns = [path("bench/bare-check", bare_check),
               path("bench/bare-check-logged", bare_check_logged), *platform]
