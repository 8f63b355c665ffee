#!/usr/bin/python3
"""The approval app in a real browser, past the vacation request (test/run browser): the guide's
HumanTask example with the guide's Teams alert, a form of every onResume input type, and the
pages of links that no longer decide.  Prints TAP.

What it checks:
  - the guide's vm_provisioning_approval (HumanTask assigned to it-admin@company.com and
    infrastructure-lead@company.com, with the guide's structured inputs), announced by the
    guide's Teams message "The process ... is pending approval {{ appLink() }}": a RESUME holder
    of the namespace who is not an assignee sees the request but no form, and a POST of theirs is
    refused and changes nothing; an assignee signs in with a role named by an e-mail address,
    sees who it is assigned to, picks the team from the SELECT's choices and decides; the flow
    completes with the assignee as resumed.by;
  - a decision submitted from a page that someone else decided in the meantime gets the
    "already decided" page naming who did;
  - every input type as its own control, with its declared bounds and defaults; values flowpg
    refuses are shown next to their fields with the rest kept (a secret is not sent back); the
    accepted values arrive in outputs.onResume typed as declared;
  - a link past flowpg.link_ttl says "Expired", a link of a killed execution "Cancelled", a link
    signed before flow_link_key_rotate() "This link does not work".
"""

import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import traceback

import psycopg
from selenium.webdriver.common.by import By

sys.path.insert(0, os.path.join(os.environ["FLOWPG_SRC"], "test/fixtures"))
from app_client import AppClient  # noqa: E402
from browser_kit import (ADMIN_DSN, BASE, Tap, create_app_role, create_login, screenshot,  # noqa: E402
                         sign_in, sign_out, sink_records, sql, start_app, start_browser,
                         start_sink, stop, submit, text, until)

APP_PASSWORD = secrets.token_urlsafe(16)
ADMIN_USER = "it-admin@company.com"
LEAD_USER = "infrastructure-lead@company.com"
PASSWORDS = {ADMIN_USER: "admin-" + secrets.token_urlsafe(8),
             LEAD_USER: "lead-" + secrets.token_urlsafe(8),
             "ops_lead": "ops-" + secrets.token_urlsafe(8),
             "dev": "dev-" + secrets.token_urlsafe(8)}
tap = Tap()
ok = tap.ok

# The guide's HumanTask example, with the guide's Teams alert (its "Configure Notifications"
# step) before the approval, and the guide's structured inputs ("Structured Inputs for Human
# Decisions") as what the assignees answer.
VM_FLOW = """
id: vm_provisioning_approval
namespace: infrastructure

inputs:
  - id: vm_spec
    type: STRING
    defaults: "2 vCPU, 4GB RAM, Ubuntu 22.04"

tasks:
  - id: validate_request
    type: io.kestra.plugin.core.log.Log
    message: "Validating VM request from {{ labels.system.username }}: {{ inputs.vm_spec }}"

  - id: alert
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "{{ secret('TEAMS_WEBHOOK') }}"
    payload: |
      {
        "text": "The process {{ flow.id }} is pending approval {{ appLink() }}"
      }

  - id: it_admin_approval
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users:
        - it-admin@company.com
        - infrastructure-lead@company.com
    onResume:
      - id: approved
        type: BOOLEAN
        displayName: Approve this request?
      - id: reason
        type: STRING
        displayName: Decision notes
      - id: team
        type: SELECT
        displayName: Team to review
        values:
          - HR
          - Finance
          - IT

  - id: provision_vm
    type: io.kestra.plugin.core.log.Log
    message: "Approved by {{ outputs.it_admin_approval.resumed.by }}! Provisioning VM for {{ labels.system.username }}"
"""

