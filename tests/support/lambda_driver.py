"""Runs inside the Lambda artifact: `python3.12 -I -S lambda_driver.py ARTIFACT HARNESS SITE NOW EVENT...`.

The interpreter sees only the standard library; this script puts the artifact alone on sys.path,
then drives the corpus through the handlers as AWS would (tests/aws_harness.py's event shapes,
loaded from its file so the tests folder stays off sys.path): ingest from every entry point,
render from the FIFO queue, one schedule tick, render again. It prints one JSON line: the
handlers' answers and every imported module that came from outside the artifact and stdlib.
"""

import importlib.util
import json
import sys
import sysconfig
from datetime import datetime
from pathlib import Path


def main() -> None:
    artifact, harness_file, site_toml, now = sys.argv[1:5]
    events = [Path(p) for p in sys.argv[5:]]
    sys.path.insert(0, artifact)
    from warta.handlers import runtime, schedule

    fixed = datetime.fromisoformat(now)
    runtime.now = lambda: fixed  # the clock `warta publish --now` is given
    spec = importlib.util.spec_from_file_location("aws_harness", harness_file)
    assert spec and spec.loader
    harness_module = importlib.util.module_from_spec(spec)
    sys.modules["aws_harness"] = harness_module  # dataclasses look their module up there
    spec.loader.exec_module(harness_module)
    import os

    aws = harness_module.AwsHarness(Path(site_toml))
    aws.render_queue = os.environ["WARTA_RENDER_QUEUE_URL"]
    harness_module.send_corpus_through_every_entry_point(aws, events, now)
    batches = aws.drain_render_queue()
    released = schedule.handler({"source": "aws.scheduler"}, aws.context)
    batches += aws.drain_render_queue()
    stdlib = sysconfig.get_paths()["stdlib"]
    foreign = sorted(
        name
        for name, module in list(sys.modules.items())
        if (path := getattr(module, "__file__", None))
        and not path.startswith((artifact, stdlib))
        and Path(path).resolve() not in (Path(harness_file).resolve(), Path(__file__).resolve())
    )
    print(json.dumps({"batches": batches, "schedule": released, "foreign_modules": foreign,
                      "sys_path": sys.path, "xray": "aws_xray_sdk" in sys.modules}))  # fmt: skip


if __name__ == "__main__":
    main()
