"""Login and the office's pages for units, financial institutions, users and API tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.forms import (
    InstitutionFilterForm,
    InstitutionForm,
    InstitutionStateForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    TokenForm,
    UnitEditForm,
    UnitFilterForm,
    UnitForm,
    UnitRegionForm,
    UnitStateForm,
    UserEditForm,
    UserFilterForm,
    UserForm,
    UserStateForm,
)
from xinyong.accounts.models import ApiToken, Institution, Role, Unit, User
from xinyong.accounts.services import (
    change_password,
    create_institution,
    create_unit,
    create_user,
    issue_token,
    locked_out,
    reset_password,
    revoke_token,
    set_institution_active,
    set_unit_active,
    set_unit_region,
    set_user_active,
    unit_reach,
    unlock_user,
    update_unit,
    update_user,
)
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies.jurisdiction import region_label
from xinyong.subjects import codes


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
    rows, search = _filtered_units(request)
    page, query = paginate(request, rows, PAGE_SIZE)
    return render(request, "accounts/units.html",
                  {"form": form, "units": page, "page": page, "query": query, "search": search})


PAGE_SIZE = 50


def _filtered_units(request: HttpRequest) -> tuple[QuerySet[Unit], UnitFilterForm]:
    search = UnitFilterForm(request.GET)
    rows = Unit.objects.order_by("name")
    if not search.is_valid():
        return rows.none(), search
    if q := search.cleaned_data["q"].strip():
        found = Q(name__icontains=q)
        if code := codes.normalize(q):  # a code is found however it was typed
            found |= Q(code__icontains=code)
        rows = rows.filter(found)
    if search.cleaned_data["active"]:
        rows = rows.filter(is_active=search.cleaned_data["active"] == "1")
    return rows, search


@role_required(Role.OFFICE)
def unit_edit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = get_object_or_404(Unit, pk=unit_id)
    form = UnitEditForm(request.POST or None, initial={"name": unit.name, "region": unit.region})
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_unit(unit, name=form.cleaned_data["name"],
                                  region=form.cleaned_data["region"], actor=request.user,  # type: ignore[arg-type]
                                  request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            messages.success(request, f"已保存成员单位：{unit.name}" if changed
                             else f"成员单位“{unit.name}”没有改动")
            return redirect("accounts:units")
    return render(request, "accounts/unit_edit.html",
                  {"form": form, "unit": unit, "reach": unit_reach(unit)})


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
def institutions(request: HttpRequest) -> HttpResponse:
    """金融机构: the list (search, state) and the form that creates one."""
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = create_institution(
                form.cleaned_data["code"], form.cleaned_data["name"],
                region=form.cleaned_data["region"], actor=request.user,  # type: ignore[arg-type]
                via="web", request=request)
        except DomainError as exc:
            _form_error(form, exc, {"code": "code", "name": "name", "region": "region"})
        else:
            messages.success(request, f"已新建金融机构：{institution.name}")
            return redirect("accounts:institutions")
    search = InstitutionFilterForm(request.GET)
    rows = Institution.objects.annotate(
        user_count=Count("user", filter=Q(user__is_active=True), distinct=True)).order_by("name")
    if not search.is_valid():
        rows = rows.none()
    else:
        if q := search.cleaned_data["q"].strip():
            found = Q(name__icontains=q)
            if code := codes.normalize(q):
                found |= Q(code__icontains=code)
            rows = rows.filter(found)
        if search.cleaned_data["active"]:
            rows = rows.filter(is_active=search.cleaned_data["active"] == "1")
    page, query = paginate(request, rows, PAGE_SIZE)
    for institution in page.object_list:
        institution.region_text = region_label(institution.region)
    return render(request, "accounts/institutions.html",
                  {"form": form, "institutions": page, "page": page, "query": query,
                   "search": search})


def _institution_state(request: HttpRequest, institution_id: int, active: bool) -> HttpResponse:
    """The confirmation page (GET) and the change (POST) of an institution's state."""
    institution = get_object_or_404(Institution, pk=institution_id)
    verb = "启用" if active else "停用"
    if institution.is_active == active:
        messages.info(request, f"金融机构“{institution.name}”已是{verb}状态")
        return redirect("accounts:institutions")
    form = InstitutionStateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_institution_active(institution, active, form.cleaned_data["reason"],
                                   actor=request.user, via="web", request=request)  # type: ignore[arg-type]
        except DomainError as exc:
            _form_error(form, exc, {"reason": "reason"})
        else:
            messages.success(request, f"已{verb}金融机构：{institution.name}")
            return redirect("accounts:institutions")
    members = User.objects.filter(institution=institution, is_active=True)
    reach = {"users": members.count(),
             "tokens": ApiToken.objects.filter(user__in=members, revoked_at__isnull=True).count()}
    return render(request, "accounts/institution_state.html",
                  {"form": form, "institution": institution, "active": active, "verb": verb,
                   "reach": reach})


@role_required(Role.OFFICE)
def institution_deactivate(request: HttpRequest, institution_id: int) -> HttpResponse:
    return _institution_state(request, institution_id, active=False)


