"""TesseraViT against the timm model it wraps (random weights, CPU)."""

import pytest
import torch

from tessera_torch import (TesseraDataset, TesseraViT, collate_naflex, collate_packed, collate_padded, grid_tokens,
                           import_timm)



@pytest.fixture(scope="module")
def timm_module():
    try:
        return import_timm()
    except ImportError as error:
        pytest.skip(f"timm cannot be imported: {error}")


def tiny_vit(timm_module, in_chans=1, pool="token"):
    torch.manual_seed(0)
    vit = timm_module.create_model("vit_tiny_patch16_224", pretrained=False, img_size=512, in_chans=in_chans,
                                   num_classes=5, global_pool=pool)
    # timm zero-initialises the head: random values so the logits say something.
    torch.nn.init.normal_(vit.head.weight, std=0.5)
    return vit.eval()


def image():
    torch.manual_seed(1)
    # Smooth structure plus noise, in [0, 1], as a windowed slice is.
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 512), torch.linspace(-1, 1, 512), indexing="ij")
    return ((torch.sin(5 * xx) * torch.cos(3 * yy) + 1) / 2 * 0.8 + 0.2 * torch.rand(512, 512)).clamp(0, 1)


@pytest.mark.parametrize("in_chans,pool", [(1, "token"), (3, "token"), (1, "avg")])
def test_uniform_tokens_reproduce_the_wrapped_model(timm_module, in_chans, pool):
    vit = tiny_vit(timm_module, in_chans, pool)
    model = TesseraViT(vit).eval()
    picture = image().half().float()  # the patches are stored as f16
    with torch.no_grad():
        reference = vit(picture.expand(1, in_chans, 512, 512))
        ours = model(collate_packed([grid_tokens(picture)]))
    assert ours.shape == reference.shape == (1, 5)
    assert (ours - reference).abs().max().item() < 1e-4
    assert torch.equal(ours.argmax(1), reference.argmax(1))


def test_packed_padded_and_per_image_runs_agree(timm_module, exported):
    model = TesseraViT(tiny_vit(timm_module)).eval()
    torch.nn.init.normal_(model.level_embed.weight, std=0.02)  # a trained adapter's level embedding is not zero
    data = TesseraDataset(exported)
    samples = [data[i] for i in range(4)]
    with torch.no_grad():
        packed = model(collate_packed(samples))
        padded = model(collate_padded(samples))
        single = torch.cat([model(collate_packed([s])) for s in samples])
    assert (packed - padded).abs().max().item() < 1e-4
    assert (packed - single).abs().max().item() < 1e-4


def test_token_order_does_not_change_the_output(timm_module, exported):
    model = TesseraViT(tiny_vit(timm_module)).eval()
    data = TesseraDataset(exported)
    samples = [data[i] for i in range(2)]
    generator = torch.Generator().manual_seed(5)
    shuffled = []
    for s in samples:
        order = torch.randperm(s["patches"].shape[0], generator=generator)
        shuffled.append({**s, **{k: s[k][order] for k in ("patches", "boxes", "level")}})
    with torch.no_grad():
        assert (model(collate_packed(samples)) - model(collate_packed(shuffled))).abs().max().item() < 1e-4


def test_naflex_collation_runs_stock_timm(timm_module, exported):
    from timm.models.naflexvit import NaFlexVit, NaFlexVitCfg

    torch.manual_seed(0)
    model = NaFlexVit(NaFlexVitCfg(patch_size=16, embed_dim=64, depth=2, num_heads=2), in_chans=1, num_classes=3).eval()
    data = TesseraDataset(exported)
    batch = collate_naflex([data[0], data[1]])
    with torch.no_grad():
        logits = model(batch)
    assert logits.shape == (2, 3) and torch.isfinite(logits).all()
