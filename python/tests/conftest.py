"""Test set-up: the Tessera binary and the data it reads."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def tessera_binary():
    """The CLI the tests drive: $TESSERA_BIN, else the package's release or debug build."""
    for candidate in (os.environ.get("TESSERA_BIN"), REPO / ".build/release/tessera", REPO / ".build/debug/tessera"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


@pytest.fixture(scope="session")
def tessera():
    binary = tessera_binary()
    if binary is None:
        pytest.skip("no tessera binary: build it (swift build) or set TESSERA_BIN")
    return binary


@pytest.fixture(scope="session")
def lidc_slices():
    folder = REPO / "SampleStudies/ct/lidc-idri-0001"
    files = sorted(folder.glob("*.dcm"))
    if not files:
        pytest.skip(f"{folder} has no slices")
    return files


@pytest.fixture(scope="session")
def exported(tessera, lidc_slices, tmp_path_factory):
    """LIDC-IDRI-0001's bundled slices through `tessera batch --outputs tokens,safetensors`."""
    out = tmp_path_factory.mktemp("vit-batch")
    run = subprocess.run([tessera, "batch", str(lidc_slices[0].parent), "--output", str(out), "--outputs",
                          "tokens,safetensors", "--no-progress", "--jobs", "2"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return out