@role_required(Role.OFFICE)
def institution_reactivate(request: HttpRequest, institution_id: int) -> HttpResponse:
    return _institution_state(request, institution_id, active=True)


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
                institution_code=data["institution"].code if data["institution"] else None,
                display_name=data["display_name"], actor=request.user, via="web", request=request,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            _form_error(form, exc, {"username": "username", "role": "role", "unit": "unit",
                                    "subject": "subject_code", "password": "password",
                                    "institution": "institution"})
        else:
            messages.success(request, f"已新建用户：{user.username}")
            return redirect("accounts:users")
    search = UserFilterForm(request.GET)
    rows = User.objects.select_related("unit", "subject", "institution").order_by("role", "username")
    if not search.is_valid():
        rows = rows.none()
    else:
        if q := search.cleaned_data["q"].strip():
            rows = rows.filter(Q(username__icontains=q) | Q(display_name__icontains=q)
                               | Q(unit__name__icontains=q) | Q(institution__name__icontains=q))
        if search.cleaned_data["role"]:
            rows = rows.filter(role=search.cleaned_data["role"])
        if search.cleaned_data["active"]:
            rows = rows.filter(is_active=search.cleaned_data["active"] == "1")
    page, query = paginate(request, rows, PAGE_SIZE)
    return render(request, "accounts/users.html", {
        "form": form, "users": page, "page": page, "query": query, "search": search,
        "locked": locked_out(list(page)),
    })


def _office_user(request: HttpRequest, user_id: int) -> User:
    return get_object_or_404(User.objects.select_related("unit", "subject", "institution"),
                             pk=user_id)


@role_required(Role.OFFICE)
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _office_user(request, user_id)
    form = UserEditForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        tokens_before = live.count()
        try:
            changed = update_user(
                user, display_name=data["display_name"], role=data["role"], unit=data["unit"],
                subject_code=data["subject_code"] or None, email=data["email"],
                institution=data["institution"],
                actor=request.user, request=request,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            form.service_error(exc)
        else:
            revoked = tokens_before - live.count()
            messages.success(request, (f"已保存用户：{user.username}" + (
                f"；角色或绑定已改变，其 {revoked} 个接口令牌已吊销" if revoked else ""))
                if changed else f"用户“{user.username}”没有改动")
            return redirect("accounts:user_edit", user.pk)
    return render(request, "accounts/user_edit.html", {
        "form": form, "account": user, "locked": user.pk in locked_out([user]),
        "is_self": user.pk == request.user.pk,
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
    })


def _user_state(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    """The confirmation page (GET) and the change (POST) of a user's state."""
    user = _office_user(request, user_id)
    verb = "启用" if active else "停用"
    if user.is_active == active:
        messages.info(request, f"用户“{user.username}”已是{verb}状态")
        return redirect("accounts:user_edit", user.pk)
    form = UserStateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            set_user_active(user, active, form.cleaned_data["reason"], actor=request.user,  # type: ignore[arg-type]
                            request=request)
        except DomainError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.msg)
        else:
            messages.success(request, f"已{verb}用户：{user.username}")
            return redirect("accounts:user_edit", user.pk)
    return render(request, "accounts/user_state.html", {
        "form": form, "account": user, "active": active, "verb": verb,
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
    })


@role_required(Role.OFFICE)
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _user_state(request, user_id, active=False)


@role_required(Role.OFFICE)
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _user_state(request, user_id, active=True)


@role_required(Role.OFFICE)
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset a user's password: a form (GET), then the temporary password shown once."""
    user = _office_user(request, user_id)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password = reset_password(user, form.cleaned_data["password"], actor=request.user,  # type: ignore[arg-type]
                                      request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            response = render(request, "accounts/user_password_done.html", {
                "account": user, "password": password,
                "generated": not form.cleaned_data["password"]})
            response["Cache-Control"] = "no-store"  # the password is shown once, never cached
            return response
    return render(request, "accounts/user_password.html",
                  {"form": form, "account": user, "locked": user.pk in locked_out([user])})


@role_required(Role.OFFICE)
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _office_user(request, user_id)
    if unlock_user(user, actor=request.user, request=request):  # type: ignore[arg-type]
        messages.success(request, f"已解除用户“{user.username}”的登录锁定，可以立即重新登录")
    else:
        messages.info(request, f"用户“{user.username}”没有被锁定")
    return redirect("accounts:user_edit", user.pk)


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Any logged-in user changes their own password; one whose password the office reset
    is sent here by accounts.middleware until they have."""
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_password(user, form.cleaned_data["old_password"],
                            form.cleaned_data["new_password1"], request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            update_session_auth_hash(request, user)  # this session stays logged in
            messages.success(request, "密码已修改")
            target = request.POST.get("next") or request.GET.get("next") or ""
            if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                   request.is_secure()):
                target = settings.LOGIN_REDIRECT_URL
            return redirect(target)
    return render(request, "accounts/password_change.html", {
        "form": form, "forced": user.must_change_password,
        "next": request.POST.get("next") or request.GET.get("next", "")})


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