# Every input type flowpg takes in onResume, with the bounds and defaults a form can show.
EVERY_INPUT_FLOW = """
id: every_input
namespace: forms
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "Decide: {{ appLink() }}"
  - id: review
    type: io.kestra.plugin.core.flow.Pause
    description: Review the purchase order
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: true
      - id: note
        type: STRING
        displayName: A short note
        minLength: 3
        maxLength: 40
        validator: "^[A-Za-z ]+$"
      - id: count
        type: INT
        min: 1
        max: 10
      - id: ratio
        type: FLOAT
        min: 0
        max: 1
      - id: day
        type: DATE
        after: "2026-01-01"
        before: "2026-12-31"
      - id: at
        type: DATETIME
      - id: clock
        type: TIME
      - id: within
        type: DURATION
        defaults: PT30M
      - id: team
        type: SELECT
        values: [HR, Finance, IT]
        defaults: IT
      - id: site
        type: SELECT
        values: [Paris, Oslo]
        allowCustomValue: true
      - id: regions
        type: MULTISELECT
        values: [eu, us, apac]
      - id: contact
        type: EMAIL
      - id: ticket
        type: URI
      - id: extra
        type: JSON
        required: false
      - id: tags
        type: ARRAY
        itemType: STRING
      - id: pin
        type: SECRET
"""


