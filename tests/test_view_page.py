#!/usr/bin/env python3
"""test_view_page.py VADSIM_VIEW SOURCE_ROOT [SCREENSHOT_DIR] - a lesson's web page in a real
browser.

Writes lesson 17's page with `vadsim-view --html`, opens it in headless Chromium (Debian's
package), and drives it through the DevTools protocol over a pipe (--remote-debugging-pipe: no
port, no library): presses keys and clicks buttons as a student would, and checks after each what
the page shows - the step, its picture, its narration, its tables - and that the page asked for
nothing over the network and raised no error. With SCREENSHOT_DIR it saves what it saw there.
Skipped (exit 77) where Chromium is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
TIMEOUT = 60  # seconds for the browser to answer one command


class Browser:
    """Chromium, headless, spoken to through its DevTools pipe (fds 3 and 4 on its side)."""

    def __init__(self, executable, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def plumb():
            # In the child: fd 3 reads our commands, fd 4 writes the answers. The copies first,
            # as the pipes may be 3 or 4 already; dup2 makes the two inherited by the browser,
            # while every other end of the pipes is closed when it starts (os.pipe's are
            # close-on-exec).
            commands, answers = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(commands, 3)
            os.dup2(answers, 4)

        self.process = subprocess.Popen(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--mute-audio",
             "--user-data-dir=" + profile, "--remote-debugging-pipe", "--window-size=1400,1000",
             "about:blank"],
            close_fds=False, preexec_fn=plumb,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("the browser did not answer")
            chunk = os.read(self.from_browser, 65536)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method, params=None, session=True):
        """Sends a command and returns its result, keeping the events that came meanwhile."""
        self.next_id += 1
        command = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            command["sessionId"] = self.session
        os.write(self.to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def key(self, name, code):
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent",
                      {"type": kind, "key": name, "code": name if name != " " else "Space",
                       "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code})

    def click(self, selector):
        box = self.evaluate(f"(function(){{var r=document.querySelector('{selector}')"
                            ".getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2];})()")
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent",
                      {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1})

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# What the page shows: the visible section, the header's step, its picture's and text's words.
SHOWN = """(function(){
  var shown=[].filter.call(document.querySelectorAll('section.step'),function(s){return !s.hidden;});
  var s=shown[0];
  return {count:shown.length, id:s?s.id:null, where:document.getElementById('where').textContent,
          heading:s?s.querySelector('h2').textContent:'',
          picture:s?s.querySelector('svg').textContent:'',
          narration:s&&s.querySelector('.narration')?s.querySelector('.narration').textContent:'',
          tables:s?s.querySelectorAll('table').length:0,
          hash:location.hash, prev:document.getElementById('prev').disabled,
          next:document.getElementById('next').disabled};
})()"""


def check(condition, what, shown):
    if not condition:
        print(f"FAIL: {what}; the page shows {json.dumps(shown)[:600]}")
        sys.exit(1)


def drive(browser, page, shots):
    target = browser.send("Target.createTarget", {"url": "about:blank"}, session=False)
    attached = browser.send("Target.attachToTarget",
                            {"targetId": target["targetId"], "flatten": True}, session=False)
    browser.session = attached["sessionId"]
    for domain in ("Page", "Runtime", "Network"):
        browser.send(domain + ".enable")
    browser.send("Page.navigate", {"url": "file://" + page})
    deadline = time.monotonic() + TIMEOUT
    while browser.evaluate("document.readyState") != "complete":
        check(time.monotonic() < deadline, "the page loads", {})
        time.sleep(0.1)

    def shot(name):
        if shots:
            data = browser.send("Page.captureScreenshot", {"format": "png"})["data"]
            with open(os.path.join(shots, name), "wb") as f:
                import base64
                f.write(base64.b64decode(data))

    s = browser.evaluate(SHOWN)
    check(s["count"] == 1 and s["id"] == "lesson-step-0" and s["where"] == "Title", "the title first", s)
    check("ring buffer" in s["heading"] and s["prev"] and not s["next"], "the title card", s)
    check("Press Space to begin" in s["picture"], "the title card's picture", s)
    shot("page-title.png")
    browser.key("ArrowRight", 39)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-1" and s["where"] == "Step 1 of 6" and s["hash"] == "#step-1",
          "ArrowRight shows step 1", s)
    check("Step 1 of 6" in s["picture"] and "CreateFileMapping" in s["narration"],
          "step 1's picture and narration", s)
    check(s["tables"] >= 1, "step 1's summary table", s)
    for _ in range(3):
        browser.key(" ", 32)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-4" and "views of section 1" in s["picture"],
          "Space three times: step 4, its two views joined", s)
    check("write(p + 0x1234, 0x5A)" in s["narration"], "step 4's narration", s)
    shot("page-step-4.png")
    browser.key("ArrowLeft", 37)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-3", "ArrowLeft goes back", s)
    browser.key("End", 35)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-6" and s["next"] and not s["prev"], "End: the last step", s)
    browser.key("ArrowRight", 39)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-6", "past the last step it stays", s)
    browser.click("#prev")
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-5", "the Back button", s)
    browser.key("Home", 36)
    browser.click("#next")
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-1", "Home, then the Next button", s)
    browser.send("Page.navigate", {"url": "file://" + page + "#step-2"})
    time.sleep(0.3)
    s = browser.evaluate(SHOWN)
    check(s["id"] == "lesson-step-2", "a link to #step-2 opens step 2", s)

    fetched = [e["params"]["request"]["url"] for e in browser.events
               if e.get("method") == "Network.requestWillBeSent"]
    elsewhere = [u for u in fetched if not u.startswith(("file:", "about:", "data:"))]
    check(not elsewhere, "nothing fetched from elsewhere", {"fetched": elsewhere})
    errors = [e["params"] for e in browser.events if e.get("method") == "Runtime.exceptionThrown"]
    check(not errors, "no script error", {"errors": errors})


def main():
    if len(sys.argv) < 3:
        print("usage: test_view_page.py VADSIM_VIEW SOURCE_ROOT [SCREENSHOT_DIR]")
        return 2
    view, root = os.path.abspath(sys.argv[1]), sys.argv[2]
    shots = sys.argv[3] if len(sys.argv) > 3 else None
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        print("chromium missing: skipped (scripts/bootstrap.sh installs it)")
        return SKIP
    with tempfile.TemporaryDirectory() as work:
        page = os.path.join(work, "ring-buffer.html")
        subprocess.run([view, os.path.join(root, "scenarios", "17-ring-buffer.vsim"),
                        "--html", page, "--size", "1280x720"], check=True)
        browser = Browser(executable, os.path.join(work, "profile"))
        try:
            drive(browser, page, shots)
        finally:
            browser.close()
    print("page: title card, keys, buttons and links step as they should; nothing fetched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
