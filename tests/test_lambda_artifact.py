"""What `sam build` ships is what runs: the Lambda artifact, built by the template's own recipe.

The artifact (functions/Makefile) holds the warta package and every package of
functions/requirements.lock for the template's runtime and CPU. These tests build it for this
machine's CPU, run it in a fresh interpreter of the runtime's Python with nothing but the
artifact on sys.path and Lambda's environment set, and send the corpus through it against the
moto server; `sam build` itself is run once and its arm64 artifact inspected.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from email.parser import Parser
from pathlib import Path

import pytest
from aws_harness import ENVIRONMENT, AwsHarness
from cfnlint.decode import decode
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from test_aws_stack import NOW, aws, local_tree, moto_endpoint  # noqa: F401  (fixtures)

from conftest import EXAMPLE_EVENTS, EXAMPLE_SITE
from support.lambda_artifact import (
    LOCK,
    REPO,
    TEMPLATE,
    build_artifact,
    host_architecture,
    interpreter_command,
    lambda_environment,
    lambda_python,
    runtime_python_version,
    template_architecture,
)

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024  # Lambda quotas: deployment package, unzipped
ELF_MACHINES = {b"\xb7\x00": "aarch64", b"\x3e\x00": "x86_64"}  # e_machine, little-endian
DRIVER = Path(__file__).parent / "support" / "lambda_driver.py"
HARNESS = Path(__file__).parent / "aws_harness.py"


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    return pins


def template_functions() -> dict[str, str]:
    template, errors = decode(str(TEMPLATE))
    assert not errors, errors
    return {
        name: resource["Properties"]["Handler"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The artifact for this machine's CPU (same lock, same recipe as the template's)."""
    return build_artifact(tmp_path_factory.mktemp("lambda") / "artifact", host_architecture())


# --- the lock ---------------------------------------------------------------------------------