def start(ns, flow, role="dev", ttl=None):
    """An execution started by role (with flowpg.link_ttl set for its links); its id once PAUSED."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        if ttl:
            conn.execute("SELECT set_config('flowpg.link_ttl', %s, false)", (ttl,))
        conn.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(role)))
        eid = conn.execute("SELECT flow_start(%s, %s)", (ns, flow)).fetchone()[0]
    until(lambda: sql("SELECT state FROM flowpg.executions WHERE id = %s", (eid,)) == "PAUSED", 20)
    return eid


def state(eid):
    return sql("SELECT state FROM flowpg.executions WHERE id = %s", (eid,))


def ended(eid):
    return until(lambda: sql("SELECT state FROM flowpg.executions WHERE id = %s AND ended_at IS NOT NULL",
                             (eid,)), 20)


def teams_link(log, eid):
    """The link of the Teams message about execution eid."""
    def find():
        for r in sink_records(log):
            if r["path"].startswith("/teams/") and eid in r["body"]:
                return r
        return None
    record = until(find, 20)
    if record is None:
        return None, None
    payload = json.loads(record["body"])
    m = re.search(r"pending approval (\S+)", payload["text"])
    return payload, (m.group(1) if m else None)


def log_link(eid):
    """The link the every_input flow logged."""
    msg = sql("SELECT message FROM flowpg.logs WHERE execution_id = %s AND task_id = 'notify'", (eid,))
    return msg.split("Decide: ", 1)[1] if msg else None


def field(driver, name):
    return driver.find_element(By.NAME, name)


def attrs(el, *names):
    return {n: el.get_attribute(n) for n in names}


def set_value(driver, name, value):
    """Set a date, time or number control as a date picker would (their typed format is the locale's)."""
    driver.execute_script("arguments[0].value = arguments[1]", field(driver, name), value)


def field_errors(driver):
    """The errors shown next to fields: {input id: [messages]}."""
    out = {}
    for div in driver.find_elements(By.CSS_SELECTOR, ".field.invalid"):
        name = div.find_element(By.CSS_SELECTOR, "label").get_attribute("for")[len("in-"):]
        out[name] = [e.text for e in div.find_elements(By.CSS_SELECTOR, ".field-error")]
    return out


def human_task(driver, sink_log):
    vm1 = start("infrastructure", "vm_provisioning_approval")
    vm2 = start("infrastructure", "vm_provisioning_approval")
    payload, link = teams_link(sink_log, vm1)
    ok(payload is not None and payload["text"].startswith("The process vm_provisioning_approval is pending approval "),
       "Teams received the guide's message", payload)
    ok(link is not None and re.fullmatch(re.escape(BASE) + "/approve/" + vm1 + r"\?token=[A-Za-z0-9_.-]+", link),
       "its appLink() is the app's /approve/ page with a signed token", link)

    # a RESUME holder who is not an assignee
    driver.get(link)
    sign_in(driver, "ops_lead", PASSWORDS["ops_lead"])
    page = text(driver)
    ok("Not yours to decide" in page and ADMIN_USER in page and LEAD_USER in page
       and not driver.find_elements(By.CSS_SELECTOR, "form.decision"),
       "a RESUME holder who is not an assignee sees who may decide, and no form", page)
    c = AppClient(BASE)
    c.sign_in("ops_lead", PASSWORDS["ops_lead"])
    r = c.post(link, {"approved": "true", "reason": "sneaky", "team": "IT"})
    ok(r.status == 403 and "Not yours to decide" in r.text() and state(vm1) == "PAUSED",
       "and a decision they POST is refused and changes nothing", (r.status, r.text()[:300]))
    c.close()
    driver.get(BASE + "/")
    ok("Nothing is waiting for you" in text(driver), "their inbox is empty", text(driver))
    sign_out(driver)

    # an assignee, signed in with a role named by an e-mail address
    driver.get(link)
    sign_in(driver, ADMIN_USER, PASSWORDS[ADMIN_USER])
    page = text(driver)
    ok(driver.current_url == link and "Assigned to" in page and ADMIN_USER in page
       and "Team to review" in page and "Approve this request?" in page,
       "the assignee sees the request, its assignees and the guide's structured inputs", page)
    teams = driver.find_elements(By.CSS_SELECTOR, "input[type=radio][name=team]")
    ok([t.get_attribute("value") for t in teams] == ["HR", "Finance", "IT"], "SELECT team is a choice of its values")
    screenshot(driver, "humantask_link_page.png")
    driver.find_element(By.CSS_SELECTOR, "input[name=approved][value=true]").click()
    driver.find_element(By.CSS_SELECTOR, "input[name=team][value=IT]").click()
    field(driver, "reason").send_keys("Capacity is there")
    submit(driver)
    ok("Your decision is recorded" in text(driver), "the assignee decides", text(driver))
    ok(ended(vm1) == "SUCCESS", "the flow completes")
    out = sql("SELECT outputs FROM flowpg.task_runs WHERE execution_id = %s AND task_id = 'it_admin_approval'", (vm1,))
    ok(out and out["onResume"] == {"approved": True, "reason": "Capacity is there", "team": "IT"}
       and out["resumed"]["by"] == ADMIN_USER, "onResume and resumed.by are the assignee's", out)
    msg = sql("SELECT message FROM flowpg.logs WHERE execution_id = %s AND task_id = 'provision_vm'", (vm1,))
    ok(msg == f"Approved by {ADMIN_USER}! Provisioning VM for dev", "provision_vm says who approved", msg)

    # a page left open while the other assignee decides
    _, link2 = teams_link(sink_log, vm2)
    driver.get(link2)
    ok(driver.find_elements(By.CSS_SELECTOR, "form.decision"), "the second request's form is shown")
    token = link2.split("token=", 1)[1]
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(psycopg.sql.SQL("SET ROLE {}").format(psycopg.sql.Identifier(LEAD_USER)))
        conn.execute("SELECT flow_resume_link(%s, '{\"approved\": false, \"reason\": \"no budget\", \"team\": \"HR\"}')",
                     (token,))
    driver.find_element(By.CSS_SELECTOR, "input[name=approved][value=true]").click()
    driver.find_element(By.CSS_SELECTOR, "input[name=team][value=IT]").click()
    field(driver, "reason").send_keys("Late")
    submit(driver)
    page = text(driver)
    ok("Already decided" in page and LEAD_USER in page and "through an approval link" in page,
       "a decision submitted after the other assignee's gets who decided first", page)
    out = sql("SELECT outputs -> 'onResume' FROM flowpg.task_runs WHERE execution_id = %s AND task_id = 'it_admin_approval'",
              (vm2,))
    ok(out == {"approved": False, "reason": "no budget", "team": "HR"}, "and the first decision stands", out)


def every_input(driver):
    eid = start("forms", "every_input")
    link = log_link(eid)
    driver.get(link)
    page = text(driver)
    ok("Review the purchase order" in page and "A short note" in page, "the form of every input type", page)
    kinds = {
        "note": ("input", "text"), "count": ("input", "number"), "ratio": ("input", "number"),
        "day": ("input", "date"), "at": ("input", "datetime-local"), "clock": ("input", "time"),
        "within": ("input", "text"), "site": ("input", "text"), "contact": ("input", "email"),
        "ticket": ("input", "url"), "extra": ("textarea", None), "tags": ("textarea", None),
        "pin": ("input", "password"),
    }
    got = {k: (field(driver, k).tag_name, field(driver, k).get_attribute("type") if t else None)
           for k, (_, t) in kinds.items()}
    ok(got == kinds, "each type has its control (text, number, date, datetime-local, time, email, url, "
       "text area for JSON and ARRAY, password for SECRET)", got)
    ok(sorted(r.get_attribute("value") for r in driver.find_elements(By.NAME, "approved")) == ["false", "true"]
       and field(driver, "approved").get_attribute("type") == "radio"
       and driver.find_element(By.CSS_SELECTOR, "input[name=approved][value=true]").is_selected(),
       "BOOLEAN is yes/no, its default chosen")
    team = driver.find_elements(By.CSS_SELECTOR, "input[name=team]")
    ok([(t.get_attribute("type"), t.get_attribute("value"), t.is_selected()) for t in team]
       == [("radio", "HR", False), ("radio", "Finance", False), ("radio", "IT", True)],
       "SELECT is a choice of its values, its default chosen")
    site = field(driver, "site")
    options = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "datalist#in-site-values option")]
    ok(site.get_attribute("list") == "in-site-values" and options == ["Paris", "Oslo"],
       "SELECT with allowCustomValue is text with its values suggested", options)
    regions = driver.find_elements(By.CSS_SELECTOR, "input[name=regions]")
    ok([(r.get_attribute("type"), r.get_attribute("value")) for r in regions]
       == [("checkbox", "eu"), ("checkbox", "us"), ("checkbox", "apac")], "MULTISELECT is checkboxes")
    bounds = {"note": attrs(field(driver, "note"), "minlength", "maxlength", "pattern"),
              "count": attrs(field(driver, "count"), "min", "max", "step"),
              "ratio": attrs(field(driver, "ratio"), "min", "max", "step"),
              "day": attrs(field(driver, "day"), "min", "max")}
    ok(bounds == {"note": {"minlength": "3", "maxlength": "40", "pattern": "^[A-Za-z ]+$"},
                  "count": {"min": "1", "max": "10", "step": "1"},
                  "ratio": {"min": "0", "max": "1", "step": "any"},
                  "day": {"min": "2026-01-01", "max": "2026-12-31"}},
       "the declared bounds are on the controls", bounds)
    ok(field(driver, "within").get_attribute("value") == "PT30M", "a DURATION's default is filled in")
    required = {e.get_attribute("name") for e in driver.find_elements(By.CSS_SELECTOR, "form.decision [required]")}
    ok("extra" not in required and "within" not in required and "note" in required and "pin" in required,
       "inputs with a default or required: false are not marked required", sorted(required))
    screenshot(driver, "every_input_form.png")

    # values flowpg refuses: out of INT bounds, too short, not an e-mail address
    field(driver, "note").send_keys("ok")
    set_value(driver, "count", "11")
    set_value(driver, "ratio", "0.25")
    set_value(driver, "day", "2026-07-01")
    set_value(driver, "at", "2026-07-01T09:30")
    set_value(driver, "clock", "14:15")
    field(driver, "site").send_keys("Bergen")
    for r in driver.find_elements(By.CSS_SELECTOR, "input[name=regions]"):
        if r.get_attribute("value") in ("eu", "apac"):
            r.click()
    field(driver, "contact").send_keys("not-an-address")
    field(driver, "ticket").send_keys("https://tickets.example/PO-42")
    field(driver, "extra").send_keys('{"cost_center": 7}')
    field(driver, "tags").send_keys('["urgent", "hardware"]')
    field(driver, "pin").send_keys("4321")
    submit(driver)
    errors = field_errors(driver)
    ok(set(errors) == {"note", "count", "contact"} and all(errors[k] for k in errors),
       "each refused value's error is next to its field, and only there", errors)
    ok(state(eid) == "PAUSED", "the refused decision changed nothing")
    kept = {k: field(driver, k).get_attribute("value") for k in ("ratio", "day", "at", "clock", "site", "ticket", "pin")}
    ok(kept == {"ratio": "0.25", "day": "2026-07-01", "at": "2026-07-01T09:30", "clock": "14:15", "site": "Bergen",
                "ticket": "https://tickets.example/PO-42", "pin": ""},
       "the other values are kept, but not the secret", kept)
    ok([r.get_attribute("value") for r in driver.find_elements(By.CSS_SELECTOR, "input[name=regions]") if r.is_selected()]
       == ["eu", "apac"], "and the checked boxes stay checked")
    screenshot(driver, "every_input_errors.png")

    field(driver, "note").clear()
    field(driver, "note").send_keys("Within budget")
    set_value(driver, "count", "7")
    field(driver, "contact").clear()
    field(driver, "contact").send_keys("buyer@company.example")
    field(driver, "pin").send_keys("4321")
    submit(driver)
    ok("Your decision is recorded" in text(driver), "the corrected form decides", text(driver))
    ok(ended(eid) == "SUCCESS", "the flow completes")
    got = sql("SELECT outputs -> 'onResume' FROM flowpg.task_runs WHERE execution_id = %s AND task_id = 'review'", (eid,))
    want = {"approved": True, "note": "Within budget", "count": 7, "ratio": 0.25, "day": "2026-07-01",
            "at": "2026-07-01T09:30:00Z", "clock": "14:15:00", "within": "PT30M", "team": "IT", "site": "Bergen",
            "regions": ["eu", "apac"], "contact": "buyer@company.example", "ticket": "https://tickets.example/PO-42",
            "extra": {"cost_center": 7}, "tags": ["urgent", "hardware"], "pin": "******"}
    ok(got == want, "outputs.onResume holds every value typed as declared (the SECRET masked)",
       json.dumps({"got": got, "want": want}, indent=1))


