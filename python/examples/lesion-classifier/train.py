"""Grid ViT against TesseraViT on the same task, data, model and schedule.

Inputs: a `tessera validate --export` folder (slices with an inserted nodule,
cases.csv) and a `tessera batch --outputs tokens,safetensors` folder (the
same slices without, tokens-index.csv). Slices are split by position in the
series (train: the first 75%, test: the rest), so no slice is in both.
"""

import argparse
import copy
import csv
import os
import time

import numpy as np
import torch

from tessera_torch import TesseraViT, collate_packed, import_timm, load, paste_back


def samples(lesion_dir, clean_dir):
    """(sample, label, slice key) for both folders."""
    out = []
    with open(os.path.join(lesion_dir, "cases.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if int(row["lesions"]) > 0:
                out.append((load(os.path.join(lesion_dir, row["path"])), 1, os.path.basename(row["image"])))
    with open(os.path.join(clean_dir, "tokens-index.csv"), newline="") as f:
        for row in csv.DictReader(f):
            out.append((load(os.path.join(clean_dir, row["path"])), 0, os.path.basename(row["input"])))
    return out


def auc(scores, labels):
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    pos, neg = scores[labels == 1], scores[labels == 0]
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return greater / (len(pos) * len(neg))


def flip(sample, generator):
    """Left-right flip (augmentation) of a token sample: boxes mirrored, patches flipped."""
    if torch.rand(1, generator=generator).item() < 0.5:
        return sample
    boxes = sample["boxes"].clone().to(torch.int32)
    boxes[:, 0] = sample["meta"]["image_columns"] - boxes[:, 0] - boxes[:, 2]
    return {**sample, "patches": sample["patches"].flip(-1), "boxes": boxes}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lesion_dir")
    parser.add_argument("clean_dir")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    data = samples(args.lesion_dir, args.clean_dir)
    keys = sorted({k for _, _, k in data})
    train_keys = set(keys[: int(len(keys) * 0.75)])
    train = [(s, y) for s, y, k in data if k in train_keys]
    test = [(s, y) for s, y, k in data if k not in train_keys]
    print(f"train: {len(train)} slices ({sum(y for _, y in train)} with a nodule); "
          f"test: {len(test)} ({sum(y for _, y in test)} with a nodule)")

    timm = import_timm()
    base = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=512, in_chans=1, num_classes=1,
                             embed_dim=128, depth=4, num_heads=4, mlp_ratio=2.0)
    grid_model, tessera_model = copy.deepcopy(base), TesseraViT(copy.deepcopy(base))

    def grid_batch(items):
        images = torch.stack([paste_back(s).nan_to_num(0.0) for s in items])[:, None]
        return images

    runs = {}
    for name, model in (("grid", grid_model), ("tessera", tessera_model)):
        generator = torch.Generator().manual_seed(args.seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
        steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-4, total_steps=steps, pct_start=0.1)
        model.train()
        t0 = time.perf_counter()
        tokens_seen = 0
        for _ in range(args.epochs):
            order = torch.randperm(len(train), generator=generator).tolist()
            for start in range(0, len(order), args.batch):
                items = [flip(train[i][0], generator) for i in order[start:start + args.batch]]
                labels = torch.tensor([float(train[i][1]) for i in order[start:start + args.batch]])
                if name == "grid":
                    logits = model(grid_batch(items))[:, 0]
                    tokens_seen += 1024 * len(items)
                else:
                    logits = model(collate_packed(items))[:, 0]
                    tokens_seen += sum(s["patches"].shape[0] for s in items)
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        train_seconds = time.perf_counter() - t0
        model.eval()
        scores = []
        t0 = time.perf_counter()
        with torch.no_grad():
            for start in range(0, len(test), args.batch):
                items = [s for s, _ in test[start:start + args.batch]]
                out = model(grid_batch(items)) if name == "grid" else model(collate_packed(items))
                scores += out[:, 0].tolist()
        infer_seconds = time.perf_counter() - t0
        runs[name] = (auc(scores, [y for _, y in test]), train_seconds, infer_seconds, tokens_seen)
        print(f"{name:8s} AUC {runs[name][0]:.3f}  training {train_seconds:.1f} s  inference {infer_seconds:.2f} s "
              f"({tokens_seen / (args.epochs * len(train)):.0f} tokens per training image)")
    g, t = runs["grid"], runs["tessera"]
    print(f"tessera - grid: AUC {100 * (t[0] - g[0]):+.1f} points; training {g[1] / t[1]:.2f}x faster, "
          f"inference {g[2] / t[2]:.2f}x faster")


if __name__ == "__main__":
    main()
