#!/usr/bin/python3
"""The approver's path in a real browser (test/run browser): the guide's vacation_approval flow,
unchanged, from the Slack message to a completed decision in the approval app (app/), driven in
headless Chromium with Selenium.  Prints TAP.

test/run starts the cluster (see test/fixtures/browser_kit.py for what it passes); this script
starts the loopback HTTP sink that stands in for Slack and the HR system, the app (app/run, as
documented) and Chromium, and stops them all.

What it checks: the Slack message the sink received carries a signed link; opening it asks the
manager to sign in, then shows the request with its dates and a form generated from onResume;
a decision without the required answer is refused next to the field; the decision is made and
the flow completes (the HR system gets the POST); the link then says "already decided"; the
employee who asked cannot decide; the inbox lists what waits, oldest first; an unsigned link
decides through flow_resume; a tampered link and a wrong password are refused.
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
from browser_kit import (ADMIN_DSN, BASE, SRC, Tap, click, create_app_role, create_login,  # noqa: E402
                         screenshot, sign_in, sign_out, sink_records, sql, start_app,
                         start_browser, start_sink, stop, submit, text, until)

APP_PASSWORD = secrets.token_urlsafe(16)
PASSWORDS = {"hr_manager": "manager-" + secrets.token_urlsafe(8),
             "jdoe": "jdoe-" + secrets.token_urlsafe(8)}
tap = Tap()
ok = tap.ok


def start_request(start, end):
    """jdoe asks for a vacation; returns the execution id once it is PAUSED."""
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute("SET ROLE jdoe")
        eid = conn.execute("SELECT flow_start('hr.operations', 'vacation_approval', %s)",
                           (json.dumps({"start_date": start, "end_date": end}),)).fetchone()[0]
    until(lambda: sql("SELECT state FROM flowpg.executions WHERE id = %s", (eid,)) == "PAUSED", 20)
    return eid


def slack_link(log, eid):
    """The approval link of the Slack message about execution eid."""
    def find():
        for r in sink_records(log):
            if r["path"].startswith("/services/") and eid in r["body"]:
                return r
        return None
    record = until(find, 20)
    if record is None:
        return None, None
    payload = json.loads(record["body"])
    m = re.search(r"Approve: (\S+)", payload["text"])
    return payload, (m.group(1) if m else None)


def main():
    tmp = tempfile.mkdtemp(prefix="flowpg-browser-")
    procs = []
    driver = None
    try:
        sink, sink_url, sink_log = start_sink(tmp)
        procs.append(sink)
        flow = open(os.path.join(SRC, "test/flows/guide/vacation_approval.yml"), encoding="utf-8").read()
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION flowpg")
            conn.execute("SELECT flow_secret_set('hr.operations', 'SLACK_HR_WEBHOOK', %s)",
                         (sink_url + "/services/T0HR/B0VAC/webhooksecret",))
            conn.execute("SELECT flow_kv_set('hr.operations', 'HR_API_ENDPOINT', %s::jsonb)",
                         (json.dumps(sink_url + "/hr-api"),))
            for role, pw in PASSWORDS.items():
                create_login(conn, role, pw)
            create_app_role(conn, APP_PASSWORD, PASSWORDS)
            conn.execute("SELECT flow_grant('hr.operations', 'jdoe', 'EXECUTE')")
            conn.execute("SELECT flow_grant('hr.operations', 'hr_manager', 'RESUME')")
            conn.execute("SELECT flow_deploy(%s)", (flow,))
        procs.append(start_app(tmp, APP_PASSWORD, secrets.token_hex(32)))
        driver = start_browser(tmp)

        # two requests wait: the second is decided later through the inbox's unsigned link
        first = start_request("2026-07-01", "2026-07-14")
        second = start_request("2026-08-03", "2026-08-07")
        ok(sql("SELECT string_agg(state, ',' ORDER BY created_at) FROM flowpg.executions") == "PAUSED,PAUSED",
           "both executions pause for the decision")
        payload, link = slack_link(sink_log, first)
        ok(payload is not None and payload["text"].startswith("Review request from jdoe\n*Dates*: 2026-07-01 \u2192 2026-07-14"),
           "Slack received the message with the employee and the dates", payload)
        ok(link is not None and re.fullmatch(re.escape(BASE) + r"/appId/" + first + r"\?token=[A-Za-z0-9_.-]+", link),
           "its link points at the app and carries a signed token", link)

        # the manager opens it: sign in first, then the request and its form
        driver.get(link)
        ok("/login" in driver.current_url and "Sign in" in text(driver), "the link asks to sign in first",
           driver.current_url)
        sign_in(driver, "hr_manager", "not-the-password")
        ok("Wrong name or password" in text(driver), "a wrong password is refused")
        driver.find_element(By.NAME, "username").clear()
        sign_in(driver, "hr_manager", PASSWORDS["hr_manager"])
        page = text(driver)
        ok(driver.current_url == link, "signed in, the manager is back on the link", driver.current_url)
        ok("2026-07-01" in page and "2026-07-14" in page and "jdoe" in page,
           "the link page shows the dates and who asked", page)
        ok("Approve this request?" in page and "Decision notes" in page,
           "the form is made from the onResume declarations", page)
        radios = driver.find_elements(By.CSS_SELECTOR, "input[type=radio][name=approved]")
        ok(sorted(r.get_attribute("value") for r in radios) == ["false", "true"],
           "BOOLEAN approved is a yes/no choice")
        ok(sql("SELECT state FROM flowpg.executions WHERE id = %s", (first,)) == "PAUSED",
           "opening the link decided nothing")
        screenshot(driver, "link_page.png")

        # submitted without an answer: flowpg's error, next to the field
        driver.find_element(By.NAME, "reason").send_keys("Within policy limits")
        submit(driver)
        errors = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".field.invalid .field-error")]
        ok(errors == ['missing required input "approved"'], "a missing answer is shown next to its field", errors)
        ok(driver.find_element(By.NAME, "reason").get_attribute("value") == "Within policy limits",
           "what was typed is kept")
        ok(sql("SELECT state FROM flowpg.executions WHERE id = %s", (first,)) == "PAUSED",
           "the refused decision changed nothing")
        screenshot(driver, "link_page_error.png")

        # the decision
        driver.find_element(By.CSS_SELECTOR, "input[name=approved][value=true]").click()
        submit(driver)
        ok("Your decision is recorded" in text(driver) and f"/executions/{first}" in driver.current_url,
           "the decision is recorded and the execution page shown", text(driver))
        final = until(lambda: sql("SELECT state FROM flowpg.executions WHERE id = %s AND ended_at IS NOT NULL",
                                  (first,)), 20)
        ok(final == "SUCCESS", "the flow completes", final)
        outputs = sql("SELECT outputs FROM flowpg.task_runs WHERE execution_id = %s AND task_id = 'await_decision'",
                      (first,))
        ok(outputs and outputs["onResume"] == {"approved": True, "reason": "Within policy limits"}
           and outputs["resumed"]["by"] == "hr_manager", "onResume and resumed.by are the manager's", outputs)
        hr = [r for r in sink_records(sink_log) if r["path"] == "/hr-api/approvals"]
        form = {p["name"]: p["value"] for p in hr[0]["parts"]} if hr else {}
        ok(form.get("approvalStatus") == "APPROVED" and form.get("resumedBy") == "hr_manager",
           "the HR system received the approval", form)
        ok(sql("SELECT detail ->> 'via' FROM flowpg.audit_log WHERE execution_id = %s AND action = 'resume'",
               (first,)) == "link", "the audit row says it came through the link")
        driver.refresh()
        page = text(driver)
        ok("SUCCESS" in page and "resume" in page and "via link" in page and "Decision:" in page,
           "the execution page shows the state, the log and the audit trail", page)
        screenshot(driver, "execution_page.png")

        # the same link again
        driver.get(link)
        page = text(driver)
        ok("Already decided" in page and "hr_manager" in page, "a second click shows who already decided", page)
        screenshot(driver, "already_decided.png")

        # a tampered link
        driver.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
        ok("This link does not work" in text(driver), "a tampered link is refused", text(driver))

        # the employee who asked cannot decide
        sign_out(driver)
        _, link2 = slack_link(sink_log, second)
        driver.get(link2)
        sign_in(driver, "jdoe", PASSWORDS["jdoe"])
        page = text(driver)
        ok("Not yours to decide" in page and not driver.find_elements(By.CSS_SELECTOR, "form.decision"),
           "the employee who asked sees the request but no form", page)
        driver.get(BASE + f"/approve/{second}")
        ok("Nothing for you to decide" in text(driver), "nor through the unsigned link", text(driver))
        driver.get(BASE + "/")
        ok("Nothing is waiting for you" in text(driver), "the employee's inbox is empty", text(driver))
        ok(sql("SELECT state FROM flowpg.executions WHERE id = %s", (second,)) == "PAUSED",
           "the employee changed nothing")

        # the manager's inbox, and a decision through the unsigned link it gives
        sign_out(driver)
        third = start_request("2026-09-14", "2026-09-18")
        driver.get(BASE + "/")
        sign_in(driver, "hr_manager", PASSWORDS["hr_manager"])
        rows = driver.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
        ok(len(rows) == 2 and all("vacation_approval" in r.text and "await_decision" in r.text for r in rows),
           "the manager's inbox lists the two requests that wait", [r.text for r in rows])
        hrefs = [r.find_element(By.LINK_TEXT, "Decide").get_attribute("href") for r in rows]
        ok(hrefs == [BASE + f"/approve/{second}", BASE + f"/approve/{third}"], "oldest first", hrefs)
        ok("start_date 2026-08-03 · end_date 2026-08-07" in rows[0].text
           and "start_date 2026-09-14 · end_date 2026-09-18" in rows[1].text,
           "each row says what is asked (the request's inputs)", [r.text for r in rows])
        screenshot(driver, "inbox.png")
        click(driver, rows[0].find_element(By.LINK_TEXT, "Decide"))
        ok("2026-08-03" in text(driver), "the unsigned link shows the request", text(driver))
        driver.find_element(By.CSS_SELECTOR, "input[name=approved][value=false]").click()
        driver.find_element(By.NAME, "reason").send_keys("Team offsite that week")
        submit(driver)
        ok("Your decision is recorded" in text(driver), "decided through the unsigned link", text(driver))
        final = until(lambda: sql("SELECT state FROM flowpg.executions WHERE id = %s AND ended_at IS NOT NULL",
                                  (second,)), 20)
        ok(final == "SUCCESS" and sql("SELECT outputs -> 'onResume' ->> 'approved' FROM flowpg.task_runs"
                                      " WHERE execution_id = %s AND task_id = 'await_decision'", (second,)) == "false",
           "the rejection completes the flow", final)
        ok(sql("SELECT detail ? 'via' FROM flowpg.audit_log WHERE execution_id = %s AND action = 'resume'",
               (second,)) is False, "and its audit row is a plain resume")
    except Exception:
        ok(False, "the test ran to its end", traceback.format_exc())
    finally:
        stop(procs, driver, tmp, tap.failures)
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
