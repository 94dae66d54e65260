#!/usr/bin/env python3
"""Golden sample lines for the shipped decoders, checked through `hinomi decode` as users run it.

Usage: decoder_golden.py HINOMI_BINARY GOLDEN_DIR [CONFIG]

Each GOLDEN_DIR/*.jsonl holds one case per line ('#' lines and blank lines are comments):
  {"line": "<13> PP[01] Rejected at ...", "decoder": "yamaha-rtx", "app": "...",
   "fields": {"source.ip": "203.0.113.45", "source.port": 51234}, "absent": ["user.name"]}
`line` is fed to the decoder as one input line; every other top-level key but `fields`, `absent`
and `note` is compared with the decoded event's key of that name (decoder, app, host, ts,
parse_status ...); `fields` are compared one by one, value and JSON type (a subset: other fields
may be there); `absent` names fields that must not be set. Every failure is printed as
FILE:LINE with what differs; the exit status is 1 when any case failed.
"""
import json
import os
import subprocess
import sys
import tempfile

META = {"line", "fields", "absent", "note"}


def load_cases(path):
    cases = []
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            try:
                case = json.loads(text)
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: error: not JSON: {e}")
            if not isinstance(case, dict) or not isinstance(case.get("line"), str):
                raise SystemExit(f'{path}:{n}: error: a case is an object with a "line" string')
            if "\n" in case["line"]:
                raise SystemExit(f"{path}:{n}: error: a line cannot contain a newline")
            cases.append((n, case))
    return cases


def decode(binary, config, lines):
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".log", delete=False) as tmp:
        tmp.write("".join(line + "\n" for line in lines))
    try:
        out = subprocess.run([binary, "decode", "-c", config, tmp.name], capture_output=True,
                             text=True, encoding="utf-8", errors="replace", timeout=120)
    finally:
        os.unlink(tmp.name)
    if out.returncode != 0:
        raise SystemExit(f"hinomi decode exited {out.returncode}:\n{out.stderr}")
    events = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
    if len(events) != len(lines):
        raise SystemExit(f"hinomi decode gave {len(events)} events for {len(lines)} lines")
    return events


def same(a, b):
    # JSON equality with types: 1 and 1.0 and "1" differ, true and 1 differ.
    return type(a) is type(b) and a == b


def check(path, binary, config):
    cases = load_cases(path)
    if not cases:
        return 0, 0
    events = decode(binary, config, [c["line"] for _, c in cases])
    failed = 0
    for (n, case), event in zip(cases, events):
        problems = []
        for key, want in case.items():
            if key in META:
                continue
            if not same(event.get(key), want):
                problems.append(f"{key}: want {json.dumps(want, ensure_ascii=False)}, "
                                f"got {json.dumps(event.get(key), ensure_ascii=False)}")
        fields = event.get("fields") or {}
        for name, want in (case.get("fields") or {}).items():
            if name not in fields:
                problems.append(f"fields.{name}: want {json.dumps(want, ensure_ascii=False)}, absent")
            elif not same(fields[name], want):
                problems.append(f"fields.{name}: want {json.dumps(want, ensure_ascii=False)}, "
                                f"got {json.dumps(fields[name], ensure_ascii=False)}")
        for name in case.get("absent") or []:
            if name in fields:
                problems.append(f"fields.{name}: want absent, got {json.dumps(fields[name], ensure_ascii=False)}")
        if problems:
            failed += 1
            print(f"{path}:{n}: FAIL " + "; ".join(problems))
            print(f"    decoded: decoder={event.get('decoder')!r} app={event.get('app')!r} "
                  f"fields={json.dumps(fields, ensure_ascii=False, sort_keys=True)}")
    return len(cases), failed


def main():
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    binary, folder = sys.argv[1], sys.argv[2]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    config = sys.argv[3] if len(sys.argv) == 4 else os.path.join(root, "config", "hinomi.yaml")
    total = failed = files = 0
    for name in sorted(os.listdir(folder)):
        if name.endswith(".jsonl"):
            files += 1
            n, f = check(os.path.join(folder, name), binary, config)
            total, failed = total + n, failed + f
    print(f"{files} files, {total} cases, {failed} failed")
    if files == 0 or total == 0:
        print("no golden cases found")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
