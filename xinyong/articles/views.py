"""Pages of the articles: the public list (典型案例, 新闻动态, 政策解读) and an article; the
office's list, editor with a Markdown preview, publishing and withdrawing. The rules are in
services and `ArticleQuerySet.public`; these views only call them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xinyong.accounts.decorators import role_required
from xinyong.accounts.models import Role, role_of
from xinyong.articles import services
from xinyong.articles.forms import ArticleForm, PublishForm, WithdrawForm
from xinyong.articles.markdown import render as render_markdown
from xinyong.articles.models import Article
from xinyong.lib.errors import DomainError
from xinyong.lib.paging import paginate
from xinyong.policies import rulebook
from xinyong.policies.models import PolicyPack
from xinyong.records.publicity import is_published

PER_PAGE = 20


def article_list(request: HttpRequest) -> HttpResponse:
    """/articles/?kind=: what the public reads, newest first, by kind."""
    kind = request.GET.get("kind", "")
    error = ""
    rows = Article.objects.public(timezone.localdate())
    if kind and kind not in Article.Kind.values:
        error = f"类别：没有“{kind}”这个类别，请选择" + "、".join(Article.Kind.labels)
    elif kind:
        rows = rows.filter(kind=kind)
    page, query = paginate(request, rows.order_by("-published_on", "-id"), PER_PAGE)
    return render(request, "articles/list.html", {
        "page": page, "query": query, "kind": kind if not error else "", "error": error,
        "kinds": Article.Kind.choices,
        "title": Article.Kind(kind).label if kind and not error else "典型案例与新闻",
    }, status=422 if error else 200)


def _viewable(request: HttpRequest, article_id: int) -> Article:
    """The public gets only what is public today; the office also drafts, scheduled,
    withdrawn and taken-down articles (to check them), marked as such."""
    rows = Article.objects.all()
    if role_of(request.user) != Role.OFFICE:
        rows = rows.public(timezone.localdate())
    article = rows.filter(pk=article_id).first()
    if article is None:
        raise Http404("没有这篇文章，或已撤下")
    return article


def case_records(article: Article) -> list[dict[str, Any]]:
    book = rulebook.current()
    return [{"record": r, "behavior": book.behavior_text(r.behavior)}
            for r in article.records.select_related("subject", "unit").order_by("-decided_on", "pk")]


def policy_of(article: Article) -> PolicyPack | None:
    if not article.pack_id:
        return None
    return PolicyPack.objects.select_related("current").filter(pack_id=article.pack_id).first()


def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _viewable(request, article_id)
    today = timezone.localdate()
    office = role_of(request.user) == Role.OFFICE
    state = article.state(today) if office else None
    return render(request, "articles/detail.html", {
        "article": article, "body": render_markdown(article.body),
        "records": case_records(article) if article.kind == Article.Kind.CASE else [],
        "policy": policy_of(article), "office": office, "state": state,
        "takedown": services.takedown_reason(article, today) if office else "",
    })


# --- the office ----------------------------------------------------------------------------

@role_required(Role.OFFICE)
def office_list(request: HttpRequest) -> HttpResponse:
    """文章管理: every article with its state today (a taken-down case with why)."""
    today = timezone.localdate()
    rows = Article.objects.select_related("author").order_by("-updated_at", "-id")
    page, query = paginate(request, rows, PER_PAGE)
    down = set(Article.objects.taken_down(today).filter(
        pk__in=[a.pk for a in page]).values_list("pk", flat=True))
    items = []
    for article in page:
        label, badge = article.state(today, taken_down=article.pk in down)
        reason = (services.takedown_reason(article, today) if article.pk in down
                  else article.withdrawn_reason)
        items.append({"article": article, "label": label, "badge": badge, "reason": reason})
    return render(request, "articles/office.html", {"page": page, "query": query,
                                                    "items": items})


def _preview_url() -> str:
    return reverse("articles:preview")


@role_required(Role.OFFICE)
def article_new(request: HttpRequest) -> HttpResponse:
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in Article.Kind.values else {}
    form = ArticleForm(request.POST if request.method == "POST" else None, initial=initial,
                       preview_url=_preview_url())
    if request.method == "POST" and form.is_valid():
        try:
            article = services.create(request.user, form.to_input(), request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            messages.success(request, f"“{article.title}”已保存为草稿；填写发布日期后发布。")
            return redirect("articles:edit", article_id=article.pk)
    return render(request, "articles/form.html", {
        "form": form, "article": None,
        "preview": render_markdown(request.POST.get("body", "")) if request.method == "POST" else "",
    }, status=422 if form.errors else 200)


def _office_article(article_id: int) -> Article:
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise Http404("没有这篇文章")
    return article


def _edit_page(request: HttpRequest, article: Article, form: ArticleForm | None = None,
               publish_form: PublishForm | None = None,
               withdraw_form: WithdrawForm | None = None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    form = form or ArticleForm(initial=ArticleForm.initial_for(article), editing=article,
                               preview_url=_preview_url())
    label, badge = article.state(today)
    return render(request, "articles/form.html", {
        "form": form, "article": article, "state_label": label, "state_badge": badge,
        "takedown": services.takedown_reason(article, today),
        "linked": [{**row, "shown": is_published(row["record"], today)}
                   for row in case_records(article)],
        "preview": render_markdown(form["body"].value() or ""),
        "publish_form": publish_form or PublishForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "may_publish": article.withdrawn_at is not None or article.published_on is None
        or article.published_on > today,
        "may_withdraw": article.withdrawn_at is None and article.published_on is not None,
    }, status=status)


@role_required(Role.OFFICE)
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _office_article(article_id)
    if request.method != "POST":
        return _edit_page(request, article)
    data = request.POST.copy()
    data["kind"] = article.kind  # disabled on the form: the kind stays
    form = ArticleForm(data, editing=article, initial={"kind": article.kind},
                       preview_url=_preview_url())
    if form.is_valid():
        try:
            services.update(request.user, article.pk, form.to_input(), request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            messages.success(request, "已保存。" + ("已发布的文章即时更新。" if article.published_on else ""))
            return redirect("articles:edit", article_id=article.pk)
    return _edit_page(request, article, form=form, status=422)


@require_POST
@role_required(Role.OFFICE)
def article_publish(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _office_article(article_id)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            done = services.publish(request.user, article.pk, form.cleaned_data["published_on"],
                                    request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            if done.published_on == timezone.localdate():
                messages.success(request, f"“{done.title}”已发布。")
            else:
                messages.success(request, f"“{done.title}”定于 {done.published_on:%Y-%m-%d} 发布。")
            return redirect("articles:edit", article_id=article.pk)
    return _edit_page(request, article, publish_form=form, status=422)


@require_POST
@role_required(Role.OFFICE)
def article_withdraw(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _office_article(article_id)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw(request.user, article.pk, form.cleaned_data["reason"], request=request)
        except DomainError as exc:
            form.service_error(exc)
        else:
            messages.success(request, f"“{article.title}”已撤回，公众不再能看到。")
            return redirect("articles:edit", article_id=article.pk)
    return _edit_page(request, article, withdraw_form=form, status=422)


@require_POST
@role_required(Role.OFFICE)
def article_preview(request: HttpRequest) -> HttpResponse:
    """The body as the public will see it (HTMX swaps it in beside the editor)."""
    body = request.POST.get("body", "")
    if len(body) > services.MAX_BODY:
        return HttpResponse(f'<p class="text-danger">正文超过 {services.MAX_BODY:,} 字，无法预览</p>')
    html = render_markdown(body)
    return HttpResponse(html or '<p class="text-muted">（正文为空）</p>')
