#!/usr/bin/python3
"""Turns bench/out/results.tsv (written by bench/lib.sh) into results.json:
the figures and the goals of one `make bench` run, with when, what commit
and on how many cores, so that a later run can be compared.

usage: results_json.py RESULTS.tsv RESULTS.json"""
import argparse
import json
import os
import subprocess
import time


def number(s):
    try:
        f = float(s)
    except ValueError:
        return s if s != "" else None
    return int(f) if f.is_integer() and "." not in s else f


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tsv", help="results.tsv written by bench/lib.sh")
    ap.add_argument("json", help="results.json to write")
    args = ap.parse_args()
    src, dst = args.tsv, args.json
    figures, goals = {}, []
    for line in open(src, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        if f[0] == "figure" and len(f) >= 3:
            figures[f[1]] = {"value": number(f[2]), "unit": f[3] if len(f) > 3 else ""}
        elif f[0] == "goal" and len(f) >= 7:
            goals.append({"key": f[1], "value": number(f[2]), "op": f[3], "target": number(f[4]),
                          "met": f[5] == "met", "text": f[6]})
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    out = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": commit,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "goals": goals,
        "figures": figures,
    }
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, ensure_ascii=False)
        f.write("\n")
    met = sum(g["met"] for g in goals)
    print("goals met: %d of %d; %s" % (met, len(goals), dst))


if __name__ == "__main__":
    main()
