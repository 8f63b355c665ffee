#!/usr/bin/python3
"""Time the approval app's link page (GET) and decision (POST) against a warm database, for
test/bench/run links: sign in once, then for each of the links given on standard input (one per
line) GET its page and POST its decision, one after the other on one keep-alive connection.
Prints the 50th, 95th and 99th percentiles in milliseconds.  The first WARMUP links only warm up.

usage: APP_CLIENT_PASSWORD=... app_pages.py BASE USER WARMUP < links
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from app_client import AppClient  # noqa: E402


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    base, user, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3])
    links = [line.strip() for line in sys.stdin if line.strip()]
    c = AppClient(base)
    c.sign_in(user, os.environ["APP_CLIENT_PASSWORD"])
    page, decision = [], []
    for i, link in enumerate(links):
        t0 = time.perf_counter()
        r = c.get(link)
        t1 = time.perf_counter()
        if r.status != 200 or "Submit decision" not in r.body:
            sys.exit(f"link page {link}: {r.status} {r.text()[:200]}")
        d = c.post(link, {"ok": "true"})
        t2 = time.perf_counter()
        if d.status != 303:
            sys.exit(f"decision {link}: {d.status} {d.text()[:200]}")
        if i >= warmup:
            page.append((t1 - t0) * 1000)
            decision.append((t2 - t1) * 1000)
    c.close()
    for name, values in (("link page (GET)", page), ("decision (POST)", decision)):
        print(f"{name:<18} {len(values):6d} {pct(values, 50):8.2f} {pct(values, 95):8.2f} {pct(values, 99):8.2f}")


if __name__ == "__main__":
    main()
