#!/usr/bin/env python3
"""How fast the console is on a large store: a measurement, not a test (no figure is asserted).

Seeds a fresh SQLite store through the HTTP API with --events events (one cart of --stream-events events, the
rest in carts of 1,000), then opens each page in headless Chromium --runs times and prints, per page, the median
time from the address (or the key press) to what the page shows, and the most events one API answer carried.
Uses the server and browser set-up of console_test.py; run it in the virtual environment scripts/test-console.sh
makes:

    .build/console-venv/bin/python Tests/Console/large_store.py --evident .build/release/evident
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from console_test import CUSTOMER, Run, Server

BATCH = 1_000  # the most events one write may carry
METADATA = {"actor": {"type": "customer", "id": CUSTOMER}}


def cart_batches(cart, length):
    """The batches that give `cart` `length` events: opened, then items over a few SKUs."""
    events = [{"type": "was_opened", "data": {"customer_id": "c"}}] + [
        {"type": "item_was_added", "data": {"sku": f"sku-{index % 7}", "quantity": 1, "unit_price": 1}}
        for index in range(1, length)]
    return [(cart, events[start:start + BATCH]) for start in range(0, length, BATCH)]


def seed(server, events, stream_events, writers=3):
    """Writes the store; returns the id of the long cart."""
    big = str(uuid.uuid4())
    rest = [batch for _ in range((events - stream_events) // BATCH) for batch in cart_batches(str(uuid.uuid4()), BATCH)]
    host, port = server.url.split("//")[1].split(":")
    lock = threading.Lock()
    failures = []
    written = [0]

    def writer(work):
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        while True:
            with lock:
                if not work or failures:
                    return
                cart, batch = work.pop(0)
            connection.request("POST", f"/cart/{cart}", json.dumps({"events": batch, "metadata": METADATA}),
                               {"Content-Type": "application/json"})
            answer = connection.getresponse()
            body = answer.read()
            with lock:
                if answer.status != 201:
                    failures.append(f"{answer.status} {body[:300]!r}")
                written[0] += len(batch)
                if written[0] % 100_000 < len(batch):
                    print(f"  {written[0]:,} events written", flush=True)

    writer(cart_batches(big, stream_events))  # one writer: the long cart's batches go in order
    threads = [threading.Thread(target=writer, args=(rest,)) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise AssertionError("seeding failed: " + failures[0])
    return big


def largest_limit(driver):
    """The largest `limit` the page asked the API for since it was loaded: how many events or rows one answer
    may carry."""
    names = driver.execute_script("return performance.getEntriesByType('resource').map(entry => entry.name)")
    limits = [part.split("=", 1)[1] for name in names for part in name.split("?", 1)[-1].split("&")
              if part.startswith("limit=")]
    return max((int(limit) for limit in limits if limit.isdigit()), default=0)


def measure(run, name, load, ready, runs):
    """Median seconds from `load()` to `ready(driver)`, over `runs` fresh loads; and the largest limit asked."""
    times = []
    limit = 0
    for _ in range(runs):
        start = time.monotonic()
        load()
        run.wait(ready, timeout=120)
        times.append(time.monotonic() - start)
        limit = max(limit, largest_limit(run.driver))
    print(f"| {name} | {statistics.median(times) * 1000:,.0f} ms | "
          f"{' · '.join(f'{value * 1000:,.0f}' for value in times)} | {limit:,} |", flush=True)


def shows(selector, text=None):
    def ready(driver):
        elements = driver.find_elements(By.CSS_SELECTOR, selector)
        return elements and (text is None or elements[0].text == text)
    return ready


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evident", required=True)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--stream-events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--directory", help="keep the store here (seeded once, reused when it exists)")
    arguments = parser.parse_args()

    directory = arguments.directory or tempfile.mkdtemp(prefix="evident-console-large.")
    reuse = os.path.exists(os.path.join(directory, "evident.sqlite"))
    os.makedirs(directory, exist_ok=True)
    server = Server(os.path.abspath(arguments.evident), directory)
    driver = None
    try:
        big_file = os.path.join(directory, "long-cart")
        if reuse and os.path.exists(big_file):
            big = open(big_file).read().strip()
        else:
            start = time.monotonic()
            big = seed(server, arguments.events, arguments.stream_events)
            open(big_file, "w").write(big)
            seconds = time.monotonic() - start
            print(f"seeded {arguments.events:,} events in {seconds:,.0f} s "
                  f"({arguments.events / seconds:,.0f} events/s)", flush=True)
        admin = server.key("admin")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000",
                     "--disable-gpu", "--no-first-run", "--disable-extensions"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
        run = Run(server, driver, os.path.join(directory, "screenshots"))
        run.open("")
        run.sign_in(admin)

        print(f"\n{arguments.events:,} events, a cart of {arguments.stream_events:,}; medians of {arguments.runs}\n")
        print("| page | median | runs | largest limit asked by then |")
        print("|---|---:|---|---:|")
        measure(run, "overview: the streams per type", lambda: run.open(""),
                shows("#streams tr[data-type='cart']"), arguments.runs)
        measure(run, "live log: the first rows", lambda: run.open("#/log"),
                shows(".vrow[data-position]"), arguments.runs)
        middle = arguments.events // 2

        def jump():
            run.open("#/log")
            field = run.wait(EC.element_to_be_clickable((By.ID, "jump-position")))
            field.send_keys(str(middle), Keys.ENTER)
        measure(run, f"live log: jump to position {middle:,}", jump,
                shows(f".vrow[data-position='{middle}']"), arguments.runs)
        measure(run, f"aggregate of {arguments.stream_events:,} events, at version 1",
                lambda: run.open(f"#/aggregate/cart/{big}?version=1"),
                shows("#state-version", "State after version 1"), arguments.runs)
        half = arguments.stream_events // 2
        measure(run, f"aggregate, the state at version {half:,} (the slider's address)",
                lambda: run.open(f"#/aggregate/cart/{big}?version={half}"),
                shows("#state-version", f"State after version {half}"), arguments.runs)

        def to_end():
            run.open(f"#/aggregate/cart/{big}?version=1")
            run.wait(shows("#main .vrow[data-version='1']"), timeout=120)
            driver.find_element(By.CSS_SELECTOR, "#main .vlist").send_keys(Keys.END)
        measure(run, "aggregate: End, to the last version", to_end,
                shows("#state-version", f"State after version {arguments.stream_events}"), arguments.runs)
        measure(run, "aggregate search", lambda: run.open("#/aggregate?type=cart"),
                shows("#search-id"), arguments.runs)
        measure(run, "spec and its versions", lambda: run.open("#/spec"),
                shows("#spec-versions tr[data-version='1']"), arguments.runs)
        measure(run, "consumers", lambda: run.open("#/consumers"), shows("#signer-lag"), arguments.runs)
    finally:
        if driver is not None:
            driver.quit()
        server.stop()
        if not arguments.directory:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
