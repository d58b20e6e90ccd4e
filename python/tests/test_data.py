"""Token-budget batching and collation: shapes and indices, no per-token loops."""

import random

import torch

from tessera_torch import TesseraDataset, TokenBudgetSampler, collate_packed, collate_padded, collate_naflex, first_fit_decreasing


def test_first_fit_decreasing_respects_the_budget_and_places_every_item():
    rng = random.Random(7)
    lengths = [rng.randint(12, 476) for _ in range(500)]
    bins = first_fit_decreasing(lengths, 4096)
    assert sorted(i for b in bins for i in b) == list(range(500))
    assert all(sum(lengths[i] for i in b) <= 4096 for b in bins)
    # FFD's bound: at most 11/9 OPT + 1 bins, and OPT >= total / capacity.
    assert len(bins) <= 11 / 9 * (sum(lengths) / 4096) + 2


def test_the_sampler_plans_from_the_index_and_fills_batches(exported):
    data = TesseraDataset(exported)
    sampler = TokenBudgetSampler(data.token_counts, max_tokens=2048, shuffle=True, seed=1)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == list(range(len(data)))
    assert all(sum(data.token_counts[i] + 1 for i in b) <= 2048 for b in batches)
    sampler.set_epoch(1)
    assert list(sampler) != batches or len(batches) == 1


def test_packed_collation_indexes_every_token_once(exported):
    data = TesseraDataset(exported)
    samples = [data[i] for i in range(4)]
    batch = collate_packed(samples)
    counts = [s["patches"].shape[0] for s in samples]
    total = sum(counts) + len(samples)
    assert batch["cu_seqlens"].tolist() == [0] + torch.cumsum(torch.tensor(counts) + 1, 0).tolist()
    assert batch["cu_seqlens"].dtype == torch.int32 and batch["max_seqlen"] == max(counts) + 1
    slots = torch.cat([batch["token_index"], batch["cls_index"]])
    assert sorted(slots.tolist()) == list(range(total))
    assert torch.equal(batch["patches"][counts[0]:counts[0] + counts[1]], samples[1]["patches"])


def test_padded_and_naflex_layouts(exported):
    data = TesseraDataset(exported)
    samples = [data[i] for i in range(3)]
    padded, naflex = collate_padded(samples), collate_naflex(samples)
    counts = torch.tensor([s["patches"].shape[0] for s in samples])
    assert torch.equal(padded["valid"].sum(1), counts)
    assert naflex["patches"].shape == (3, int(counts.max()) + 1, 256)
    assert torch.equal(naflex["patch_valid"][:, :-1], padded["valid"]) and not naflex["patch_valid"][:, -1].any()
    first = samples[0]["boxes"][0].long()
    assert naflex["patch_coord"][0, 0].tolist() == [(first[1] + first[3] // 2) // 16, (first[0] + first[2] // 2) // 16]
    # Each image's grid, as timm infers it (largest coordinate + 1), is its own: 512 px / 16.
    assert (naflex["patch_coord"].amax(dim=1) + 1).tolist() == [[32, 32]] * 3
