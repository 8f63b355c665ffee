"""flowpg's approval app: the pages a person decides on, in front of flowpg's SQL functions.

It has no rule of its own.  Who may see and decide what is flowpg's to say: every request runs as
the signed-in person (see db.py) and calls only flowpg's functions and views:

  GET  /                         the inbox (flowpg.inbox), oldest first
  GET  /<app>/<execution>?token= a signed link (flow_link): the request, and its form
  POST /<app>/<execution>?token= the decision (flow_resume_link)
  GET  /<app>/<execution>        an unsigned link: the execution's pauses the person may decide
  POST /<app>/<execution>        the decision (flow_resume with the task id)
  GET  /executions/<execution>   state, task runs, logs and audit trail
  GET  /login, POST /login, POST /logout

No GET decides anything (a mail scanner or a link preview that fetches a link changes nothing),
and every POST carries a CSRF token.
"""

import datetime
import functools
import re
import urllib.parse

import psycopg
from psycopg.types.json import Jsonb
from flask import (Flask, abort, current_app, flash, g, redirect, render_template, request,
                   session, url_for)
from flask_wtf.csrf import CSRFError, CSRFProtect

from . import config as app_config
from . import forms
from .db import Database, NotYourRole

RESERVED = {"login", "logout", "executions", "static", "healthz"}


def create_app(settings=None):
    """The Flask app, with settings from the environment unless given."""
    app = Flask(__name__)
    app.config.update(settings if settings is not None else app_config.from_environment())
    app.extensions["flowpg_db"] = Database(app.config["FLOWPG_DSN"], app.config["FLOWPG_POOL_SIZE"])
    CSRFProtect(app)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["waited"] = waited
    app.jinja_env.filters["pretty"] = pretty
    app.jinja_env.filters["human"] = human
    app.jinja_env.globals["ordered_inputs"] = ordered_inputs
    _routes(app)
    return app


# ---------------------------------------------------------------- presentation helpers

def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def when(value):
    """A time as people read it: 2026-07-01 14:03 UTC."""
    t = _as_datetime(value)
    if t is None:
        return value or ""
    if t.tzinfo is not None:
        t = t.astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M UTC")


def waited(value):
    """How long since a time: 3 d 4 h, 2 h 10 min, 5 min, under a minute."""
    t = _as_datetime(value)
    if t is None:
        return ""
    seconds = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if seconds < 60:
        return "under a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def pretty(value):
    """An input value for display: text as itself, the rest as JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    import json
    return json.dumps(value, ensure_ascii=False)


_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def sentence(text):
    """One of flowpg's messages as a sentence of a page: capitalised, times as people read them."""
    text = _ISO_TIME.sub(lambda m: when(m.group(0)), text or "")
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def human(name):
    """An id as a title: vacation_approval -> Vacation approval."""
    words = str(name or "").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def ordered_inputs(request):
    """The execution's inputs as (id, value), in the order the flow declares them."""
    values = request.get("inputs") or {}
    order = [k for k in request.get("input_order") or [] if k in values]
    return [(k, values[k]) for k in order] + [(k, v) for k, v in values.items() if k not in order]


# ---------------------------------------------------------------- who is asking

def current_user():
    """The signed-in person's role name, or None."""
    if current_app.config["FLOWPG_AUTH"] == "header":
        name = request.headers.get(current_app.config["FLOWPG_USER_HEADER"], "").strip()
        return name or None
    return session.get("user")


