"""requirements.lock, what CI and the README install from, pins every dependency
pyproject.toml declares (build backend and dev tools included) at a version it allows,
each with its hashes: a dependency added without refreshing the lock fails here."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$", re.MULTILINE)


def locked() -> dict[str, str]:
    text = (REPO / "requirements.lock").read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    names = [
        *project["build-system"]["requires"],
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
    ]
    return [Requirement(name) for name in names]


@pytest.mark.parametrize("requirement", declared(), ids=str)
def test_every_declared_dependency_is_pinned_at_a_version_it_allows(requirement):
    version = locked().get(canonicalize_name(requirement.name))
    assert version is not None, f"{requirement.name} is not in requirements.lock: refresh it"
    assert requirement.specifier.contains(version, prereleases=True), (
        f"requirements.lock pins {requirement.name}=={version}, outside {requirement.specifier}"
    )


def test_every_pin_has_hashes():
    text = (REPO / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text.split("\n", 1)[1])
    pins = [block for block in blocks if "==" in block.split("\n", 1)[0]]
    assert pins and all("--hash=sha256:" in block for block in pins)
