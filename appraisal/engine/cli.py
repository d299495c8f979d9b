"""Offline tool: ``python -m appraisal.engine check|compute|example|templates``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .compute import compute
from .errors import InputErrors, SchemeErrors
from .scheme import list_templates, load_scheme, load_template, scheme_hash


def cmd_check(args) -> int:
    bad = 0
    for f in args.files:
        try:
            s = load_scheme(Path(f))
        except SchemeErrors as exc:
            bad += 1
            for e in exc.errors:
                print(e, file=sys.stderr)
            continue
        print(f"OK {f}: {s.key} v{s.version} sha256:{scheme_hash(s)[:16]}")
    return 1 if bad else 0


def cmd_compute(args) -> int:
    from .workbook import read_inputs, rename_errors, result_headers_zh, with_keys, write_results

    try:
        scheme = load_scheme(Path(args.scheme))
    except SchemeErrors as exc:
        print(exc, file=sys.stderr)
        return 1
    structural: list = []
    try:
        inputs, names = read_inputs(args.inputs, collect=structural)
        try:
            results = compute(scheme, with_keys(scheme, inputs), row_offset=2)  # row 1 is the header
        except InputErrors as exc:
            raise InputErrors(structural + rename_errors(exc, names).errors) from None
        if structural:
            raise InputErrors(structural)
    except InputErrors as exc:
        for e in sorted(exc.errors, key=lambda e: (e.table, e.row or 0)):
            print(f"{args.inputs}: {e}", file=sys.stderr)
        return 1
    write_results(results, args.out, result_headers_zh(scheme) if args.lang == "zh" else None)
    print(
        f"wrote {args.out}: {len(results.appraisees)} appraisees, scheme {scheme.key} "
        f"v{scheme.version} sha256:{results.scheme_hash[:16]}"
    )
    return 0


def cmd_example(args) -> int:
    from .examples import write_example

    keys = [t.key for t in list_templates()] if args.template == "all" else [args.template]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for key in keys:
        for path in write_example(load_template(key), out):
            print(f"wrote {path}")
    return 0


def cmd_templates(args) -> int:
    for t in list_templates():
        print(f"{t.key}\t{t.appraisee_kind}\t{t.name_zh}\t{t.name_en}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m appraisal.engine", description="Appraisal engine offline tool (目标管理考核计算)"
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="validate scheme files; exit 1 with every error")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_check)
    p = sub.add_parser("compute", help="compute results from an input workbook")
    p.add_argument("--scheme", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="headers of the result sheets: English column names (default) or Chinese",
    )
    p.set_defaults(fn=cmd_compute)
    p = sub.add_parser("example", help="write a filled example input workbook and its results")
    p.add_argument("template", help="template key, or 'all'")
    p.add_argument("--out", default="docs/engine/examples")
    p.set_defaults(fn=cmd_example)
    p = sub.add_parser("templates", help="list the built-in templates")
    p.set_defaults(fn=cmd_templates)
    args = ap.parse_args(argv)
    return args.fn(args)