def signed_in(view):
    """A view for signed-in people; others go to the login page (or get 401 behind a proxy)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        user = current_user()
        if user is None:
            if current_app.config["FLOWPG_AUTH"] == "header":
                return page("Not signed in", "The proxy in front of this app did not say who you are.",
                            status=401)
            return redirect(url_for("login", next=request.full_path.rstrip("?")))
        g.user = user
        return view(*args, **kwargs)
    return wrapper


def db():
    return current_app.extensions["flowpg_db"]


def page(title, message, status=200, detail=None, hint=None, execution_id=None, kind="info"):
    """A page that says one thing (an error, a state, a confirmation)."""
    return render_template("message.html", title=title, message=message, detail=detail, hint=hint,
                           execution_id=execution_id, kind=kind), status


def _safe_next(target):
    """A redirect target inside this app only."""
    if not target:
        return url_for("inbox")
    parts = urllib.parse.urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target):
        return url_for("inbox")
    return target


# ---------------------------------------------------------------- errors flowpg raises

def _diag(e):
    d = e.diag
    return d.message_primary or str(e), d.message_detail, d.message_hint


def refusal(e, execution_id=None):
    """The page for an error of flow_resume or flow_resume_link that is not about an input."""
    message, detail, hint = _diag(e)
    state = e.sqlstate or ""
    if state == "55000":
        title = "Already decided" if "already decided" in message else "This request is closed"
        if "has not begun" in message:
            title = "Not ready yet"
        if "expired" in message:
            title = "Expired"
        if "killed" in message:
            title = "Cancelled"
        return page(title, sentence(message), 409, sentence(detail) if detail else None, hint, execution_id,
                    "closed")
    if state == "42501":
        return page("Not yours to decide",
                    "You may not decide this request: it is for other people.", 403,
                    message + ".", None, execution_id, "denied")
    if state in ("28000", "22023"):
        return page("This link does not work", sentence(message), 400,
                    detail, hint, None, "denied")
    if state == "42704":
        return page("Not found", "There is no such request.", 404, message + ".", None, None, "denied")
    raise e


# ---------------------------------------------------------------- the pages

def _input_order(cur, execution_id):
    """The ids of an execution's flow inputs in declared order, for who may read the flow."""
    cur.execute("""
        SELECT jsonb_path_query_array(r.definition, '$.inputs[*].id') AS ids
        FROM flowpg.executions e JOIN flowpg.flow_revisions r
          ON r.namespace = e.namespace AND r.id = e.flow_id AND r.revision = e.flow_revision
        WHERE e.id = %s""", (execution_id,))
    row = cur.fetchone()
    return row["ids"] if row and row["ids"] else []


