"""Every session time our browser runtime accepts, the server accepts too.

scorm-again (node_modules, the exact build the player serves) answers SetValue first; when it
says "true" the SCO believes the value is stored, so a server refusal would cost the learner the
whole commit. The runtime is run under Node.js on a list of spans, odd ones included.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from scormlms.scorm.duration import parse_duration
from scormlms.scorm.errors import InvalidValue

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "node_modules" / "scorm-again" / "dist"

# Loads the runtime's browser build in a bare VM context and answers, for each value, whether
# SetValue accepted it.
SCRIPT = """
const fs = require("fs"), vm = require("vm");
const [file, apiName, element, values] = JSON.parse(fs.readFileSync(0, "utf8"));
const ctx = { console, setTimeout, clearTimeout, setInterval, clearInterval, navigator: {},
  document: { addEventListener() {} }, fetch: async () => ({ ok: true, json: async () => ({}) }) };
ctx.window = ctx.self = ctx.globalThis = ctx;
vm.createContext(ctx);
vm.runInContext(fs.readFileSync(file, "utf8"), ctx);
const out = values.map((v) => {
  const api = new ctx[apiName]({ logLevel: 5 });
  api[apiName === "Scorm12API" ? "LMSInitialize" : "Initialize"]("");
  const set = apiName === "Scorm12API" ? "LMSSetValue" : "SetValue";
  return String(api[set](element, v)) === "true";
});
process.stdout.write(JSON.stringify(out));
"""

PARTS = ["", "1", "10", "1.5", "0,5", ".5", "1.", "007"]
ODD = [
    "P", "PT", "P1W", "P1H", "P5M", "PT1.5H", "PT0,5M", "P1DT", "P1Y1W", "PT1.239S",
    "PT10.5S", "PT1,5S", "PT.5S", "pt1s", "PT-1S", "PT1S ", " PT1S", "1H", "P..Y", "P,Y",
    "PT1H1H", "P1M1Y", "PTS", "P1.5.5D", "00:00:01", "0000:00:00.00", "9999:99:99",
    "01:02:03.5", "1:00:00", "10000:00:00", "00:00:00.123", "00:0:00", "00:00:00.",
]  # fmt: skip


def _spans() -> list[str]:
    generated = {
        f"P{y}{'Y' if y else ''}{d}{'D' if d else ''}T{h}{'H' if h else ''}{s}{'S' if s else ''}"
        for y, d, h, s in itertools.product(PARTS[:4], PARTS[:3], PARTS, ["", "1", "1.25"])
    }
    return sorted(generated | set(ODD))


def _runtime_accepts(file: str, api: str, element: str, values: list[str]) -> list[bool]:
    node = shutil.which("node")
    assert node, "Node.js is part of the project's set-up (npm ci)"
    done = subprocess.run(
        [node, "-e", SCRIPT],
        input=json.dumps([str(DIST / file), api, element, values]),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    accepted: list[bool] = json.loads(done.stdout)
    return accepted


def _server_accepts(standard: str, value: str) -> bool:
    try:
        parse_duration(standard, value)
    except InvalidValue:
        return False
    return True


@pytest.mark.parametrize(
    ("standard", "file", "api", "element"),
    [
        ("2004", "scorm2004.js", "Scorm2004API", "cmi.session_time"),
        ("1.2", "scorm12.js", "Scorm12API", "cmi.core.session_time"),
    ],
)
def test_every_session_time_the_runtime_accepts_is_accepted(
    standard: str, file: str, api: str, element: str
) -> None:
    values = _spans()
    runtime = _runtime_accepts(file, api, element, values)
    assert any(runtime) and not all(runtime)  # the runtime really judged the values
    refused = [
        v for v, ok in zip(values, runtime, strict=True) if ok and not _server_accepts(standard, v)
    ]
    assert refused == []
