#!/usr/bin/python3
"""The approval app's rules that a browser does not show (test/run browser): CSRF on every POST,
no decision on GET, sign-in that PostgreSQL itself checks (a role that trust or peer
authentication lets in cannot sign in), the trusted header only when it is configured, requests
that never run as the person before, and the form helpers.  Prints TAP.

Runs against a cluster of its own that test/run starts (see vacation_approval.py for the
environment); it starts the app twice: with password sign-in, then behind a "proxy" header.
"""

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

import psycopg
from psycopg import sql as pgsql

SRC = os.environ["FLOWPG_SRC"]
DATA = os.environ["FP_DATA"]
DB = os.environ["FP_DB"]
PORT = int(os.environ["FP_APP_PORT"])
BASE = f"http://127.0.0.1:{PORT}"
ADMIN_DSN = f"host={DATA} port=5432 dbname={DB} user=postgres"
APP_PASSWORD = secrets.token_urlsafe(16)
PASSWORDS = {"lead": "lead-" + secrets.token_urlsafe(8), "clerk": "clerk-" + secrets.token_urlsafe(8),
             "outsider": "out-" + secrets.token_urlsafe(8)}

sys.path.insert(0, os.path.join(SRC, "test/fixtures"))
sys.path.insert(0, os.path.join(SRC, "app"))
from app_client import AppClient  # noqa: E402
from flowpg_app import forms  # noqa: E402

tests = 0
failures = 0


def ok(cond, name, diag=None):
    global tests, failures
    tests += 1
    if not cond:
        failures += 1
    print(("ok" if cond else "not ok") + f" {tests} - {name}", flush=True)
    if not cond and diag is not None:
        for line in str(diag).splitlines()[:30]:
            print("# " + line, flush=True)
    return cond


def sql(query, args=()):
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        row = conn.execute(query, args).fetchone()
    return row[0] if row else None


class Form(dict):
    """A stand-in for a submitted form (werkzeug's MultiDict has getlist)."""

    def getlist(self, key):
        v = self.get(key)
        return v if isinstance(v, list) else ([] if v is None else [v])


def test_forms():
    decls = [{"id": "ok", "type": "BOOLEAN"}, {"id": "n", "type": "INT", "min": 1, "max": 9},
             {"id": "when", "type": "DATETIME"}, {"id": "tags", "type": "MULTISELECT", "values": ["a", "b"]},
             {"id": "data", "type": "JSON"}, {"id": "note", "type": "STRING", "required": False},
             {"id": "team", "type": "SELECT", "values": ["x", "y"], "defaults": "y"}]
    got = forms.inputs(decls, Form(ok="false", n="7", when="2026-07-01T09:30", tags=["a", "b"],
                                   data='{"k": [1]}', note="", team="x"))
    ok(got == {"ok": False, "n": "7", "when": "2026-07-01T09:30:00Z", "tags": ["a", "b"],
               "data": {"k": [1]}, "team": "x"},
       "forms: values typed as declared, empty ones left out for flowpg to default or refuse", got)
    fields = {f.id: f for f in forms.fields(decls)}
    ok(fields["team"].value == "y" and fields["team"].choices == ["x", "y"] and not fields["team"].required,
       "forms: defaults are filled in, a field with a default is not required")
    ok(fields["n"].attrs == {"min": 1, "max": 9, "step": "1"} and fields["ok"].widget == "boolean",
       "forms: INT bounds, BOOLEAN as a choice")
    by_field, general = forms.problems(
        'invalid value for input "n": expected INT, received "x; y"',
        'Every problem with the resume inputs: invalid value for input "n": expected INT, received "x; y"; '
        'missing required input "ok"; unknown input "oops".')
    ok(by_field == {"n": ['invalid value for input "n": expected INT, received "x; y"'],
                    "ok": ['missing required input "ok"']} and general == ['unknown input "oops"'],
       "forms: every problem of a 22023 goes to its field", (by_field, general))