def test_the_lock_pins_every_runtime_dependency_of_pyproject_within_its_range() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    pins = locked()
    for requirement in map(Requirement, [*declared, "aws-xray-sdk"]):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in {LOCK.name}: run `make lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_the_lock_is_closed_for_the_runtime(artifact: Path) -> None:
    """Every requirement of every shipped package is shipped (the build installs --no-deps)."""
    environment = {
        "python_version": runtime_python_version(),
        "python_full_version": runtime_python_version() + ".0",
        "platform_machine": template_architecture(),
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    pins = locked()
    shipped = {}
    for metadata_file in artifact.glob("*.dist-info/METADATA"):
        metadata = Parser().parsestr(metadata_file.read_text())
        shipped[canonicalize_name(metadata["Name"])] = metadata["Version"]
        for line in metadata.get_all("Requires-Dist") or []:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            name = canonicalize_name(requirement.name)
            assert name in pins, f"{metadata['Name']} needs {requirement}, which the lock lacks"
            assert requirement.specifier.contains(pins[name], prereleases=True), (line, pins[name])
    assert shipped == pins
    assert Marker("python_version >= '3.12'").evaluate(environment)


def test_the_makefile_builds_for_the_template_runtime_and_cpu() -> None:
    makefile = (REPO / "functions" / "Makefile").read_text()
    assert re.search(rf"^LAMBDA_PYTHON \?= {re.escape(runtime_python_version())}$", makefile, re.M)
    assert re.search(rf"^LAMBDA_ARCH \?= {template_architecture()}$", makefile, re.M)
    template = TEMPLATE.read_text()
    assert template.count("BuildMethod: makefile") == len(template_functions()) == 6


# --- the artifact, run as Lambda runs it ------------------------------------------------------


def test_every_function_imports_its_handler_from_the_artifact_alone(artifact: Path) -> None:
    python = lambda_python()
    size = tree_size(artifact)
    print(f"\nartifact for {host_architecture()}: {size / 1e6:.1f} MB unzipped")
    assert size < LAMBDA_UNZIPPED_LIMIT
    for function, handler in template_functions().items():
        module, _, attribute = handler.rpartition(".")
        probe = (
            f"import sys; sys.path.insert(0, {str(artifact)!r}); import importlib;"
            f" handler = getattr(importlib.import_module({module!r}), {attribute!r});"
            " assert callable(handler); import aws_xray_sdk, lxml.etree;"
            " print(sorted({m.split('.')[0] for m in sys.modules}))"
        )
        env = {**lambda_environment(artifact, handler, function), **ENVIRONMENT}
        env.pop("POWERTOOLS_TRACE_DISABLED")  # Tracer on, as deployed
        result = subprocess.run(
            [*interpreter_command(python), "-c", probe], capture_output=True, text=True, env=env, cwd=artifact
        )
        assert result.returncode == 0, f"{function}: {result.stderr[-2000:]}"


def test_the_corpus_through_the_artifact_gives_the_local_tree_byte_for_byte(
    aws: AwsHarness,  # noqa: F811
    tmp_path: Path,
    artifact: Path,
) -> None:
    expected, _ = local_tree(tmp_path)
    env = {
        **lambda_environment(artifact, "warta.handlers.ingest.handler", "warta-ingest"),
        **{k: v for k, v in os.environ.items() if k.startswith(("AWS_", "WARTA_"))},
        **ENVIRONMENT,
    }
    env.pop("POWERTOOLS_TRACE_DISABLED")
    events = [str(p) for p in sorted(EXAMPLE_EVENTS.glob("*.json"))]
    result = subprocess.run(
        [*interpreter_command(lambda_python()), str(DRIVER), str(artifact), str(HARNESS),
         str(EXAMPLE_SITE), NOW, *events],
        capture_output=True, text=True, env=env, cwd=artifact, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["foreign_modules"] == [], "imported from outside the artifact"
    assert report["sys_path"][0] == str(artifact)
    assert report["xray"], "Tracer did not load the X-Ray SDK as it does on Lambda"
    assert report["batches"] >= 1
    got = aws.bucket_tree()
    assert sorted(got) == sorted(expected)
    for path, body in expected.items():
        assert got[path] == body, path


# --- `sam build` itself, for the template's CPU -------------------------------------------------


def test_sam_build_ships_every_dependency_for_the_template_cpu_and_python(tmp_path: Path) -> None:
    sam = REPO / ".cache" / "sam-cli" / "bin" / "sam"
    if not sam.exists():
        pytest.fail("sam-cli is installed by `make lint-template`, which `make test` runs first")
    build = tmp_path / "build"
    result = subprocess.run(
        [str(sam), "build", "RenderFunction", "-t", str(TEMPLATE), "--build-dir", str(build)],
        capture_output=True, text=True, cwd=REPO, timeout=600,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "requirements.txt file not found" not in result.stdout + result.stderr
    function = build / "RenderFunction"
    shipped = {canonicalize_name(p.name.split("-")[0]) for p in function.glob("*.dist-info")}
    assert shipped == set(locked())
    size = tree_size(function)
    print(f"\nsam build RenderFunction ({template_architecture()}): {size / 1e6:.1f} MB unzipped")
    assert size < LAMBDA_UNZIPPED_LIMIT
    version_tag = "cpython-" + runtime_python_version().replace(".", "")
    bytecode = {p.name for p in (function / "warta" / "handlers" / "__pycache__").glob("*.pyc")}
    assert f"render.{version_tag}.pyc" in bytecode, "shipped without bytecode: every cold start compiles"
    native = [p for p in function.rglob("*") if p.is_file() and p.read_bytes()[:4] == b"\x7fELF"]
    assert native, "no native code: lxml must be there"
    for path in native:
        header = path.read_bytes()[:20]
        assert ELF_MACHINES.get(header[18:20]) == template_architecture(), path
        if path.suffix == ".so" and "cpython-" in path.name:
            assert f"{version_tag}-{template_architecture()}" in path.name, path
    wheel_tags = [
        line.split(": ")[1]
        for wheel in function.glob("*.dist-info/WHEEL")
        for line in wheel.read_text().splitlines()
        if line.startswith("Tag: ")
    ]
    python_tag = "cp" + runtime_python_version().replace(".", "")
    runtime = tuple(int(n) for n in runtime_python_version().split("."))
    for tag in wheel_tags:
        interpreter, abi, platform_tag = tag.split("-")
        if platform_tag == "any":
            continue
        assert template_architecture() in platform_tag, tag
        if abi == "abi3":  # the stable ABI (PEP 384): any CPython at least as new as the tag's
            assert interpreter.startswith("cp3") and (3, int(interpreter[3:])) <= runtime, tag
        else:
            assert interpreter == python_tag, tag
