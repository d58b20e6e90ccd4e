"""Datasets, token-budget batching and collation for tessera.tokens/1 files.

Everything here works on whole tensors: Python loops run over images (to
concatenate them), never over tokens.
"""

import csv
import os

import torch

from .format import load, read_metadata


class TesseraDataset(torch.utils.data.Dataset):
    """The safetensors files of a batch output folder (through its
    tokens-index.csv), an index CSV itself (tokens-index.csv, or the
    cases.csv of `tessera validate --export`), or a list of paths.

    `token_counts` come from the index (or the files' headers), so a sampler
    can plan batches without loading tensors. `label`: optional callable
    path -> int (or tensor), stored as ``sample["label"]``.
    """

    def __init__(self, source, label=None):
        self.label = label
        if isinstance(source, (list, tuple)):
            self.paths = [str(p) for p in source]
            self.token_counts = [read_metadata(p)["token_count"] for p in self.paths]
            return
        source = str(source)
        index = os.path.join(source, "tokens-index.csv") if os.path.isdir(source) else source
        if os.path.isdir(source) and not os.path.exists(index):
            raise FileNotFoundError(f"{source} has no tokens-index.csv: run tessera batch --outputs tokens,safetensors into it")
        root = os.path.dirname(os.path.abspath(index))
        with open(index, newline="") as f:
            rows = list(csv.DictReader(f))
        self.paths = [os.path.join(root, r["path"]) for r in rows]
        # tokens-index.csv and validate's cases.csv carry the counts; other
        # lists of paths are read from the files' headers.
        self.token_counts = [int(r["tokens"]) if r.get("tokens") else read_metadata(p)["token_count"]
                             for r, p in zip(rows, self.paths)]

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        sample = load(self.paths[i])
        sample["path"] = self.paths[i]
        if self.label is not None:
            sample["label"] = torch.as_tensor(self.label(self.paths[i]))
        return sample


