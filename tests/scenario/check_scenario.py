#!/usr/bin/env python3
"""The policy pack's scenario test: generates the multi-tenant day (generate_scenario.py), replays it
with `hinomi replay -c CONFIG`, and checks that exactly the planted incidents were raised, per tenant
— none missing, none extra, none where that tenant's policy allows the traffic.

    check_scenario.py HINOMI CONFIG [WORKDIR]

Incidents are compared as (tenant, rule id, group) with their counts; replay may print an incident
again with a higher event count (a suppressed repeat), so each incident id counts once. Exit 0 when
they agree; otherwise every difference is printed with the planted case it belongs to.
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def key(tenant, rule_id, group):
    return (tenant, rule_id, json.dumps(group or {}, sort_keys=True, ensure_ascii=False))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: check_scenario.py HINOMI CONFIG [WORKDIR]")
    hinomi, config = sys.argv[1], sys.argv[2]
    workdir = sys.argv[3] if len(sys.argv) == 4 else tempfile.mkdtemp(prefix="hinomi-scenario-")
    subprocess.run([sys.executable, os.path.join(HERE, "generate_scenario.py"), workdir], check=True)
    with open(os.path.join(workdir, "expected.json"), encoding="utf-8") as f:
        expected_doc = json.load(f)
    log = os.path.join(workdir, "scenario.log")
    run = subprocess.run([hinomi, "replay", "-c", config, "--strict", log], capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        sys.exit(f"hinomi replay exited {run.returncode}")
    print(run.stderr.strip().splitlines()[0] if run.stderr.strip() else "")

    got, titles, seen = collections.Counter(), {}, set()
    for line in run.stdout.splitlines():
        inc = json.loads(line)
        if inc["id"] in seen:
            continue
        seen.add(inc["id"])
        k = key(inc["tenant"], inc["rule_id"], inc["group"])
        got[k] += 1
        titles[inc["rule_id"]] = inc["title"]

    want, case_of = collections.Counter(), {}
    for e in expected_doc["incidents"]:
        k = key(e["tenant"], e["rule_id"], e["group"])
        want[k] += 1
        case_of[k] = e["case"]

    missing, extra = want - got, got - want
    for k, n in sorted(missing.items()):
        print(f"MISSING {n}× {k[0]} {k[1]} group={k[2]} — planted by: {case_of[k]}")
    for k, n in sorted(extra.items()):
        print(f"EXTRA   {n}× {k[0]} {k[1]} ({titles.get(k[1], '?')}) group={k[2]}")
    per_tenant = collections.Counter()
    for k, n in got.items():
        per_tenant[k[0]] += n
    print(f"{len(expected_doc['cases'])} planted cases, {sum(want.values())} incidents expected, "
          f"{sum(got.values())} raised: " + ", ".join(f"{t} {n}" for t, n in sorted(per_tenant.items())))
    if missing or extra:
        print(f"scenario log and expectations kept in {workdir}")
        sys.exit(1)
    print("scenario: exactly the planted incidents")


if __name__ == "__main__":
    main()
