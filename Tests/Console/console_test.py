#!/usr/bin/env python3
"""The console in a real browser: headless Chromium (Debian's) driven by Selenium, against `evident serve` on a
fresh SQLite file with the example shop spec. Run by scripts/test-console.sh, which installs what it needs.

Every wait is on a condition (WebDriverWait, or a line the server prints); nothing sleeps a fixed time. The
server and the browser are stopped at the end, also on failure. A screenshot of each page is saved in
--screenshots. Prints 'console: N passed, N failed' last; exits 1 when a check failed.
"""

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CUSTOMER = str(uuid.uuid4())
CART = str(uuid.uuid4())
OTHER_CART = str(uuid.uuid4())
ORDER = str(uuid.uuid4())
WAIT = 15  # seconds a page may take to show something, on a busy test machine


class Server:
    """`evident serve` on port 0 over a fresh database; its address is read from the line it logs."""

    def __init__(self, binary, directory, arguments=(), environment=None):
        self.binary = binary
        self.directory = directory
        self.database = os.path.join(directory, "evident.sqlite")
        self.lines = queue.Queue()
        self.log = []
        signing_key = os.path.join(directory, "signing.key")
        if not os.path.exists(signing_key):
            subprocess.run([binary, "audit", "keygen", "--out", signing_key], check=True, stdout=subprocess.DEVNULL)
        self.process = subprocess.Popen(
            [binary, "serve", "--db", self.database, "--spec", os.path.join(REPOSITORY, "Examples/specs/shop.json"),
             "--port", "0", "--signing-key", signing_key, *arguments],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env={**os.environ, **(environment or {})})
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 120
        self.url = None
        while self.url is None:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError("evident serve ended before it listened:\n" + "".join(self.log))
            found = re.search(r"url=(http://[0-9.]+:[0-9]+)", line)
            if found and "Evident is listening" in line:
                self.url = found.group(1)

    def _read(self):
        for line in self.process.stderr:
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_output(self, seconds):
        """Waits until the server logs a line or `seconds` pass: a bounded poll interval, not a sleep."""
        try:
            line = self.lines.get(timeout=seconds)
        except queue.Empty:
            return
        if line is None:
            raise RuntimeError("evident serve ended:\n" + "".join(self.log))

    def key(self, scope):
        answer = subprocess.run(
            [self.binary, "keys", "create", "--scope", scope, "--db", self.database],
            check=True, capture_output=True, text=True)
        return answer.stdout.strip()

    def get(self, path):
        """(status, Content-Type) of a GET, for the static files."""
        try:
            with urllib.request.urlopen(self.url + path, timeout=30) as response:
                return response.status, response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"]

    def call(self, method, path, body=None, key=None):
        """(status, JSON answer) of one API call."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if key:
            request.add_header("Authorization", "Bearer " + key)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def append(self, stream, event, data, key=None, **metadata):
        metadata["actor"] = {"type": "customer", "id": CUSTOMER}
        status, answer = self.call("POST", f"/{stream}/{event}", {"data": data, "metadata": metadata}, key)
        if status != 201:
            raise AssertionError(f"append {stream}/{event}: {status} {answer}")
        return answer

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Run:
    def __init__(self, server, driver, screenshots):
        self.server = server
        self.driver = driver
        self.screenshots = screenshots
        self.passed = 0
        self.failed = 0

    def check(self, name, body):
        try:
            body()
            self.passed += 1
            print(f"PASS {name}", flush=True)
        except Exception:
            self.failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
            self.shoot("failure-" + re.sub(r"[^a-z0-9]+", "-", name.lower())[:60])
            self.browser_log()  # so the next check starts clean

    def shoot(self, name):
        os.makedirs(self.screenshots, exist_ok=True)
        self.driver.save_screenshot(os.path.join(self.screenshots, name + ".png"))

    def browser_log(self):
        return self.driver.get_log("browser")

    def expect_clean_log(self, page):
        errors = [entry for entry in self.browser_log() if entry["level"] in ("SEVERE", "WARNING")]
        assert not errors, f"{page}: browser console errors: {errors}"

    def wait(self, condition, timeout=WAIT):
        # The lists put rows into the page as they scroll into view, so an element found may be replaced at once.
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05,
                             ignored_exceptions=[StaleElementReferenceException]).until(condition)

    def wait_equal(self, read, expected, timeout=WAIT):
        """Waits until `read(driver)` is `expected`; fails with the last value read."""
        last = []
        def equal(driver):
            last[:] = [read(driver)]
            return last[0] == expected
        try:
            self.wait(equal, timeout)
        except TimeoutException:
            raise AssertionError(f"expected {expected!r}, found {last[0] if last else None!r}")

    def text_of(self, selector):
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, selector))).text

    def wait_text(self, selector, expected, timeout=WAIT):
        def shows(driver):
            elements = driver.find_elements(By.CSS_SELECTOR, selector)
            return elements and elements[0].text == expected
        try:
            self.wait(shows, timeout)
        except TimeoutException:
            found = [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, selector)]
            raise AssertionError(f"{selector}: expected {expected!r}, found {found!r}")

    def open(self, hash_path):
        """Loads the console afresh at `hash_path` (the key stays in the tab's session storage)."""
        self.driver.get("about:blank")
        self.driver.get(self.server.url + "/_console/" + hash_path)

    def sign_in(self, key):
        field = self.wait(EC.element_to_be_clickable((By.ID, "key-input")))
        field.send_keys(key)
        field.send_keys(Keys.ENTER)
        self.wait(EC.presence_of_element_located((By.ID, "scope")))


def seed(server):
    """Cart CART: v1 opened, v2 tea ×2, v3 mug, v4 tea → 3, v5 a coupon, v6 checked out (implying an order)."""
    server.append(f"cart/{CART}", "was_opened", {"customer_id": "ada"})
    server.append(f"cart/{CART}", "item_was_added", {"sku": "tea", "quantity": 2, "unit_price": 4.5})
    server.append(f"cart/{CART}", "item_was_added", {"sku": "mug", "quantity": 1, "unit_price": 12})
    changed = server.append(f"cart/{CART}", "item_quantity_was_changed",
                            {"sku": "tea", "from": 2, "to": 3, "unit_price": 4.5})
    _, events = server.call("GET", f"/cart/{CART}/events?from=4&limit=1")
    cause = events["events"][0]["id"]
    server.append(f"cart/{CART}", "coupon_was_applied", {"code": "WELCOME", "percent": 10},
                  correlation_id="checkout-ada", causation_id=cause)
    server.append(f"cart/{CART}", "was_checked_out", {"order_id": ORDER}, correlation_id="checkout-ada")
    server.append(f"cart/{OTHER_CART}", "was_opened", {"customer_id": "bob"})
    return changed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evident", required=True)
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--docs", help="also copy the screenshots of the pages here (docs/console)")
    arguments = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="evident-console-test.")
    server = None
    driver = None
    run = None
    try:
        server = Server(os.path.abspath(arguments.evident), directory)
        seed(server)
        admin = server.key("admin")
        read = server.key("read")
        # The server signs the log's head every 10 seconds: wait for its first checkpoint, which the overview and
        # the consumers page show.
        deadline = time.monotonic() + 60
        while server.call("GET", "/_audit/head", key=admin)[0] != 200:
            if time.monotonic() > deadline:
                raise AssertionError("no signed checkpoint within 60 s")
            server.wait_for_output(0.5)

        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # The Debian chromedriver, named explicitly, so Selenium Manager never downloads a driver or a browser.
        driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
        run = Run(server, driver, arguments.screenshots)
        checks(run, server, admin, read)
    except Exception:
        traceback.print_exc()
        if run is None:
            print("console: 0 passed, 1 failed")
            return 1
        run.failed += 1
    finally:
        if driver is not None:
            driver.quit()
        if server is not None:
            server.stop()
            if run is None or run.failed:
                sys.stderr.write("".join(server.log[-40:]))
        shutil.rmtree(directory, ignore_errors=True)
    if arguments.docs and run.failed == 0:
        os.makedirs(arguments.docs, exist_ok=True)
        for name in sorted(os.listdir(arguments.screenshots)):
            if not name.startswith("failure-"):
                shutil.copy(os.path.join(arguments.screenshots, name), os.path.join(arguments.docs, name))
    print(f"console: {run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


def checks(run, server, admin, read):
    driver = run.driver

    def no_key():
        run.open("")
        run.wait(EC.presence_of_element_located((By.ID, "key-input")))
        run.shoot("no-key")
        # The one error of this page is the 401 the server answered without a key, which the form explains.
        errors = [entry for entry in run.browser_log() if entry["level"] == "SEVERE"]
        assert all("/_whoami" in entry["message"] and "401" in entry["message"] for entry in errors), errors

    run.check("without a key the console asks for one", no_key)

    def overview():
        run.sign_in(admin)
        run.browser_log()  # the 401 of the key form, checked above
        assert run.text_of("#scope").startswith("admin key")
        run.wait_text("#spec-version", "1")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#streams tr[data-type='cart']")))
        run.wait_equal(lambda d: d.find_element(By.CSS_SELECTOR, "#streams tr[data-type='cart']").text.split(),
                       ["cart", "2", "7"])  # two carts, seven events
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#recent li a")))
        run.wait(EC.presence_of_element_located((By.ID, "checkpoint-position")))
        run.wait(lambda d: d.find_element(By.ID, "rate").text.endswith("/s"))
        run.shoot("overview")
        run.expect_clean_log("overview")

    run.check("the overview shows the spec, the streams per type, the log head and the signed checkpoint", overview)

    def nodes_and_verification():
        # The admin is signed in (the check above): one node, this one, and no verification run yet.
        address = server.url.removeprefix("http://")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#nodes tbody tr")))
        rows = driver.find_elements(By.CSS_SELECTOR, "#nodes tbody tr")
        assert len(rows) == 1, [row.text for row in rows]
        cells = [cell.text for cell in rows[0].find_elements(By.TAG_NAME, "td")]
        assert cells[0] == f"{address} (this one)" and cells[4] == "alive", cells
        run.wait_text("#verify-result", "Chain last verified: never.")
        driver.find_element(By.ID, "verify").click()
        shown = re.compile(r"Chain last verified: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(through position [0-9,]+, ok\)\.")
        run.wait(lambda d: shown.fullmatch(d.find_element(By.ID, "verify-result").text))
        status, answer = server.call("GET", "/_audit/verifications", key=admin)
        assert status == 200 and len(answer["verifications"]) == 1 and answer["verifications"][0]["ok"], answer
        run.open("")
        run.wait(lambda d: shown.fullmatch(d.find_element(By.ID, "verify-result").text))
        run.shoot("overview-verified")
        run.expect_clean_log("overview after a verification")

    run.check("the overview lists this node, and when the chain was last verified: never, then after a run", nodes_and_verification)

    def live_log():
        run.open("#/log")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ".vrow[data-position]")))
        run.wait(lambda d: d.find_element(By.ID, "log-status").text.startswith("Live"))
        answer = server.append(f"cart/{OTHER_CART}", "item_was_added",
                               {"sku": "live-tea", "quantity": 1, "unit_price": 2}, key=admin)
        selector = f".vrow[data-position='{answer['position']}']"
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, selector)), timeout=1.0)
        run.shoot("log")
        # Paused, a new event does not show; resumed, it does.
        driver.find_element(By.ID, "pause").click()
        run.wait(lambda d: d.find_element(By.ID, "log-status").text.startswith("Paused"))
        paused = server.append(f"cart/{OTHER_CART}", "coupon_was_applied", {"code": "LIVE", "percent": 5}, key=admin)
        paused_selector = f".vrow[data-position='{paused['position']}']"
        assert not driver.find_elements(By.CSS_SELECTOR, paused_selector)
        driver.find_element(By.ID, "pause").click()
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, paused_selector)))
        # Filtered to orders, only the order's event is listed.
        Select(driver.find_element(By.ID, "filter-aggregate-type")).select_by_value("order")
        run.wait_equal(lambda d: [row.get_attribute("data-key").split(":")[0]
                                  for row in d.find_elements(By.CSS_SELECTOR, ".vrow[data-key]")], ["order"])
        # A jump to position 3 starts the list there.
        run.open("#/log")
        field = run.wait(EC.element_to_be_clickable((By.ID, "jump-position")))
        field.send_keys("3", Keys.ENTER)
        run.wait_equal(lambda d: [row.get_attribute("data-position")
                                  for row in d.find_elements(By.CSS_SELECTOR, ".vrow[data-position]")][:1], ["3"])
        run.expect_clean_log("log")

    run.check("the live log shows an event appended during the test within a second; pause, filter, jump", live_log)

    def time_travel():
        run.open(f"#/aggregate/cart/{CART}?version=1")
        run.wait_text("#state-version", "State after version 1")
        run.wait_text("#state [data-path='status']", '"open"')
        run.wait_text("#state [data-path='total']", "0")
        run.wait_text("#state [data-path='lines']", "[]")
        slider = driver.find_element(By.ID, "version")
        slider.send_keys(Keys.ARROW_RIGHT)  # the keyboard moves the slider
        run.wait_text("#state-version", "State after version 2")
        run.wait_text("#state [data-path='lines[0].sku']", '"tea"')
        run.wait_text("#state [data-path='total']", "9")
        run.wait_text("#event-type", "item_was_added")
        slider.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        run.wait_text("#state-version", "State after version 4")
        run.wait_text("#state [data-path='lines[0].quantity']", "3")
        run.wait_text("#state [data-path='lines[1].sku']", '"mug"')
        run.wait_text("#state [data-path='total']", "25.5")
        # What version 4 changed, field by field.
        run.wait_equal(lambda d: {row.get_attribute("data-path"): row.get_attribute("class")
                                  for row in d.find_elements(By.CSS_SELECTOR, "#changes tr[data-path]")},
                       {"lines[0].quantity": "changed", "quantities.tea": "changed", "total": "changed"})
        run.shoot("aggregate")
        run.expect_clean_log("aggregate")

    run.check("the time-travel slider shows the right state at versions 1, 2 and 4, and what each changed", time_travel)

    def explain():
        run.open(f"#/aggregate/cart/{CART}")
        run.wait_text("#state-version", "State after version 6")
        run.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#state [data-field='total']"))).click()
        run.wait_equal(lambda d: [item.get_attribute("data-version")
                                  for item in d.find_elements(By.CSS_SELECTOR, "#explain-list li")],
                       ["4", "3", "2", "1"])
        # The coupon's event links to its cause and to the events of its correlation.
        run.open(f"#/aggregate/cart/{CART}?version=5")
        run.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#event a.correlation"))).click()
        _, log = server.call("GET", "/_log?limit=1000", key=admin)
        correlated = [str(event["position"]) for event in log["events"]
                      if event["metadata"].get("correlation_id") == "checkout-ada"]
        assert len(correlated) >= 2, correlated  # the coupon and the checkout
        run.wait_equal(lambda d: [row.get_attribute("data-position")
                                  for row in d.find_elements(By.CSS_SELECTOR, ".vrow[data-position]")], correlated)
        run.open(f"#/aggregate/cart/{CART}?version=5")
        run.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, "#event a.causation"))).click()
        run.wait_equal(lambda d: [row.get_attribute("data-key")
                                  for row in d.find_elements(By.CSS_SELECTOR, ".vrow[data-key]")], [f"cart:{CART}"])
        run.wait(lambda d: "item_quantity_was_changed" in d.find_element(By.ID, "log-detail").text)
        run.expect_clean_log("explain")

    run.check("explain a field lists the events that changed it, newest first; causes and correlations link", explain)

    def search():
        run.open("#/aggregate?type=cart")
        field = run.wait(EC.element_to_be_clickable((By.ID, "search-id")))
        field.send_keys(OTHER_CART[:6])
        run.wait_equal(lambda d: [a.text for a in d.find_elements(By.CSS_SELECTOR, "#search-results a")],
                       [f"cart:{OTHER_CART}"])
        run.shoot("aggregate-search")
        run.expect_clean_log("search")

    run.check("the aggregate search finds a cart by part of its id", search)

    def long_stream():
        big = str(uuid.uuid4())
        events = [{"type": "was_opened", "data": {"customer_id": "big"}}] + [
            {"type": "item_was_added", "data": {"sku": f"sku-{index}", "quantity": 1, "unit_price": 1}}
            for index in range(1, 1000)]
        status, answer = server.call("POST", f"/cart/{big}", {
            "events": events, "metadata": {"actor": {"type": "customer", "id": CUSTOMER}}}, key=admin)
        assert status == 201 and answer["length"] == 1000, answer
        run.open(f"#/aggregate/cart/{big}?version=1")
        run.wait_text("#state-version", "State after version 1")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#main .vrow[data-version='1']")))
        # Only the rows in view are in the page, and only the first page of events was read.
        rows = len(driver.find_elements(By.CSS_SELECTOR, "#main .vrow"))
        assert rows < 60, rows
        assert not driver.find_elements(By.CSS_SELECTOR, "#main .vrow[data-version='101']")
        # End, in the list, goes to the last event: its page is read then, and the state folded to it.
        listbox = driver.find_element(By.CSS_SELECTOR, "#main .vlist")
        listbox.send_keys(Keys.END)
        run.wait_text("#state-version", "State after version 1000")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#main .vrow[data-version='1000']")))
        run.wait_text("#state [data-path='total']", "999")
        rows = len(driver.find_elements(By.CSS_SELECTOR, "#main .vrow"))
        assert rows < 60, rows
        run.expect_clean_log("long stream")

    run.check("a stream of 1,000 events: rows in view only, pages read as needed, End reaches the last", long_stream)

    def spec():
        run.open("#/spec")
        editor = run.wait(EC.presence_of_element_located((By.ID, "spec-editor")))
        with open(os.path.join(REPOSITORY, "Examples/specs/shop-broken.json")) as broken:
            text = broken.read()
        driver.execute_script("arguments[0].value = arguments[1];", editor, text)
        driver.find_element(By.ID, "dry-run").click()
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#spec-problems .problem-path")))
        paths = [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#spec-problems .problem-path")]
        assert "aggregate_types.Order" in paths and "colour" in paths, paths
        run.shoot("spec")
        # The network log holds the 422 of the dry run, which the page shows as the problems; nothing else.
        errors = [entry for entry in run.browser_log() if entry["level"] == "SEVERE"]
        assert all("/_spec?dry_run=true" in entry["message"] and "422" in entry["message"] for entry in errors), errors
        # A dry run of the spec in force passes.
        run.open("#/spec")
        run.wait(EC.element_to_be_clickable((By.ID, "dry-run"))).click()
        run.wait(EC.presence_of_element_located((By.ID, "dry-run-ok")))
        run.expect_clean_log("spec")

    run.check("the spec dry-run shows a problem's path", spec)

    def store_spec():
        run.open("#/spec")
        editor = run.wait(EC.presence_of_element_located((By.ID, "spec-editor")))
        run.wait_text("#spec-version", "1")
        with open(os.path.join(REPOSITORY, "Examples/specs/shop-v2.json")) as v2:
            driver.execute_script("arguments[0].value = arguments[1];", editor, v2.read())
        driver.find_element(By.ID, "dry-run").click()
        run.wait(EC.presence_of_element_located((By.ID, "dry-run-ok")))
        driver.find_element(By.ID, "store-spec").click()
        run.wait(EC.element_to_be_clickable((By.ID, "confirm-store"))).click()
        run.wait_text("#spec-version", "2")
        _, current = server.call("GET", "/_spec", key=admin)
        assert current["version"] == 2 and "note_was_added" in current["spec"]["aggregate_types"]["order"]["events"]
        run.expect_clean_log("store spec")

    run.check("an admin key stores a dry-run spec as the next version", store_spec)

    def spec_versions():
        run.open("#/spec")
        run.wait_text("#spec-version", "2")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#spec-versions tr[data-version='1']")))
        rows = [row.get_attribute("data-version") for row in driver.find_elements(By.CSS_SELECTOR, "#spec-versions tbody tr")]
        assert rows == ["2", "1"], rows
        driver.find_element(By.CSS_SELECTOR, "#spec-versions tr[data-version='1'] button.compare").click()
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#spec-diff tr.added")))
        paths = [cell.text for cell in driver.find_elements(By.CSS_SELECTOR, "#spec-diff td.mono")]
        assert any("note_was_added" in path for path in paths), paths
        run.shoot("spec-versions")
        run.expect_clean_log("spec versions")

    run.check("the spec page lists the stored versions and compares one with the spec in force", spec_versions)

    def consumers():
        # A real catch-up projection over the server's database, run to the head and stopped.
        subprocess.run([server.binary, "projection-worker", "--db", server.database, "--name", "console_totals",
                        "--until-caught-up"], check=True, timeout=120, stdout=subprocess.DEVNULL)
        _, status = server.call("GET", "/_consumers/console_totals", key=admin)
        assert status["checkpoint"] > 0, status
        _, listed = server.call("GET", "/_consumers", key=admin)
        assert [c["consumer"] for c in listed["consumers"]] == ["console_totals"], listed
        # Listed by the store: shown without being watched.
        run.open("#/consumers")
        run.wait(EC.presence_of_element_located((By.ID, "signer-lag")))
        card = "[data-consumer='console_totals']"
        run.wait_text(f"{card} .checkpoint", f"{status['checkpoint']:,}")
        # A name with no checkpoint yet, watched.
        field = run.wait(EC.element_to_be_clickable((By.ID, "consumer-name")))
        field.send_keys("not_started", Keys.ENTER)
        run.wait_text("[data-consumer='not_started'] .checkpoint", "0 (never checkpointed)")
        server.append(f"cart/{OTHER_CART}", "coupon_was_applied", {"code": "LAG", "percent": 1}, key=admin)
        run.wait(lambda d: int(d.find_element(By.CSS_SELECTOR, f"{card} .lag").text.split()[0].replace(",", "")) >= 1)
        run.shoot("consumers")
        run.expect_clean_log("consumers")

    run.check("the consumers page shows the signer, the store's projections and a watched name, with position and lag",
              consumers)

    def replay():
        # A real projection that fails on the event at position 1, so that it parks it.
        worker = [server.binary, "projection-worker", "--db", server.database, "--name", "console_parked",
                  "--until-caught-up"]
        subprocess.run(worker + ["--fail-at", "1"], check=True, timeout=120, stdout=subprocess.DEVNULL)
        _, status = server.call("GET", "/_consumers/console_parked", key=admin)
        assert [event["position"] for event in status["parked"]] == [1] and status["replay"] is None, status
        run.open("#/consumers")
        card = "[data-consumer='console_parked']"
        run.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, f"{card} [data-replay]:not([data-replay-position])")))
        # Asked from the keyboard; pending until the consumer's runner runs.
        button = run.wait(EC.element_to_be_clickable((By.CSS_SELECTOR, f"{card} [data-replay-position='1']")))
        button.send_keys(Keys.ENTER)
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, f"{card} [data-replay-status='pending']")))
        _, status = server.call("GET", "/_consumers/console_parked", key=admin)
        assert status["replay"]["status"] == "pending" and status["replay"]["positions"] == [1], status
        # The runner (healed: no --fail-at) honours the request once it is caught up; the page shows the result.
        subprocess.run(worker, check=True, timeout=120, stdout=subprocess.DEVNULL)
        done = run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, f"{card} [data-replay-status='completed']")))
        assert done.text.endswith("completed. Replayed: 1. Still parked: none."), done.text
        run.wait_text(f"{card} .consumer-parked p.muted", "No parked events.")
        run.shoot("consumers-replay")
        run.expect_clean_log("consumers replay")
        # Another one stays parked, for the read key's check.
        subprocess.run([server.binary, "projection-worker", "--db", server.database, "--name", "console_still",
                        "--until-caught-up", "--fail-at", "1"], check=True, timeout=120, stdout=subprocess.DEVNULL)

    run.check("with an admin key, Replay asks a consumer's runner to replay a parked event; pending, then the result",
              replay)

    def keys():
        run.open("#/keys")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#key-list tr[data-key-id]")))
        before = len(driver.find_elements(By.CSS_SELECTOR, "#key-list tr[data-key-id]"))
        assert before == 2, before
        Select(driver.find_element(By.ID, "new-key-scope")).select_by_value("read")
        driver.find_element(By.ID, "create-key").click()
        secret = run.wait(EC.presence_of_element_located((By.ID, "new-key-secret"))).get_attribute("value")
        assert secret.startswith("evk_"), secret
        assert server.call("GET", "/_whoami", key=secret)[1]["scope"] == "read"
        run.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#key-list tr[data-key-id]")) == 3)
        run.shoot("keys")
        new_id = secret.split("_")[1]
        driver.find_element(By.CSS_SELECTOR, f"[data-revoke='{new_id}']").click()
        driver.find_element(By.CSS_SELECTOR, f"tr[data-key-id='{new_id}'] button.danger").click()
        run.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#key-list tr[data-key-id]")) == 2)
        assert server.call("GET", "/_whoami", key=secret)[0] == 401
        run.expect_clean_log("keys")

    run.check("keys: list, create (the secret shown once) and revoke", keys)

    def keys_rotate():
        run.open("#/keys")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#key-list tr[data-key-id]")))
        driver.find_element(By.ID, "new-key-name").send_keys("console-test")
        Select(driver.find_element(By.ID, "new-key-scope")).select_by_value("write")
        driver.find_element(By.ID, "create-key").click()
        secret = run.wait(EC.presence_of_element_located((By.ID, "new-key-secret"))).get_attribute("value")
        old_id = secret.split("_")[1]
        row = f"tr[data-key-id='{old_id}']"
        run.wait_text(f"{row} .key-name", "console-test")
        assert run.text_of(f"{row} .key-last-used") == "\u2014", run.text_of(f"{row} .key-last-used")
        assert run.text_of(f"{row} .key-created").endswith("Z")
        assert server.call("GET", "/_whoami", key=secret)[0] == 200
        run.open("#/keys")  # afresh: the use is listed, to the minute
        run.wait(lambda d: d.find_element(By.CSS_SELECTOR, f"{row} .key-last-used").text.endswith("Z"))
        driver.find_element(By.CSS_SELECTOR, f"[data-rotate='{old_id}']").click()
        driver.find_element(By.CSS_SELECTOR, f"{row} [data-confirm='rotate']").click()
        run.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, row))
        rotated = run.wait(EC.presence_of_element_located((By.ID, "new-key-secret"))).get_attribute("value")
        new_id = rotated.split("_")[1]
        run.wait_text(f"tr[data-key-id='{new_id}'] .key-name", "console-test")
        run.shoot("keys-rotated")
        assert server.call("GET", "/_whoami", key=secret)[0] == 401
        assert server.call("GET", "/_whoami", key=rotated)[1]["scope"] == "write"
        assert server.call("DELETE", f"/_keys/{new_id}", key=admin)[0] == 200
        run.expect_clean_log("keys rotate")

    run.check("keys: name, created and last use shown; rotate shows the new key once and revokes the old", keys_rotate)

    def dark():
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        run.open(f"#/aggregate/cart/{CART}?version=3")
        run.wait_text("#state-version", "State after version 3")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(15, 18, 22)", background
        run.shoot("aggregate-dark")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
        run.expect_clean_log("dark")

    run.check("dark mode follows prefers-color-scheme", dark)

    changing = "#dry-run, #store-spec, #confirm-store, #create-key, [data-revoke], #verify, button.danger"
    changing += ", [data-rotate], #new-key-name"
    changing += ", [data-replay]"

    def read_only():
        driver.find_element(By.ID, "forget-key").click()
        run.sign_in(read)
        run.browser_log()  # the 401 of the key form, checked in the first check
        assert run.text_of("#scope").startswith("read key")
        for page, ready in [("", "#spec-version"), ("#/log", ".vrow[data-position]"),
                            (f"#/aggregate/cart/{CART}?version=2", "#state [data-path='total']"),
                            ("#/aggregate", "#search-results a"), ("#/spec", "#spec-read-only"),
                            ("#/consumers", "#signer-lag"), ("#/keys", ".empty")]:
            run.open(page)
            run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
            found = driver.find_elements(By.CSS_SELECTOR, changing)
            assert not found, f"{page}: a read key sees {[element.get_attribute('id') for element in found]}"
            run.expect_clean_log(f"read key {page}")
        # A consumer with a parked event: no Replay button for a read key.
        run.open("#/consumers")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-consumer='console_still'] table.parked")))
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-replay]"), "a read key sees a Replay button"
        status, _ = server.call("POST", "/_consumers/console_still/replay", key=read)
        assert status == 403, status
        run.open("#/spec")
        run.wait(EC.presence_of_element_located((By.ID, "spec-read-only")))
        run.shoot("spec-read-key")
        # The API refuses such calls anyway.
        for method, path, body in [("PUT", "/_spec?dry_run=true", {"spec": {}}), ("PUT", "/_spec", {"spec": {}}),
                                   ("POST", "/_keys", {"scope": "admin"}), ("GET", "/_keys", None),
                                   ("DELETE", "/_keys/0123456789ab", None), ("GET", "/_verify", None)]:
            status, answer = server.call(method, path, body, key=read)
            assert status == 403, f"{method} {path}: {status} {answer}"
        status, _ = server.call("POST", f"/cart/{CART}/coupon_was_applied",
                                {"data": {"code": "X", "percent": 1}, "metadata": {"actor": {"type": "customer", "id": CUSTOMER}}},
                                key=read)
        assert status == 403, status

    run.check("a read key sees no button that changes anything, and the API refuses such calls (403)", read_only)

    def server_gone():
        run.open("#/spec")
        run.wait(EC.presence_of_element_located((By.ID, "spec-read-only")))
        server.stop()
        driver.execute_script("location.hash = '#/consumers'")
        run.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ".problem.status-0 button.retry")))
        run.shoot("server-gone")
        run.browser_log()  # the refused connections, which the page explains

    run.check("when the server is gone the page says so and offers a retry", server_gone)

    def switch():
        # The server above, on loopback with no flag, served the console; these start on its database.
        for arguments, environment in [(["--console", "off"], None), ([], {"EVIDENT_CONSOLE": "off"})]:
            other = Server(server.binary, server.directory, arguments, environment)
            try:
                status = other.get("/_console/")[0]
                assert status == 404, f"{arguments} {environment}: {status}"
            finally:
                other.stop()
        refused = subprocess.run(
            [server.binary, "serve", "--db", server.database, "--port", "0", "--console", "maybe"],
            capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "must be on or off" in refused.stderr, refused.stderr

    run.check("serve --console off and EVIDENT_CONSOLE=off serve no console; a bad value is refused", switch)


if __name__ == "__main__":
    sys.exit(main())