def first_fit_decreasing(lengths, capacity):
    """Bins (lists of indices) whose lengths sum to at most `capacity`
    (a longer item gets a bin of its own). First-fit decreasing: at most
    11/9 of the optimal bin count plus one."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    bins, room = [], []
    for i in order:
        n = lengths[i]
        for b in range(len(bins)):
            if room[b] >= n:
                bins[b].append(i)
                room[b] -= n
                break
        else:
            bins.append([i])
            room.append(capacity - n)
    return bins


class TokenBudgetSampler(torch.utils.data.Sampler):
    """Batches of about `max_tokens` tokens (each image counts its tokens
    plus one class token), not a fixed number of images. Batches are packed
    first-fit decreasing; with `shuffle`, the images are shuffled into
    chunks first (so packing mixes them) and the batch order is shuffled
    every epoch (call `set_epoch`)."""

    def __init__(self, token_counts, max_tokens, shuffle=False, seed=0, chunk=None):
        self.lengths = [int(n) + 1 for n in token_counts]
        self.max_tokens = int(max_tokens)
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0
        self.chunk = chunk or max(64, 8 * max(1, sum(self.lengths) // max(self.max_tokens, 1)))

    def set_epoch(self, epoch):
        self.epoch = epoch

    def _batches(self):
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        order = torch.randperm(len(self.lengths), generator=g).tolist() if self.shuffle else list(range(len(self.lengths)))
        batches = []
        for start in range(0, len(order), self.chunk):
            part = order[start:start + self.chunk]
            for b in first_fit_decreasing([self.lengths[i] for i in part], self.max_tokens):
                batches.append([part[j] for j in b])
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches), generator=g).tolist()]
        return batches

    def __iter__(self):
        return iter(self._batches())

    def __len__(self):
        return len(self._batches())


def _image_sizes(samples):
    return torch.tensor([[s["meta"]["image_rows"], s["meta"]["image_columns"]] for s in samples], dtype=torch.long)


def _labels(samples, out):
    if all("label" in s for s in samples):
        out["label"] = torch.stack([torch.as_tensor(s["label"]) for s in samples])
    return out


def collate_packed(samples):
    """All images' tokens back to back, for attention per image.

    Returns ``patches`` [T, C, P, P], ``boxes`` [T, 4] int32, ``level`` [T],
    ``image_index`` [T] (the image of each token), ``token_index`` [T] (its
    place in the packed sequence, where each image's class token comes first),
    ``cu_seqlens`` int32 [B+1] (sequence starts, class tokens included),
    ``max_seqlen``, ``cls_index`` [B] and ``image_size`` [B, 2] (rows, columns).
    """
    counts = torch.tensor([s["patches"].shape[0] for s in samples], dtype=torch.long)
    image_index = torch.repeat_interleave(torch.arange(len(samples)), counts)
    cu = torch.zeros(len(samples) + 1, dtype=torch.int32)
    cu[1:] = torch.cumsum(counts + 1, 0)
    out = {
        "patches": torch.cat([s["patches"] for s in samples]),
        "boxes": torch.cat([s["boxes"].to(torch.int32) for s in samples]),
        "level": torch.cat([s["level"].to(torch.long) for s in samples]),
        "image_index": image_index,
        "token_index": torch.arange(int(counts.sum())) + image_index + 1,
        "cu_seqlens": cu,
        "max_seqlen": int((counts + 1).max()),
        "cls_index": cu[:-1].to(torch.long),
        "image_size": _image_sizes(samples),
    }
    return _labels(samples, out)


def collate_padded(samples):
    """Images padded to the longest token count: ``patches`` [B, L, C, P, P],
    ``boxes`` [B, L, 4], ``level`` [B, L], ``valid`` [B, L] bool and
    ``image_size``. For a key-masked attention (slower than packed; kept
    for comparison and for models that need a rectangle)."""
    counts = [s["patches"].shape[0] for s in samples]
    length = max(counts)

    def pad(t, fill=0):
        out = t.new_full((length,) + tuple(t.shape[1:]), fill)
        out[: t.shape[0]] = t
        return out

    valid = torch.arange(length)[None, :] < torch.tensor(counts)[:, None]
    out = {
        "patches": torch.stack([pad(s["patches"]) for s in samples]),
        "boxes": torch.stack([pad(s["boxes"].to(torch.int32)) for s in samples]),
        "level": torch.stack([pad(s["level"].to(torch.long)) for s in samples]),
        "valid": valid,
        "image_size": _image_sizes(samples),
    }
    return _labels(samples, out)


def collate_naflex(samples):
    """The input dict of timm's NaFlexViT: ``patches`` [B, L+1, P*P*C]
    (flattened patch-row-major, channels last), ``patch_coord`` [B, L+1, 2]
    (y, x of the token centre's basePatch cell; invalid slots hold the
    image's last cell) and ``patch_valid`` [B, L+1].
    NaFlexViT sees each token's position but not its size; TesseraViT sees both."""
    padded = collate_padded(samples)
    b, length, c, p, _ = padded["patches"].shape
    boxes = padded["boxes"].long()
    centre = torch.stack([boxes[..., 1] + boxes[..., 3] // 2, boxes[..., 0] + boxes[..., 2] // 2], dim=-1) // p
    # NaFlexViT infers each image's grid from its largest coordinate, padding
    # slots included: one extra invalid slot per image carries the image's
    # last grid cell, so that background dropped at the bottom or right edge
    # does not shrink the grid its position embedding is stretched over.
    last = (padded["image_size"] + p - 1) // p - 1
    coords = torch.cat([centre, last[:, None, :]], dim=1)
    valid = torch.cat([padded["valid"], torch.zeros(b, 1, dtype=torch.bool)], dim=1)
    coords = torch.where(valid[..., None], coords, last[:, None, :])
    flat = padded["patches"].float().permute(0, 1, 3, 4, 2).reshape(b, length, p * p * c)
    out = {
        "patches": torch.cat([flat, flat.new_zeros(b, 1, p * p * c)], dim=1),
        "patch_coord": coords,
        "patch_valid": valid,
    }
    return _labels(samples, out)
