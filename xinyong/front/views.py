from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinyong.accounts.models import Unit
from xinyong.subjects.models import Subject


def home(request: HttpRequest) -> HttpResponse:
    context = {"unit_count": Unit.objects.filter(is_active=True).count(),
               "subject_count": Subject.objects.count()}
    return render(request, "front/home.html", context)
