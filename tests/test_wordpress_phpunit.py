"""The plugin's pure PHP (signature, backoff, outbox transitions, revision rule) under Debian's
PHPUnit (integrations/wordpress/tests/unit/), and its signature checked by warta's own rule."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from warta.app.webhook_rules import signature_problem

REPO = Path(__file__).resolve().parent.parent
UNIT = REPO / "integrations/wordpress/tests/unit"
PHPUNIT = shutil.which("phpunit")
PHP = shutil.which("php")


@pytest.mark.skipif(
    PHPUNIT is None,
    reason="phpunit not installed (tools/wordpress/setup.sh installs Debian's phpunit as root)",
)
def test_the_plugins_phpunit_suite_passes() -> None:
    result = subprocess.run(
        [str(PHPUNIT), "--configuration", str(UNIT / "phpunit.xml.dist")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counted = re.search(r"^OK \((\d+) tests?, \d+ assertions?\)$", result.stdout, re.MULTILINE)
    assert counted and int(counted.group(1)) >= 20, result.stdout


@pytest.mark.skipif(
    PHP is None, reason="php-cli not installed (tools/wordpress/setup.sh installs it as root)"
)
def test_the_plugins_signed_headers_pass_wartas_webhook_check() -> None:
    body = '{"event_id":"wp-1-r1","title":"Harga \u201caman\u201d \\u00e9"}'
    script = (
        f"require '{REPO}/integrations/wordpress/warta/includes/delivery.php';"
        "echo json_encode(warta_signed_headers('e2e-secret', time(), stream_get_contents(STDIN)));"
    )
    result = subprocess.run(
        [str(PHP), "-r", script], input=body.encode(), capture_output=True, check=True, timeout=60
    )
    headers = {name.lower(): value for name, value in json.loads(result.stdout).items()}
    assert signature_problem(headers, body.encode(), lambda: b"e2e-secret", time.time()) is None
    assert signature_problem(headers, body.encode() + b" ", lambda: b"e2e-secret", time.time()) == (
        "signature does not match"
    )
