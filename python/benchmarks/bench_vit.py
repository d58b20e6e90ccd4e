"""ViT-B/16 at 512x512 on Tessera's tokens against the 1024-token grid.

Run by scripts/bench-vit.sh, which makes the tokens with `tessera batch
--outputs tokens,safetensors`. One process, the two models' steps
interleaved (so machine drift hits both alike), random weights, inference.
Prints mean tokens and the FLOP ratio, median step times and their ratio,
peak activation memory of one step each, and the loader + collate share of
a Tessera step with 2 DataLoader workers.
"""

import argparse
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from tessera_torch import (TesseraDataset, TesseraViT, TokenBudgetSampler, collate_packed, import_timm,  # noqa: E402
                           paste_back)
from tessera_torch.attention import backend_for  # noqa: E402


def vit_flops(tokens_per_image, dim, depth, mlp_ratio=4):
    """Multiply-adds x 2 of a ViT encoder on sequences of these lengths (class token included)."""
    total = 0
    for n in tokens_per_image:
        n = n + 1
        linear = 2 * n * dim * (3 * dim + dim + 2 * mlp_ratio * dim)
        attention = 2 * 2 * n * n * dim
        total += depth * (linear + attention)
    return total


def _status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_memory_bytes(fn):
    """Peak resident memory added by fn(): the kernel's high-water mark
    (VmHWM, reset through /proc/self/clear_refs) minus the resident size
    before. Large blocks are mmapped (MALLOC_MMAP_THRESHOLD_, set at start)
    so freed activations leave the resident set and cannot hide a peak."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status("VmRSS")
    fn()
    return _status("VmHWM") - before


def main():
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:  # see peak_memory_bytes
        os.execve(sys.executable, [sys.executable] + sys.argv, {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"})
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", help="a tessera batch output folder with tokens-index.csv")
    parser.add_argument("--model", default="vit_base_patch16_224")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    args = parser.parse_args()
    device, dtype = torch.device(args.device), getattr(torch, args.dtype)
    timm = import_timm()
    torch.manual_seed(0)
    vit = timm.create_model(args.model, pretrained=False, img_size=512, in_chans=1, num_classes=2).eval()
    model = TesseraViT(vit).eval().to(device=device, dtype=dtype)

    data = TesseraDataset(args.folder)
    indices = [i % len(data) for i in range(args.batch)]
    samples = [data[i] for i in indices]
    counts = [s["patches"].shape[0] for s in samples]
    # The grid sees the same slices: the windowed image the tokens came from
    # (dropped background, NaN after pasting, is air: 0).
    images = torch.stack([paste_back(s).nan_to_num(0.0) for s in samples])[:, None]
    packed = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in collate_packed(samples).items()}
    packed["patches"] = packed["patches"].to(dtype)
    grid_input = images.to(device=device, dtype=dtype)

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    def tessera_step():
        with torch.no_grad():
            model(packed)
        sync()

    def grid_step():
        with torch.no_grad():
            vit(grid_input)
        sync()

    tessera_step(), grid_step()  # warm-up: allocator, kernels
    grid_times, tessera_times = [], []
    for _ in range(args.reps):
        for name, step, times in (("grid", grid_step, grid_times), ("tessera", tessera_step, tessera_times)):
            t0 = time.perf_counter()
            step()
            times.append(time.perf_counter() - t0)

    dim, depth = vit.embed_dim, len(vit.blocks)
    flop_ratio = vit_flops([1024] * args.batch, dim, depth) / vit_flops(counts, dim, depth)
    grid_median, tessera_median = statistics.median(grid_times), statistics.median(tessera_times)
    print(f"model {args.model} at 512x512, batch {args.batch}, {args.device} {args.dtype}, "
          f"{torch.get_num_threads()} threads, attention backend {backend_for(packed['patches'].new_empty(1, device=device))}")
    print(f"slices: {len(data)} from {args.folder}")
    print(f"tokens per image: mean {np.mean(counts):.1f} (min {min(counts)}, max {max(counts)}) against 1024 on the grid")
    print(f"FLOP ratio grid/tessera: {flop_ratio:.2f}x")
    print(f"step wall-clock medians over {args.reps} interleaved reps: grid {grid_median:.3f} s, tessera {tessera_median:.3f} s "
          f"-> speed-up {grid_median / tessera_median:.2f}x ({grid_median / tessera_median / flop_ratio:.2f} of the FLOP ratio)")
    if device.type == "cuda":
        peaks = []
        for step in (grid_step, tessera_step):
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
            step()
            peaks.append(torch.cuda.max_memory_allocated() - base)
    else:
        peaks = [peak_memory_bytes(grid_step), peak_memory_bytes(tessera_step)]
    print(f"peak activation memory: grid {peaks[0] / 2**20:.0f} MiB, tessera {peaks[1] / 2**20:.0f} MiB "
          f"-> {peaks[1] / peaks[0]:.2f}x of the grid")

    # Loader + collate with 2 workers, as a share of the Tessera step time.
    sampler = TokenBudgetSampler(data.token_counts, max_tokens=sum(c + 1 for c in counts))
    loader = torch.utils.data.DataLoader(data, batch_sampler=sampler, collate_fn=collate_packed, num_workers=2)
    waited = computed = 0.0
    steps = 0
    iterator = iter(loader)
    while True:
        t0 = time.perf_counter()
        try:
            batch = next(iterator)
        except StopIteration:
            break
        t1 = time.perf_counter()
        batch = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in batch.items()}
        batch["patches"] = batch["patches"].to(dtype)
        with torch.no_grad():
            model(batch)
        sync()
        waited += t1 - t0
        computed += time.perf_counter() - t1
        steps += 1
    print(f"loader + collate (2 workers, token-budget batches): {waited / (waited + computed) * 100:.1f}% of step time "
          f"over {steps} steps ({waited / max(steps, 1) * 1000:.0f} ms waiting per step)")


if __name__ == "__main__":
    main()
