#!/usr/bin/env python3
"""A fault test of an emulated Azure Sphere device, written against the
sphere-emu control API (docs/control-api.md) with Python's standard library
only.

It starts `sphere-emu boot IMAGE --control 127.0.0.1:0` as a subprocess,
runs the device (paused between requests) until the app starts, injects a
power cut, checks that the device reboots and the app runs again, and
asserts on the LED's GPIO and on button A.

    python3 examples/python/test_control.py        # from the repository root

Environment: SPHERE_EMU names the sphere-emu binary (default: sphere-emu on
PATH); SPHERE_EMU_IMAGE the image (default:
testdata/images/button-blink.bin next to this repository's examples).
"""

import json
import os
import re
import subprocess
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGE = os.environ.get(
    "SPHERE_EMU_IMAGE",
    os.path.join(HERE, "..", "..", "testdata", "images", "button-blink.bin"))
BINARY = os.environ.get("SPHERE_EMU", "sphere-emu")
LED = 8  # LED 1 red on the RDB (active-low)


class Device:
    """A sphere-emu process serving the control API."""

    def __init__(self, image, seed=1):
        self.proc = subprocess.Popen(
            [BINARY, "boot", "-q", "--seed", str(seed), "--control", "127.0.0.1:0", image],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in self.proc.stderr:  # the first line names the address
            m = re.search(r"control API on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        else:
            raise RuntimeError("sphere-emu exited before serving the control API")

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def post(self, path, body=None):
        status, answer = self.call("POST", path, body if body is not None else {})
        assert status == 200, (path, status, answer)
        return answer

    def get(self, path):
        status, answer = self.call("GET", path)
        assert status == 200, (path, status, answer)
        return answer

    def run_until(self, event, within="5s", **fields):
        ev = {"event": event}
        if fields:
            ev["fields"] = {k: str(v) for k, v in fields.items()}
        return self.post("/v1/run", {"event": ev, "for": within})

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("POST", "/v1/quit", {})
            except OSError:
                pass
        self.proc.stderr.close()
        return self.proc.wait(timeout=30)


class PowerCutTest(unittest.TestCase):
    def setUp(self):
        self.dev = Device(IMAGE)

    def tearDown(self):
        self.dev.close()

    def test_power_cut_reboots_and_the_led_blinks_again(self):
        dev = self.dev
        state = dev.post("/v1/pause")
        self.assertEqual(state["mode"], "paused")
        self.assertEqual(state["time_ns"], 0)

        run = dev.run_until("app.start")
        self.assertEqual(run["stop"], "event")
        self.assertTrue(run["state"]["verdict"]["app_running"])

        run = dev.run_until("gpio.set", gpio=LED)
        self.assertEqual(run["stop"], "event")
        pin = dev.get("/v1/gpio/%d" % LED)
        self.assertEqual(pin["direction"], "output")
        self.assertEqual(pin["led"], "LED1 red")

        # A power cut now (a fault of a fault plan, docs/faults.md),
        # powered again 20 ms later.
        armed = dev.post("/v1/fault", {"name": "brown-out",
                                       "action": {"power": {"off_for": "20ms"}}})
        self.assertTrue(armed["armed"])
        cut = dev.run_until("power.cut", within="1s")
        self.assertEqual(cut["stop"], "event")
        self.assertFalse(cut["state"]["verdict"]["powered"])
        self.assertFalse(cut["state"]["verdict"]["app_running"])

        reset = dev.run_until("power.reset", within="1s")
        self.assertEqual(reset["event"]["reason"], "power cut")
        self.assertGreaterEqual(reset["event"]["t"] - cut["event"]["t"], 20_000_000)

        run = dev.run_until("app.start")
        verdict = run["state"]["verdict"]
        self.assertTrue(verdict["app_running"])
        self.assertEqual(verdict["reboots"], 1)
        self.assertEqual(verdict["power_cuts"], 1)
        self.assertFalse(verdict["halted"])
        self.assertNotIn("panics", verdict)

        # The LED blinks again after the reboot: two sets, opposite levels.
        first = dev.run_until("gpio.set", gpio=LED)["event"]
        second = dev.run_until("gpio.set", gpio=LED)["event"]
        self.assertNotEqual(first["value"], second["value"])
        self.assertEqual(dev.get("/v1/gpio/%d" % LED)["level"], second["value"])

        # Button A changes the blink period.
        dev.post("/v1/button/a", {"action": "click", "hold": "50ms"})
        run = dev.run_until("app.log", within="1s", line="Blink period: 250 ms")
        self.assertEqual(run["stop"], "event")

        injected = dev.get("/v1/trace?event=fault.inject&limit=10000")["events"]
        self.assertEqual([e["name"] for e in injected], ["brown-out"])

    def test_a_malformed_request_is_refused(self):
        status, answer = self.dev.call("POST", "/v1/run", {"for": "soon"})
        self.assertEqual(status, 400)
        self.assertIn("not a duration", answer["error"])
        self.assertEqual(self.dev.get("/v1/state")["time_ns"], 0)


if __name__ == "__main__":
    unittest.main()