def closed_links(driver):
    # past flowpg.link_ttl (only a superuser sets it)
    old = start("forms", "every_input", ttl="1s")
    link = log_link(old)
    until(lambda: sql("SELECT flow_link(%s) ->> 'status'", (link,)) == "expired", 5)
    driver.get(link)
    page = text(driver)
    ok("Expired" in page and "Ask for a new link" in page
       and re.search(r"expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.", page),
       "a link past its expiry says so, and since when (as people read times)", page)
    screenshot(driver, "expired.png")
    ok(state(old) == "PAUSED", "and the pause still waits (the inbox still has it)")
    # killed
    killed = start("forms", "every_input")
    sql("SELECT flow_kill(%s)", (killed,))
    driver.get(log_link(killed))
    page = text(driver)
    ok("Cancelled" in page and "was killed" in page, "a link of a killed execution says so", page)
    # rotated
    rotated = start("forms", "every_input")
    sql("SELECT flow_link_key_rotate()")
    driver.get(log_link(rotated))
    page = text(driver)
    ok("This link does not work" in page and not driver.find_elements(By.CSS_SELECTOR, "form.decision"),
       "a link signed before the key was rotated no longer works", page)
    driver.get(BASE + f"/approve/{rotated}")
    ok(driver.find_elements(By.CSS_SELECTOR, "form.decision"), "but its unsigned link still shows the request")


