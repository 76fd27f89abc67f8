#!/usr/bin/env python3
"""Drives Debian's Chromium (selenium + chromium-driver) through `thinkedit serve` on a run and
compares what the pages show with the run database (sqlite3, read-only):

  1. the overview: the kept / trajectories / calls figures;
  2. the trajectory table filtered to one task and a best-score range, through the form;
     every row's id and best score against SQL, and the match count;
  3. one trajectory of that table: its turns' overall scores; then `j` (next) and the next id;
  4. one of its selected samples: the manifest record against the export's manifest.jsonl.

Screenshots go to docs/images/serve-*.png. Not part of `swift test` or CI: run it by hand,
through scripts/checks/serve-browser.sh, which builds, makes the demo run and starts the server.

    scripts/checks/serve-browser.py --url http://127.0.0.1:8765 --workdir runs/demo [--shots docs/images]
"""
import argparse, html, json, os, re, sqlite3, sys, urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--shots", default="docs/images")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--driver", default="/usr/bin/chromedriver")
    a = ap.parse_args()
    os.makedirs(a.shots, exist_ok=True)
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(a.workdir, "thinkedit.sqlite"), uri=True)
    one = lambda sql, *args: db.execute(sql, args).fetchone()[0]

    opts = Options()
    opts.binary_location = a.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000", "--disable-gpu"]:
        opts.add_argument(flag)
    browser = webdriver.Chrome(service=Service(a.driver), options=opts)
    wait = WebDriverWait(browser, 30)
    try:
        # 1. Overview.
        browser.get(a.url + "/")
        fig = lambda key: browser.find_element(By.CSS_SELECTOR, '[data-figure="%s"]' % key).get_attribute("data-value")
        check(int(fig("kept")) == one("SELECT count(*) FROM curation WHERE kept = 1"), "overview: kept = SQL")
        check(int(fig("trajectories")) == one("SELECT count(*) FROM trajectory"), "overview: trajectories = SQL")
        check(int(fig("calls")) == one("SELECT count(*) FROM call"), "overview: calls = SQL")
        check(len(browser.find_elements(By.CSS_SELECTOR, "svg")) >= 4, "overview: charts drawn")
        browser.save_screenshot(os.path.join(a.shots, "serve-overview.png"))

        # 2. The table: one task and a best-score range, through the form.
        task = one("SELECT task FROM trajectory GROUP BY task ORDER BY count(*) DESC LIMIT 1")
        lo, hi = 5.0, 9.0
        browser.get(a.url + "/trajectories")
        Select(browser.find_element(By.NAME, "task")).select_by_value(task)
        browser.find_element(By.NAME, "best_min").send_keys(str(lo))
        browser.find_element(By.NAME, "best_max").send_keys(str(hi))
        browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
        wait.until(lambda b: "best_min" in b.current_url)
        best = "(SELECT max(u.overall) FROM turn u WHERE u.trajectory = t.seq)"
        expected = db.execute("SELECT t.id, %s FROM trajectory t WHERE t.task = ? AND %s >= ? AND %s <= ? ORDER BY t.id" % (best, best, best),
                              (task, lo, hi)).fetchall()
        rows = browser.find_elements(By.CSS_SELECTOR, "table.browse tr[data-id]")
        shown = [(r.get_attribute("data-id"), r.find_element(By.CSS_SELECTOR, '[data-field="best"]').text) for r in rows]
        check([s[0] for s in shown] == [e[0] for e in expected[:len(shown)]] and len(shown) == min(50, len(expected)),
              "table: task=%s, best in [%g, %g]: ids = SQL (%d rows shown of %d)" % (task, lo, hi, len(shown), len(expected)))
        check(all(abs(float(s[1]) - e[1]) < 1e-6 for s, e in zip(shown, expected)), "table: best scores = SQL")
        matches = browser.find_element(By.CSS_SELECTOR, '[data-figure="matches"]').get_attribute("data-value")
        check(int(matches) == len(expected), "table: match count = SQL (%s)" % matches)
        browser.save_screenshot(os.path.join(a.shots, "serve-table.png"))

        # 3. A trajectory of the table, then the next one by key.
        with_sample = db.execute("""
            SELECT t.id FROM trajectory t JOIN sample s ON s.trajectory = t.seq JOIN split_member m ON m.sample = s.seq
            WHERE t.task = ? AND %s BETWEEN ? AND ? ORDER BY t.id LIMIT 1""" % best, (task, lo, hi)).fetchone()
        target = with_sample[0] if with_sample else expected[0][0]
        link = browser.find_elements(By.CSS_SELECTOR, 'tr[data-id="%s"] a' % target)
        if link:
            link[0].click()
        else:
            browser.get(a.url + "/trajectory?id=" + urllib.parse.quote(target, safe=""))
        wait.until(lambda b: "/trajectory?" in b.current_url)
        check(browser.find_element(By.TAG_NAME, "h1").text == "Trajectory " + target, "trajectory page opened: " + target)
        overall = [e.text for e in browser.find_elements(By.CSS_SELECTOR, '[data-field="overall"]')]
        expected_overall = [r[0] for r in db.execute(
            "SELECT u.overall FROM turn u JOIN trajectory t ON t.seq = u.trajectory WHERE t.id = ? AND u.overall IS NOT NULL ORDER BY u.turn",
            (target,))]
        check(len(overall) == len(expected_overall) and all(abs(float(x) - y) < 1e-6 for x, y in zip(overall, expected_overall)),
              "trajectory: overall scores = SQL %s" % overall)
        browser.save_screenshot(os.path.join(a.shots, "serve-trajectory.png"))
        sample_links = [e.get_attribute("href") for e in browser.find_elements(By.CSS_SELECTOR, "a.sample")]
        next_id = one("SELECT id FROM trajectory WHERE id > ? ORDER BY id LIMIT 1", target)
        browser.find_element(By.TAG_NAME, "body").send_keys("j")
        wait.until(lambda b: b.find_element(By.TAG_NAME, "h1").text != "Trajectory " + target)
        check(browser.find_element(By.TAG_NAME, "h1").text == "Trajectory %s" % next_id, "key j: next trajectory is " + str(next_id))

        # 4. A sample of the first trajectory.
        check(len(sample_links) > 0, "trajectory has a selected sample to open")
        if sample_links:
            browser.get(sample_links[0])
            sample_id = urllib.parse.parse_qs(urllib.parse.urlparse(sample_links[0]).query)["id"][0]
            split = browser.find_element(By.CSS_SELECTOR, '[data-field="split"]').text
            shown = browser.find_element(By.CSS_SELECTOR, 'pre[data-format="manifest"]').text
            manifest = os.path.join(a.workdir, "export", split, "manifest.jsonl")
            line = next((l.rstrip("\n") for l in open(manifest) if json.loads(l)["id"] == sample_id), None)
            check(line is not None and json.loads(shown) == json.loads(line), "sample %s: manifest record = export/%s/manifest.jsonl" % (sample_id, split))
            target_text = browser.find_element(By.CSS_SELECTOR, 'pre[data-field="target"]').text
            check(line is not None and target_text.startswith("<think>"), "sample: target text shown")
            browser.save_screenshot(os.path.join(a.shots, "serve-sample.png"))
    finally:
        browser.quit()
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
