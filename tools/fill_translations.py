"""Fill the English catalogue from tools/en*.json (msgid → English; one file per
feature is fine) and report what is still missing. Usage: python tools/fill_translations.py

Message ids are the Chinese texts; `make extract` refreshes messages.pot and
the .po; this script keeps the English wording in one reviewable JSON file.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "appraisal/translations/en/LC_MESSAGES/messages.po"
WORDS = sorted((ROOT / "tools").glob("en*.json"))


def main() -> int:
    words: dict[str, str] = {}
    for path in WORDS:
        words.update(json.loads(path.read_text(encoding="utf-8")))
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in words:
            message.string = words[key]
            message.flags.discard("fuzzy")
        elif not message.string or message.fuzzy:
            # a fuzzy entry is pybabel's guess from a similar id: usually wrong
            missing.append(key)
    with PO.open("wb") as f:
        write_po(f, catalog, width=120)
    for key in missing:
        print("missing:", key)
    if missing:
        print(f"{len(missing)} ids without English: add them to tools/en_*.json and run this again")
    return 1 if missing and "--strict" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
