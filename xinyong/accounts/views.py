"""Login and the office's pages for units, users and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.forms import (
    LoginForm,
    TokenForm,
    UnitForm,
    UnitRegionForm,
    UnitStateForm,
    UserForm,
)
from xinyong.accounts.models import ApiToken, Role, Unit, User
from xinyong.accounts.services import (
    create_unit,
    create_user,
    issue_token,
    revoke_token,
    set_unit_active,
    set_unit_region,
    unit_reach,
)
from xinyong.lib.errors import DomainError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # Django's LoginView sets site_name to the host name; the layout shows the platform's.
        context["site_name"] = settings.SITE_NAME
        return context


def _form_error(form: object, exc: DomainError, fields: dict[str, str]) -> None:
    form.add_error(fields.get(exc.field), exc.msg)  # type: ignore[attr-defined]


@role_required(Role.OFFICE)
def units(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            unit = create_unit(form.cleaned_data["code"], form.cleaned_data["name"],
                               region=form.cleaned_data["region"], actor=request.user,  # type: ignore[arg-type]
                               via="web", request=request)
        except DomainError as exc:
            _form_error(form, exc, {"code": "code", "name": "name", "region": "region"})
        else:
            messages.success(request, f"已新建成员单位：{unit.name}")
            return redirect("accounts:units")
    rows = Unit.objects.order_by("name")
    return render(request, "accounts/units.html", {"form": form, "units": rows})


@role_required(Role.OFFICE)
def unit_region(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=unit_id)
    form = UnitRegionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_unit_region(unit, form.cleaned_data["region"], actor=request.user,  # type: ignore[arg-type]
                            via="web", request=request)
        except DomainError as exc:
            messages.error(request, f"{unit.name}：{exc.msg}")
        else:
            messages.success(request, f"已设置 {unit.name} 的行政区划代码：{unit.region}")
    else:
        messages.error(request, f"{unit.name}：请填写 6 位行政区划代码")
    return redirect("accounts:units")


def _unit_state(request: HttpRequest, unit_id: int, active: bool) -> HttpResponse:
    """The confirmation page (GET) and the change (POST) of a unit's state."""
    unit = get_object_or_404(Unit, pk=unit_id)
    verb = "启用" if active else "停用"
    if unit.is_active == active:
        messages.info(request, f"成员单位“{unit.name}”已是{verb}状态")
        return redirect("accounts:units")
    form = UnitStateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_unit_active(unit, active, form.cleaned_data["reason"], actor=request.user,  # type: ignore[arg-type]
                            via="web", request=request)
        except DomainError as exc:
            _form_error(form, exc, {"reason": "reason"})
        else:
            messages.success(request, f"已{verb}成员单位：{unit.name}")
            return redirect("accounts:units")
    return render(request, "accounts/unit_state.html",
                  {"form": form, "unit": unit, "active": active, "verb": verb,
                   "reach": unit_reach(unit)})


@role_required(Role.OFFICE)
def unit_deactivate(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _unit_state(request, unit_id, active=False)


@role_required(Role.OFFICE)
def unit_reactivate(request: HttpRequest, unit_id: int) -> HttpResponse:
    return _unit_state(request, unit_id, active=True)


@role_required(Role.OFFICE)
def users(request: HttpRequest) -> HttpResponse:
    form = UserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = create_user(
                data["username"], data["role"], password=data["password"],
                unit_code=data["unit"].code if data["unit"] else None,
                subject_code=data["subject_code"] or None,
                display_name=data["display_name"], actor=request.user, via="web", request=request,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            _form_error(form, exc, {"username": "username", "role": "role", "unit": "unit",
                                    "subject": "subject_code", "password": "password"})
        else:
            messages.success(request, f"已新建用户：{user.username}")
            return redirect("accounts:users")
    rows = User.objects.select_related("unit", "subject").order_by("role", "username")
    return render(request, "accounts/users.html", {"form": form, "users": rows})


@role_required(Role.OFFICE)
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _, new_token = issue_token(form.cleaned_data["user"], form.cleaned_data["name"],
                                       actor=request.user, via="web", request=request)  # type: ignore[arg-type]
        form = TokenForm()
    rows = (ApiToken.objects.visible_to(request.user).select_related("user", "user__unit")
            .order_by("-created_at"))
    response = render(request, "accounts/tokens.html",
                      {"form": form, "tokens": rows, "new_token": new_token})
    if new_token:
        response["Cache-Control"] = "no-store"  # the token is shown once and never cached
    return response


@role_required(Role.OFFICE)
@require_POST
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.visible_to(request.user).select_related("user"),
                              pk=token_id)
    if token.is_active:
        revoke_token(token, actor=request.user, via="web", request=request)  # type: ignore[arg-type]
        messages.success(request, f"已吊销令牌 {token.prefix}…")
    return redirect("accounts:tokens")