def main():
    tmp = tempfile.mkdtemp(prefix="flowpg-browser-forms-")
    procs = []
    driver = None
    try:
        sink, sink_url, sink_log = start_sink(tmp)
        procs.append(sink)
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION flowpg")
            conn.execute("SELECT flow_secret_set('infrastructure', 'TEAMS_WEBHOOK', %s)",
                         (sink_url + "/teams/webhookb2/it-approvals",))
            for role, pw in PASSWORDS.items():
                create_login(conn, role, pw)
            create_app_role(conn, APP_PASSWORD, PASSWORDS)
            for ns, role, perm in (("infrastructure", "dev", "EXECUTE"), ("forms", "dev", "EXECUTE"),
                                   ("infrastructure", "ops_lead", "RESUME"), ("forms", ADMIN_USER, "RESUME")):
                conn.execute("SELECT flow_grant(%s, quote_ident(%s)::regrole, %s)", (ns, role, perm))
            conn.execute("SELECT flow_deploy(%s)", (VM_FLOW,))
            conn.execute("SELECT flow_deploy(%s)", (EVERY_INPUT_FLOW,))
        procs.append(start_app(tmp, APP_PASSWORD, secrets.token_hex(32)))
        driver = start_browser(tmp)
        human_task(driver, sink_log)
        every_input(driver)
        closed_links(driver)
    except Exception:
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        stop(procs, driver, tmp, tap.failures)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
