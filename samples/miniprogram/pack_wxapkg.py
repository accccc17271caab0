"""Pack a sample mini-program into a .wxapkg so the unpacker is tested on the real package layout.

    python samples/miniprogram/pack_wxapkg.py SRC_DIR OUT.wxapkg [--compiled]

Without ``--compiled`` the source files are stored as they are (the layout of a development
package). With ``--compiled`` the package looks like what the WeChat build ships: ``app.json``
becomes ``app-config.json`` (window under ``global``), every JS file is wrapped in
``define("path", function(require, module, exports) {...})`` inside one ``app-service.js``, and WXML
is stored beside it (real builds compile WXML into ``page-frame.html``; keeping the markup lets the
scanner still see the elements). The byte layout is written by auditor.miniprogram.wxapkg.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from auditor.miniprogram.wxapkg import write_wxapkg

PACKED = (".js", ".ts", ".wxml", ".wxss", ".json")


def source_files(src: Path) -> dict[str, bytes]:
    return {
        p.relative_to(src).as_posix(): p.read_bytes()
        for p in sorted(src.rglob("*"))
        if p.is_file() and p.suffix in PACKED and p.name != "project.config.json"
    }


def compile_layout(files: dict[str, bytes]) -> dict[str, bytes]:
    app = json.loads(files.pop("app.json"))
    window = app.pop("window", {})
    app["global"] = {"window": window}
    app["pages"] = [p + ".html" for p in app.get("pages", [])]
    out: dict[str, bytes] = {"app-config.json": json.dumps(app, ensure_ascii=False).encode()}
    service = []
    for name in sorted(n for n in files if n.endswith(".js")):
        body = files.pop(name).decode("utf-8")
        service.append(f'define("{name}", function(require, module, exports, window, document) {{\n{body}\n}});')
    out["app-service.js"] = "\n".join(service).encode("utf-8")
    out.update(files)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--compiled", action="store_true", help="ship app-config.json and app-service.js")
    args = ap.parse_args()
    files = source_files(args.src)
    if args.compiled:
        files = compile_layout(files)
    args.out.write_bytes(write_wxapkg(files))
    print(f"{args.out}: {len(files)} files")


if __name__ == "__main__":
    main()
