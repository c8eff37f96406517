"""Evidence files (证明材料) of every kind of case: the same checks on number, size and type."""

from __future__ import annotations

from typing import Any

from xinyong.lib.errors import DomainError
from xinyong.lib.pii import mask_id_numbers

MAX_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
# Types by extension, with the leading bytes each must have: a file whose content is not
# what its name says is refused.
TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("PDF", (b"%PDF-",)),
    ".jpg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    ".jpeg": ("JPEG 图片", (b"\xff\xd8\xff",)),
    ".png": ("PNG 图片", (b"\x89PNG\r\n\x1a\n",)),
    ".ofd": ("OFD 版式文件", (b"PK\x03\x04",)),
    ".docx": ("Word 文档", (b"PK\x03\x04",)),
}


def types_label() -> str:
    return "、".join(dict.fromkeys(label for label, _ in TYPES.values()))


def help_text(what: str) -> str:
    return (f"{what}，可选多个文件；支持 {types_label()}，每个不超过 {MAX_BYTES // (1024 * 1024)} MB，"
            f"最多 {MAX_FILES} 个")


def check(uploads: list[Any], *, already: int = 0, field: str = "files") -> None:
    """Refuse files by number, size and type, before anything is stored."""
    if already + len(uploads) > MAX_FILES:
        more = f"（已有 {already} 个）" if already else ""
        raise DomainError(field, f"最多上传 {MAX_FILES} 个文件{more}，本次选择了 {len(uploads)} 个")
    limit = MAX_BYTES // (1024 * 1024)
    for upload in uploads:
        name = mask_id_numbers(str(upload.name or ""))
        if not upload.size:
            raise DomainError(field, f"文件“{name}”是空文件")
        if upload.size > MAX_BYTES:
            raise DomainError(field, f"文件“{name}”过大（上限 {limit} MB）")
        suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        kind = TYPES.get(suffix)
        if kind is None:
            raise DomainError(field, f"文件“{name}”的类型不支持；可上传：{types_label()}")
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in kind[1]):
            raise DomainError(field, f"文件“{name}”的内容不是{kind[0]}，请检查文件是否损坏或扩展名有误")