def _routes(app):

    @app.after_request
    def headers(resp):
        # links carry tokens: no page is cached, framed, or names its URL to another site
        resp.headers.setdefault("Cache-Control", "no-store")
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Content-Security-Policy"] = ("default-src 'self'; frame-ancestors 'none'; "
                                                   "form-action 'self'; base-uri 'none'")
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page("Form expired", "This form is no longer valid (" + e.description + ").", 400,
                    hint="Go back, reload the page and submit it again.", kind="denied")

    @app.errorhandler(NotYourRole)
    def not_your_role(e):
        return page("Cannot act for you",
                    f"This app is not allowed to act as “{e.args[0]}”.", 403,
                    hint="An administrator grants your role to the app's login role.",
                    kind="denied")

    @app.errorhandler(404)
    def not_found(e):
        return page("Not found", "There is no such page.", 404, kind="denied")

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if app.config["FLOWPG_AUTH"] == "header":
            return redirect(url_for("inbox"))
        target = _safe_next(request.values.get("next"))
        error = None
        if request.method == "POST":
            name = request.form.get("username", "").strip()
            if db().check_password(name, request.form.get("password", "")):
                session.clear()
                session["user"] = name
                return redirect(target, 303)
            error = "Wrong name or password."
        return render_template("login.html", error=error, next=target), 401 if error else 200

    @app.post("/logout")
    def logout():
        session.clear()
        return redirect(url_for("login"), 303)

    @app.get("/")
    @signed_in
    def inbox():
        with db().as_person(g.user) as cur:
            # with the flow's input ids in declared order, where the person may read the flow
            cur.execute("""
                SELECT i.execution_id, i.namespace, i.flow_id, i.task_id, i.task_type, i.description,
                       i.assigned_users, i.assigned_groups, i.paused_at, i.expires_at, i.started_by,
                       i.inputs, jsonb_path_query_array(r.definition, '$.inputs[*].id') AS input_order
                FROM flowpg.inbox i
                LEFT JOIN flowpg.executions e ON e.id = i.execution_id
                LEFT JOIN flowpg.flow_revisions r
                  ON r.namespace = e.namespace AND r.id = e.flow_id AND r.revision = e.flow_revision
                ORDER BY i.paused_at, i.execution_id, i.task_id""")
            rows = cur.fetchall()
        return render_template("inbox.html", rows=rows)

    @app.get("/executions/<execution_id>")
    @signed_in
    def execution(execution_id):
        with db().as_person(g.user) as cur:
            cur.execute("""
                SELECT id, namespace, flow_id, flow_revision, state, inputs, labels, outputs,
                       created_by, created_at, updated_at, ended_at
                FROM flowpg.executions WHERE id = %s""", (execution_id,))
            e = cur.fetchone()
            if e is None:
                return page("Not found", "There is no such execution, or you may not see it.", 404,
                            kind="denied")
            cur.execute("""
                SELECT task_id, state, outputs, attempts, assigned_users, assigned_groups,
                       due_at, created_at, ended_at
                FROM flowpg.task_runs WHERE execution_id = %s ORDER BY created_at, id""", (execution_id,))
            runs = cur.fetchall()
            cur.execute("""
                SELECT at, level, task_id, message FROM flowpg.logs
                WHERE execution_id = %s ORDER BY at""", (execution_id,))
            logs = cur.fetchall()
            cur.execute("""
                SELECT at, actor, action, task_run_id, detail FROM flowpg.audit_log
                WHERE execution_id = %s ORDER BY id""", (execution_id,))
            audit = cur.fetchall()
            cur.execute("SELECT count(*) AS n FROM flowpg.inbox WHERE execution_id = %s", (execution_id,))
            open_for_me = cur.fetchone()["n"]
            e["input_order"] = _input_order(cur, execution_id)
        return render_template("execution.html", e=e, runs=runs, logs=logs, audit=audit,
                               open_for_me=open_for_me)

    @app.route("/<app_id>/<execution_id>", methods=["GET", "POST"])
    @signed_in
    def decide(app_id, execution_id):
        if app_id in RESERVED:
            abort(404)
        token = request.args.get("token")
        if token is not None:
            return _signed_link(app_id, execution_id, token)
        return _unsigned_link(app_id, execution_id)

    def _signed_link(app_id, execution_id, token):
        link = None
        state = None
        try:
            # one transaction: what the link is for, then (POST) the decision through it
            with db().as_person(g.user) as cur:
                cur.execute("SELECT flow_link(%s) AS link", (token,))
                link = cur.fetchone()["link"]
                valid = link["status"] != "invalid" and link.get("execution_id") == execution_id
                if request.method == "POST" and valid:
                    cur.execute("SELECT flow_resume_link(%s, %s::jsonb) AS state",
                                (token, Jsonb(forms.inputs(link["on_resume"], request.form))))
                    state = cur.fetchone()["state"]
        except psycopg.errors.InvalidParameterValue as e:
            return _form_again(link, e, action=request.full_path)
        except psycopg.errors.ObjectNotInPrerequisiteState as e:
            # the pause closed after the page was shown (someone decided first, it expired, the
            # execution was killed): say so as the link now says it, in a transaction of its own
            closed = _link_now(token)
            if closed is None or closed["status"] in ("open", "invalid"):
                return refusal(e, execution_id)
            return _link_page(closed)
        except psycopg.Error as e:
            return refusal(e, execution_id)
        if not valid:
            return page("This link does not work",
                        "This approval link is not valid, or it is not for you.", 404,
                        hint="It may have been altered, signed with a key that was rotated since, "
                             "or be for a request you may not see. Your inbox lists what you may decide.",
                        kind="denied")
        if request.method == "POST":
            flash(f"Your decision is recorded. The execution is {state}.")
            return redirect(url_for("execution", execution_id=execution_id), 303)
        return _link_page(link)

    def _link_now(token):
        """What flow_link says of a token now, as the signed-in person (None if it cannot say)."""
        try:
            with db().as_person(g.user) as cur:
                cur.execute("SELECT flow_link(%s) AS link", (token,))
                return cur.fetchone()["link"]
        except psycopg.Error:
            return None

    def _link_page(link):
        status = link["status"]
        if status == "open" and link.get("may_decide"):
            return render_template("decide.html", requests=[{
                "link": link, "fields": forms.fields(link["on_resume"]),
                "action": request.full_path, "task_id": None}], general=[])
        if status == "open":
            return page("Not yours to decide",
                        "You can see this request, but deciding it is for other people.", 403,
                        detail=_assignment(link), execution_id=link["execution_id"], kind="denied")
        if status == "decided":
            d = link.get("decided") or {}
            how = " through an approval link" if link.get("via_link") else ""
            return page("Already decided",
                        f"This request was already decided by {d.get('by')} at {when(d.get('on'))}{how}.",
                        409, detail=f"It was resumed to {d.get('to')}.",
                        execution_id=link["execution_id"], kind="closed")
        titles = {"expired": "Expired", "killed": "Cancelled", "pending": "Not ready yet",
                  "closed": "This request is closed"}
        reason = link.get("reason") or status
        return page(titles.get(status, status), sentence(reason),
                    409 if status != "pending" else 200, execution_id=link["execution_id"],
                    hint="Ask for a new link, or look in your inbox." if status == "expired" else None,
                    kind="closed")

    def _form_again(link, e, action):
        message, detail, _ = _diag(e)
        by_field, general = forms.problems(message, detail)
        return render_template("decide.html", requests=[{
            "link": link, "fields": forms.fields(link["on_resume"], request.form, by_field),
            "action": action, "task_id": None}], general=general), 422

    def _unsigned_link(app_id, execution_id):
        with db().as_person(g.user) as cur:
            cur.execute("""
                SELECT execution_id, namespace, flow_id, task_id, task_type, description, on_resume,
                       assigned_users, assigned_groups, paused_at, expires_at, started_by, labels, inputs
                FROM flowpg.inbox WHERE execution_id = %s ORDER BY paused_at, task_id""", (execution_id,))
            pauses = cur.fetchall()
            cur.execute("SELECT state FROM flowpg.executions WHERE id = %s", (execution_id,))
            visible = cur.fetchone()
            if pauses:
                order = _input_order(cur, execution_id)
                for p in pauses:
                    p["input_order"] = order
        if request.method == "POST" and pauses:
            task_id = request.form.get("task_id", "")
            chosen = [p for p in pauses if p["task_id"] == task_id]
            if not chosen:
                return page("Nothing to decide", "That pause is not waiting for you any more.", 409,
                            execution_id=execution_id, kind="closed")
            values = forms.inputs(chosen[0]["on_resume"], request.form)
            try:
                with db().as_person(g.user) as cur:
                    cur.execute("SELECT flow_resume(%s, %s::jsonb, %s) AS state",
                                (execution_id, Jsonb(values), task_id))
                    state = cur.fetchone()["state"]
            except psycopg.errors.InvalidParameterValue as e:
                message, detail, _ = _diag(e)
                by_field, general = forms.problems(message, detail)
                return render_template("decide.html", requests=[
                    _unsigned_request(p, by_field if p["task_id"] == task_id else None)
                    for p in pauses], general=general), 422
            except psycopg.Error as e:
                return refusal(e, execution_id)
            flash(f"Your decision is recorded. The execution is {state}.")
            return redirect(url_for("execution", execution_id=execution_id), 303)
        if not pauses:
            if visible is None:
                return page("Not found", "There is no such request, or you may not see it.", 404,
                            kind="denied")
            return page("Nothing for you to decide",
                        f"This execution has no pause waiting for your decision (it is {visible['state']}).",
                        200, execution_id=execution_id, kind="closed")
        return render_template("decide.html", requests=[_unsigned_request(p) for p in pauses],
                               general=[])

    def _unsigned_request(p, errors=None):
        link = dict(p)
        link.setdefault("status", "open")
        link["expires_at"] = p["expires_at"]
        return {"link": link,
                "fields": forms.fields(p["on_resume"], request.form if errors is not None else None,
                                       errors or {}),
                "action": request.path, "task_id": p["task_id"]}

    def _assignment(link):
        people = (link.get("assigned_users") or []) + (link.get("assigned_groups") or [])
        if people:
            return "It is assigned to " + ", ".join(people) + "."
        return "It is for the people who hold RESUME on namespace " + link["namespace"] + "."
