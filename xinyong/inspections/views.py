"""Pages of the draws (双随机抽查结果公示): the public list and each draw; the office's form."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role
from xinyong.inspections import draws, services
from xinyong.inspections.forms import DrawForm
from xinyong.inspections.models import Draw
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies.jurisdiction import region_label

PAGE_SIZE = 20
SELECTED_PAGE_SIZE = 100


def _is_office(request: HttpRequest) -> bool:
    return getattr(request.user, "role", None) == Role.OFFICE


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    page, query = paginate(request, Draw.objects.visible_to(request.user), PAGE_SIZE)
    return render(request, "inspections/index.html", {
        "page": page, "query": query,
        "form": DrawForm() if _is_office(request) else None})


@role_required(Role.OFFICE)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    form = DrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                draw = services.run(request.user, data["name"], size=data["size"],
                                    seed=data["seed"] or None, population=form.population(),
                                    request=request)
            except DomainError as exc:
                form.service_error(exc)
                status = exc.status
            else:
                return redirect("inspections:detail", draw.pk)
    return render(request, "inspections/new.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def detail(request: HttpRequest, draw_id: int) -> HttpResponse:
    draw = get_object_or_404(Draw.objects.visible_to(request.user), pk=draw_id)
    page, query = paginate(request, draw.selections.all(), SELECTED_PAGE_SIZE)
    context: dict[str, Any] = {
        "draw": draw, "page": page, "query": query,
        "terms": services.population_terms(draw),
        "schemes": draw.rates.get("schemes", []),
        "adjustments": [{**a, "grade_text": "、".join(f"{g} 类" for g in a["grades"]),
                         "scale_text": "、".join(draws.SCALE_LABELS.get(s, s) for s in a["scales"]),
                         "region_text": "、".join(region_label(r) for r in a["regions"])
                         or "全部地区"}
                        for a in draw.rates.get("adjustments", [])],
        "grades": draws.GRADES,
    }
    return render(request, "inspections/detail.html", context)
