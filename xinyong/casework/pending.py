"""Files chosen on an application form that came back with an error (已选文件).

A browser forgets every chosen file when a form is shown again, so an applicant whose one
file was refused had to choose all of them again. The files that passed the checks are
kept instead (`PendingUpload`), listed on the form by name with a 删除 box, and their
tokens travel in hidden inputs. Only the user and login session that uploaded a file can
use its token; kept files go to the service with the new ones when the form goes through,
and are deleted then, or after MAX_AGE by the daily evidence task (`purge`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, cast

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import HttpRequest
from django.utils import timezone

from xinyong.casework.models import PendingUpload
from xinyong.lib.pii import mask_id_numbers

MAX_AGE = dt.timedelta(days=1)
MAX_TOKENS = 20  # more than a form may hold; anything beyond is ignored


def _session(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    key = request.session.session_key or ""
    return hashlib.sha256(key.encode()).hexdigest()


class PendingFiles:
    """The kept files of one form in one request. `name` is the hidden inputs' name (with
    the form's prefix), `drop_name` the 删除 boxes'."""

    def __init__(self, request: HttpRequest, prefix: str = "") -> None:
        self.request = request
        self.name = f"{prefix}-pending" if prefix else "pending"
        self.drop_name = f"{prefix}-pending-drop" if prefix else "pending-drop"
        self._handles: list[File] = []
        self.kept: list[PendingUpload] = []
        user: Any = request.user
        if request.method != "POST" or not getattr(user, "is_authenticated", False):
            return
        tokens = [t for t in request.POST.getlist(self.name) if t][:MAX_TOKENS]
        dropped = set(request.POST.getlist(self.drop_name))
        if not tokens:
            return
        mine = PendingUpload.objects.filter(
            token__in=tokens, user=user, session=_session(request),
            created_at__gte=timezone.now() - MAX_AGE)
        by_token = {p.token: p for p in mine}
        for token in dict.fromkeys(tokens):
            item = by_token.get(token)
            if item is None:
                continue
            if token in dropped:
                _delete(item)
            else:
                self.kept.append(item)

    def files(self) -> list[File]:
        """The kept files, open, as the services take uploads (named as they were chosen)."""
        opened = []
        for item in self.kept:
            handle = File(default_storage.open(item.file.name, "rb"), name=item.name)
            self._handles.append(handle)
            opened.append(handle)
        return opened

    def keep(self, uploads: list[Any]) -> None:
        """The form came back: keep the files that passed the checks, to list them."""
        self.close()
        session, user = _session(self.request), cast(Any, self.request.user)
        for upload in uploads:
            upload.seek(0)
            self.kept.append(PendingUpload.objects.create(
                token=secrets.token_urlsafe(32), user=user, session=session,
                file=upload, name=mask_id_numbers(str(upload.name or ""))[:255],
                size=upload.size or 0))

    def done(self) -> None:
        """The form went through: the service stored its own copies."""
        self.close()
        for item in self.kept:
            _delete(item)
        self.kept = []

    def close(self) -> None:
        for handle in self._handles:
            handle.close()
        self._handles = []


def _delete(item: PendingUpload) -> None:
    item.file.delete(save=False)
    item.delete()


def purge(now: dt.datetime | None = None) -> int:
    """Delete kept files older than MAX_AGE (their forms were abandoned)."""
    cutoff = (now or timezone.now()) - MAX_AGE
    count = 0
    for item in PendingUpload.objects.filter(created_at__lt=cutoff).iterator():
        _delete(item)
        count += 1
    return count
