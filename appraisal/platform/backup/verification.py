"""Verifying an archive: its members, the manifest's checksum and every member's checksum."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

from flask_babel import gettext as _

from .archive import (
    CHUNK,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_SUM,
    PG_DUMP,
    SQLITE_COPY,
    UPLOADS,
    BackupError,
    content_addressed_ok,
    open_archive,
    read_member,
    safe_member,
)


def verify(archive: Path | str) -> dict:
    """The archive's manifest, once every member is checked against it."""
    archive = Path(archive)
    problems: list[str] = []
    with open_archive(archive) as tar:
        try:
            infos = {}
            for info in tar.getmembers():
                if not info.isreg() or not safe_member(info.name) or info.name in infos:
                    problems.append(_("不允许的条目：%(name)s", name=info.name))
                    continue
                infos[info.name] = info
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(_("%(path)s 已损坏，无法读取（%(error)s）", path=archive, error=exc)) from exc
        if MANIFEST not in infos or MANIFEST_SUM not in infos:
            raise BackupError(_("%(path)s 中没有备份清单（manifest.json），不是本系统的备份", path=archive))
        body = read_member(tar, infos[MANIFEST])
        expected_sum = read_member(tar, infos[MANIFEST_SUM]).decode("ascii", "replace").strip()
        if hashlib.sha256(body).hexdigest() != expected_sum:
            raise BackupError(_("%(path)s 的备份清单校验和不符：文件已被改动或损坏", path=archive))
        try:
            manifest = json.loads(body)
        except ValueError as exc:
            raise BackupError(_("%(path)s 的备份清单无法读取", path=archive)) from exc
        if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
            raise BackupError(_("%(path)s 不是本系统能读的备份格式", path=archive))
        members = manifest["members"]
        for name in sorted(set(infos) - set(members) - {MANIFEST, MANIFEST_SUM}):
            problems.append(_("清单中没有的条目：%(name)s", name=name))
        for name, expected in sorted(members.items()):
            member = infos.get(name)
            if member is None:
                problems.append(_("缺少条目：%(name)s", name=name))
                continue
            digest, size = hashlib.sha256(), 0
            try:
                fh = tar.extractfile(member)
                assert fh is not None  # infos holds regular files only
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            except (tarfile.TarError, OSError) as exc:
                problems.append(_("无法读取 %(name)s（%(error)s）", name=name, error=exc))
                continue
            if digest.hexdigest() != expected["sha256"] or size != expected["size"]:
                problems.append(_("校验和不符：%(name)s", name=name))
            elif name.startswith(UPLOADS + "/") and not content_addressed_ok(name, expected["sha256"]):
                problems.append(_("文件内容与其名称（sha256）不符：%(name)s", name=name))
        if PG_DUMP not in members and SQLITE_COPY not in members:
            problems.append(_("备份中没有数据库"))
    if problems:
        raise BackupError(
            _(
                "%(path)s 校验失败（%(n)d 处问题）：%(problems)s",
                path=archive,
                n=len(problems),
                problems="；".join(problems[:20]),
            )
        )
    return manifest
