"""Tessera's safetensors export read back with the ecosystem's readers."""

import csv
import json
import struct
import subprocess
import zlib

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.numpy import load_file

import tessera_torch
from tessera_torch.format import windowed


def index_rows(folder):
    with open(folder / "tokens-index.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_every_field_matches_the_token_map(exported, lidc_slices):
    rows = index_rows(exported)
    assert len(rows) == len(lidc_slices)
    for row in rows:
        path = exported / row["path"]
        tensors = load_file(str(path))
        with safe_open(str(path), framework="np") as f:
            meta = f.metadata()
        token_map = json.loads((exported / row["path"].replace(".tokens.safetensors", ".tokens.json")).read_text())
        tokens = token_map["tokens"]
        n = len(tokens)
        assert int(row["tokens"]) == n == int(meta["token_count"])
        assert set(tensors) == {"patches", "boxes", "level", "score", "code", "certified", "pyramid"}
        assert tensors["patches"].dtype == np.float16 and tensors["patches"].shape == (n, 1, 16, 16)
        assert tensors["boxes"].dtype == np.int16 and tensors["boxes"].shape == (n, 4)
        assert tensors["level"].dtype == np.uint8 and tensors["code"].dtype == np.int32
        assert tensors["score"].dtype == np.float16 and tensors["pyramid"].dtype == np.float16
        np.testing.assert_array_equal(tensors["boxes"], [[t["x"], t["y"], t["w"], t["h"]] for t in tokens])
        np.testing.assert_array_equal(tensors["level"], [t["level"] for t in tokens])
        np.testing.assert_array_equal(tensors["code"], [t.get("code", -1) for t in tokens])
        np.testing.assert_array_equal(tensors["certified"], [0 if t.get("certified") is False else 1 for t in tokens])
        np.testing.assert_array_equal(tensors["score"], np.array([t["score"] for t in tokens], dtype=np.float16))
        np.testing.assert_array_equal(tensors["pyramid"], np.array([t["features"] for t in tokens], dtype=np.float32).astype(np.float16))
        # Metadata: strings, as the format requires; the ones a loader parses are JSON.
        assert meta["schema"] == "tessera.tokens/1" and meta["tokenmap_schema"] == token_map["schema"]
        assert (int(meta["image_rows"]), int(meta["image_columns"])) == (token_map["image"]["rows"], token_map["image"]["columns"])
        assert json.loads(meta["pixel_spacing_mm"]) == token_map["image"]["pixelSpacingMM"]
        assert meta["modality"] == "CT" and meta["region"] == token_map["assessment"]["region"]
        assert meta["profile"] == token_map["profile"]["name"] and meta["profile_sha256"] == token_map["profile"]["sha256"]
        assert json.loads(meta["normalization"])["window"] == [-1000, 400]
        assert int(meta["base_patch"]) == token_map["basePatch"] == 16
        assert json.loads(meta["pyramid_features"]) == token_map["stats"]["featureNames"]
        assert meta["sop_instance_uid"] == token_map["source"]["sopInstanceUID"]


def test_load_parses_the_metadata(exported):
    row = index_rows(exported)[0]
    sample = tessera_torch.load(exported / row["path"])
    meta = sample["meta"]
    assert meta["image_rows"] == 512 and meta["token_count"] == sample["patches"].shape[0]
    assert meta["normalization"]["window"] == [-1000, 400] and meta["conservative"] is False
    assert tessera_torch.read_metadata(exported / row["path"]) == meta


def check_pasted_back(sample, image):
    """Pasted-back patches equal the windowed image where tokens are 16 px
    and its 2^k block means where they are larger; returns the level counts."""
    pasted = tessera_torch.paste_back(sample).numpy()
    boxes, levels = sample["boxes"].long().numpy(), sample["level"].numpy()
    fine = np.zeros(image.shape, bool)
    for (x, y, w, h), level in zip(boxes, levels):  # the check walks tokens; the library never does
        block = (slice(y, y + h), slice(x, x + w))
        if level == 0:
            fine[block] = True
            continue
        scale = 1 << level
        means = image[block].reshape(h // scale, scale, w // scale, scale).mean(axis=(1, 3))
        expected = np.repeat(np.repeat(means, scale, 0), scale, 1)
        np.testing.assert_allclose(pasted[block], expected.astype(np.float16), atol=1e-3)
    np.testing.assert_array_equal(pasted[fine], image.astype(np.float16).astype(np.float32)[fine])
    return np.bincount(levels, minlength=4), np.isnan(pasted)


def test_ct_patches_pasted_back_are_the_windowed_slice(exported):
    pydicom = pytest.importorskip("pydicom", reason="pydicom reads the source slice")
    for row in index_rows(exported)[:3]:
        sample = tessera_torch.load(exported / row["path"])
        ds = pydicom.dcmread(sample["meta"]["source_path"])
        hu = ds.pixel_array.astype(np.float32) * np.float32(ds.RescaleSlope) + np.float32(ds.RescaleIntercept)
        image = windowed(hu, sample["meta"])
        per_level, dropped = check_pasted_back(sample, image)
        assert per_level[0] == sample["patches"].shape[0]  # the CT profile keeps LIDC's tissue at 16 px
        assert dropped.any() and image[dropped].mean() < 0.05  # dropped background is air (about -1000 HU)


def write_grey_png(values, path):
    rows, cols = values.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in values)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_coarse_patches_pasted_back_are_block_means(tessera, tmp_path):
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[:512, :512]
    image = 110 + rng.integers(0, 3, (512, 512))
    image[(yy - 300) ** 2 + (xx - 200) ** 2 < 30 ** 2] = 220
    image[:, :40] = 0
    write_grey_png(image.astype(np.uint8), tmp_path / "flat.png")
    run = subprocess.run([tessera, "tokenize", str(tmp_path / "flat.png"), "--output", str(tmp_path / "flat.json"),
                          "--export", str(tmp_path / "flat.safetensors")], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    sample = tessera_torch.load(tmp_path / "flat.safetensors")
    per_level, _ = check_pasted_back(sample, windowed(image.astype(np.float32), sample["meta"]))
    assert per_level[0] > 0 and per_level[1:].sum() > 0