def start_app(tmp, name, **extra):
    env = dict(os.environ,
               FLOWPG_APP_DSN=f"host={DATA} port=5432 dbname={DB} user=flowpg_app password={APP_PASSWORD}",
               FLOWPG_APP_LISTEN=f"127.0.0.1:{PORT}", FLOWPG_APP_SECRET=secrets.token_hex(32),
               FLOWPG_APP_POOL_SIZE="1", **extra)
    proc = subprocess.Popen([os.path.join(SRC, "app/run")], env=env,
                            stdout=open(os.path.join(tmp, name + ".log"), "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(BASE + "/healthz", timeout=1).status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the app did not start: " + open(os.path.join(tmp, name + ".log")).read())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def link_of(eid):
    msg = sql("SELECT message FROM flowpg.logs WHERE execution_id = %s AND task_id = 'notify'", (eid,))
    return msg.split("Approve: ", 1)[1]


def state(eid):
    return sql("SELECT state FROM flowpg.executions WHERE id = %s", (eid,))


def main():
    tmp = tempfile.mkdtemp(prefix="flowpg-app-http-")
    app = None
    try:
        test_forms()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION flowpg")
            for role, pw in PASSWORDS.items():
                conn.execute(pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(pgsql.Identifier(role),
                                                                               pgsql.Literal(pw)))
            conn.execute(pgsql.SQL("CREATE ROLE flowpg_app LOGIN NOINHERIT PASSWORD {}").format(
                pgsql.Literal(APP_PASSWORD)))
            conn.execute("GRANT lead, clerk, outsider TO flowpg_app")
            conn.execute("SELECT flow_grant('ops', 'lead', 'RESUME'), flow_grant('ops', 'clerk', 'EXECUTE')")
            conn.execute("""SELECT flow_deploy($$
id: purchase
namespace: ops
inputs:
  - id: amount
    type: INT
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "Approve: {{ appLink('buy') }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
$$)""")
            conn.execute("SET ROLE clerk")
            e1 = conn.execute("SELECT flow_start('ops', 'purchase', '{\"amount\": 120}')").fetchone()[0]
            e2 = conn.execute("SELECT flow_start('ops', 'purchase', '{\"amount\": 99}')").fetchone()[0]

        app = start_app(tmp, "password")
        link = link_of(e1)
        c = AppClient(BASE)
        r = c.post(link, {"ok": "true"})
        ok(r.status == 400 and "Form expired" in r.text() and state(e1) == "PAUSED",
           "a POST without a CSRF token is refused and changes nothing", (r.status, r.text()[:200]))
        r = c.request("GET", BASE + "/")
        ok(r.status == 302 and r.location.startswith("/login"), "without signing in: the login page")
        c.conn.request("GET", "/", headers={"X-Forwarded-User": "lead"})
        r2 = c.conn.getresponse()
        r2.read()
        ok(r2.status == 302, "the trusted header means nothing unless it is configured", r2.status)
        r = c.sign_in("postgres", "anything")
        ok("Wrong name or password" in r.text(),
           "a role that the server lets in without a password (trust) cannot sign in", r.text()[:200])
        r = c.sign_in("lead", "wrong")
        ok(r.status == 401 and "Wrong name or password" in r.text(), "a wrong password is refused")
        r = c.sign_in("lead", PASSWORDS["lead"])
        ok(r.status == 200 and "Waiting for your decision" in r.text() and r.text().count("purchase") == 2,
           "the lead signs in and sees both requests", r.text()[:300])
        r = c.get(link)
        ok(r.status == 200 and "120" in r.text() and state(e1) == "PAUSED",
           "GET of the link shows the request and decides nothing", r.text()[:300])
        r = c.post(link, {"ok": "maybe"})
        ok(r.status == 422 and 'invalid value for input "ok"' in r.text() and state(e1) == "PAUSED",
           "flowpg's validation error comes back on the form", r.text()[:300])
        r = c.follow(c.post(link, {"ok": "true"}))
        ok(r.status == 200 and "Your decision is recorded" in r.text() and state(e1) == "SUCCESS",
           "the decision through the link", r.text()[:200])
        r = c.post(link, {"ok": "true"})
        ok(r.status == 409 and "already decided by lead" in r.text(), "the link decides once", r.text()[:200])
        # one pooled connection for everybody: each request runs as its own person
        other = AppClient(BASE)
        other.sign_in("outsider", PASSWORDS["outsider"])
        r = other.get(BASE + "/")
        ok("Nothing is waiting for you" in r.text(), "the next request on the same connection is the outsider's",
           r.text()[:200])
        r = other.get(BASE + f"/executions/{e2}")
        ok(r.status == 404, "the outsider sees no execution", r.status)
        r = other.get(link_of(e2))
        ok(r.status == 404 and "This link does not work" in r.text(),
           "a valid link says nothing to someone who may not see it", r.text()[:200])
        r = c.get(BASE + "/")
        ok(r.text().count("purchase") == 1, "and the lead's next request is the lead's again", r.text()[:300])
        r = c.get(BASE + "/login?next=//evil.example/")
        ok('value="/"' in r.body, "a sign-in never sends anyone off the app")
        stop(app)

        # behind a proxy that says who is there
        app = start_app(tmp, "header", FLOWPG_APP_AUTH="header", FLOWPG_APP_USER_HEADER="X-Remote-User")
        c = AppClient(BASE)
        r = c.get(BASE + "/")
        ok(r.status == 401, "header sign-in: no header, no access", r.status)

        def as_header(user, method="GET", path="/", fields=None):
            headers = {"X-Remote-User": user}
            if c.cookie:
                headers["Cookie"] = c.cookie
            body = None
            if fields is not None:
                import urllib.parse
                body = urllib.parse.urlencode(dict(fields, csrf_token=c.csrf))
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            c.conn.request(method, path, body=body, headers=headers)
            resp = c.conn.getresponse()
            data = resp.read().decode()
            cookie = resp.getheader("Set-Cookie")
            if cookie:
                c.cookie = cookie.split(";", 1)[0]
            import re
            m = re.search(r'name="csrf_token" value="([^"]+)"', data)
            if m:
                c.csrf = m.group(1)
            return resp.status, data
        status, body = as_header("postgres")
        ok(status == 403 and "not allowed to act as" in body,
           "a header naming a role the app was not granted (a superuser) gets nowhere", status)
        path2 = link_of(e2)[len(BASE):]
        status, body = as_header("lead", "GET", path2)
        ok(status == 200 and "99" in body, "header sign-in: the lead's link page", status)
        status, body = as_header("lead", "POST", path2, {"ok": "false"})
        ok(status == 303 and state(e2) == "SUCCESS", "header sign-in: the lead decides", status)
        ok(sql("SELECT actor FROM flowpg.audit_log WHERE execution_id = %s AND action = 'resume'", (e2,)) == "lead",
           "the audit row names the person, not the app's role")
    except Exception:
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        if app is not None:
            stop(app)
    print(f"1..{tests}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
