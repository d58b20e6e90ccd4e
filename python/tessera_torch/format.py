"""Reading tessera.tokens/1 files (docs/tokens-format.md) and going back to pixels."""

import json
import struct

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import load_file

SCHEMA = "tessera.tokens/1"

# Metadata values are strings (the format's rule); these hold JSON or numbers.
_JSON_FIELDS = ("normalization", "pixel_spacing_mm", "pyramid_features")
_INT_FIELDS = ("image_rows", "image_columns", "base_patch", "channels", "source_frame", "token_count",
               "uniform_token_count")


def _parse_metadata(raw):
    meta = dict(raw or {})
    if meta.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} file (schema {meta.get('schema')!r})")
    for key in _JSON_FIELDS:
        if key in meta:
            meta[key] = json.loads(meta[key])
    for key in _INT_FIELDS:
        if key in meta:
            meta[key] = int(meta[key])
    if "conservative" in meta:
        meta["conservative"] = meta["conservative"] == "true"
    return meta


def read_metadata(path):
    """The parsed header metadata alone: reads the header, not the tensors."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > 100 << 20:
            raise ValueError(f"{path}: safetensors header of {length} bytes is implausible")
        header = json.loads(f.read(length))
    return _parse_metadata(header.get("__metadata__"))


def load(path, device="cpu"):
    """All tensors of one file plus its metadata.

    Returns a dict: ``patches`` f16 [N, C, P, P], ``boxes`` [N, 4] (x, y, w, h),
    ``level`` u8 [N], ``score`` f16 [N], ``code`` i32 [N], ``certified`` u8 [N],
    ``pyramid`` f16 [N, F] when present, and ``meta`` (parsed metadata).
    """
    tensors = load_file(str(path), device=device)
    with safe_open(str(path), framework="pt") as f:
        tensors["meta"] = _parse_metadata(f.metadata())
    return tensors


def paste_back(sample):
    """The normalised image the tokens describe, [rows, columns] float32.

    Exact where tokens are basePatch wide; the block mean of each 2^k x 2^k
    block where they are larger (a patch pixel is that mean); NaN where no
    token lies (dropped background). One pass per level, no per-token loop.
    """
    meta = sample["meta"]
    rows, cols = meta["image_rows"], meta["image_columns"]
    image = torch.full((rows, cols), float("nan"), dtype=torch.float32)
    patches = sample["patches"].float()[:, 0]
    boxes = sample["boxes"].long()
    levels = sample["level"].long()
    side = patches.shape[-1]
    for level in torch.unique(levels).tolist():
        pick = levels == level
        scale = 1 << level
        blocks = patches[pick].repeat_interleave(scale, dim=1).repeat_interleave(scale, dim=2)
        span = torch.arange(side * scale)
        ys = boxes[pick, 1, None, None] + span[None, :, None]
        xs = boxes[pick, 0, None, None] + span[None, None, :]
        ys, xs = ys.expand_as(blocks), xs.expand_as(blocks)
        # Tokens clipped by the image border carry repeated edge pixels: keep the part inside.
        inside = (ys < rows) & (xs < cols)
        image[ys[inside], xs[inside]] = blocks[inside]
    return image


def grid_tokens(image, patch=16):
    """A uniform grid of patch x patch tokens over an image [rows, columns]
    (rows and columns multiples of `patch`), in the same dict layout as
    `load`: the baseline a fixed-grid ViT sees."""
    image = torch.as_tensor(image, dtype=torch.float32)
    rows, cols = image.shape
    gh, gw = rows // patch, cols // patch
    patches = image[: gh * patch, : gw * patch].reshape(gh, patch, gw, patch).permute(0, 2, 1, 3).reshape(-1, 1, patch, patch)
    yy, xx = torch.meshgrid(torch.arange(gh) * patch, torch.arange(gw) * patch, indexing="ij")
    n = gh * gw
    boxes = torch.stack([xx.reshape(-1), yy.reshape(-1), torch.full((n,), patch), torch.full((n,), patch)], dim=1).to(torch.int16)
    return {
        "patches": patches.to(torch.float16),
        "boxes": boxes,
        "level": torch.zeros(n, dtype=torch.uint8),
        "meta": {"image_rows": rows, "image_columns": cols, "base_patch": patch, "schema": SCHEMA},
    }


def windowed(values, meta):
    """Stored values (CT: HU) through the file's normalisation, in float32
    arithmetic as Tessera does it: (x - low) * float32(1 / (high - low)),
    clipped to [0, 1] (inverted for MONOCHROME1)."""
    norm = meta["normalization"]
    lo, hi = norm["window"]
    x = np.asarray(values, dtype=np.float32)
    v = np.clip((x - np.float32(lo)) * np.float32(1.0 / (hi - lo)), np.float32(0), np.float32(1))
    return np.float32(1) - v if norm.get("invert") else v
