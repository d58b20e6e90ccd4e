"""TesseraViT: a timm VisionTransformer that reads mixed-resolution tokens."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .attention import packed_attention


class TesseraViT(nn.Module):
    """Wraps a timm ``VisionTransformer`` (class token, learned absolute
    position embedding) so that it takes Tessera's tokens instead of a grid.

    - Patches: the wrapped patch embedding (a stride-P convolution) applied
      as the linear map it is, to each basePatch x basePatch patch. A model
      built for 3 channels reads a 1-channel patch as grey (its weights
      summed over channels: the same as repeating the grey value).
    - Scale: a level embedding, zero-initialised, so that an untrained
      adapter is exactly the wrapped model on a uniform grid.
    - Position: the learned position embedding sampled bilinearly at each
      token's centre (in the model's grid, scaled by the image size).
    - Attention: per image, through `packed_attention` (packed batches) or a
      key mask (padded batches).

    With every token at basePatch, its logits equal the wrapped model's on
    the same image (tests/test_vit.py).
    """

    def __init__(self, vit, max_levels=8):
        super().__init__()
        if getattr(vit, "cls_token", None) is None or getattr(vit, "reg_token", None) is not None:
            raise ValueError("TesseraViT wraps ViTs with one class token and no register tokens")
        if getattr(vit, "pos_embed", None) is None:
            raise ValueError("TesseraViT needs a learned absolute position embedding")
        if vit.global_pool not in ("token", "avg"):
            raise ValueError(f"pooling {vit.global_pool!r} is not supported (token or avg)")
        self.vit = vit
        self.patch = vit.patch_embed.proj.kernel_size[0]
        self.level_embed = nn.Embedding(max_levels, vit.embed_dim)
        nn.init.zeros_(self.level_embed.weight)

    # Embeddings -----------------------------------------------------------

    def embed_patches(self, patches):
        """[T, C, P, P] -> [T, D] through the wrapped patch embedding."""
        proj = self.vit.patch_embed.proj
        weight = proj.weight
        if patches.shape[1] != weight.shape[1]:
            if patches.shape[1] != 1:
                raise ValueError(f"{patches.shape[1]}-channel patches for a {weight.shape[1]}-channel model")
            weight = weight.sum(dim=1, keepdim=True)
        x = F.linear(patches.reshape(patches.shape[0], -1).to(weight.dtype), weight.reshape(weight.shape[0], -1), proj.bias)
        return self.vit.patch_embed.norm(x)

    def grid_positions(self):
        """The learned grid position embedding [gh, gw, D] and the prefix's [D]."""
        vit = self.vit
        gh, gw = vit.patch_embed.grid_size
        pos = vit.pos_embed[0]
        prefix = 0 if vit.no_embed_class else vit.num_prefix_tokens
        cls_pos = pos[0] if prefix else torch.zeros_like(pos[0])
        return pos[prefix:].reshape(gh, gw, -1), cls_pos

    def sample_positions(self, boxes, image_size):
        """Position embedding at each token's centre: [T, D]. `boxes` [T, 4]
        (x, y, w, h), `image_size` [T, 2] (rows, columns) of its image."""
        grid, _ = self.grid_positions()
        gh, gw = grid.shape[:2]
        boxes = boxes.to(torch.float64)
        size = image_size.to(torch.float64)
        # Grid coordinates of the centre: a basePatch token at (x, y) lands
        # exactly on grid cell (x / P, y / P) when the image is the model's size.
        u = ((boxes[:, 0] + boxes[:, 2] / 2) / size[:, 1] * gw - 0.5).clamp(0, gw - 1)
        v = ((boxes[:, 1] + boxes[:, 3] / 2) / size[:, 0] * gh - 0.5).clamp(0, gh - 1)
        u0, v0 = u.floor().long().clamp(max=max(gw - 2, 0)), v.floor().long().clamp(max=max(gh - 2, 0))
        u1, v1 = (u0 + 1).clamp(max=gw - 1), (v0 + 1).clamp(max=gh - 1)
        fu, fv = (u - u0).to(grid.dtype)[:, None], (v - v0).to(grid.dtype)[:, None]
        top = grid[v0, u0] * (1 - fu) + grid[v0, u1] * fu
        bottom = grid[v1, u0] * (1 - fu) + grid[v1, u1] * fu
        return top * (1 - fv) + bottom * fv

    def class_token(self):
        _, cls_pos = self.grid_positions()
        return self.vit.cls_token[0, 0] + cls_pos

    def embed_tokens(self, patches, boxes, level, image_size):
        return self.embed_patches(patches) + self.sample_positions(boxes, image_size) + self.level_embed(level)

    # Forward ---------------------------------------------------------------

    def forward(self, batch):
        """Logits [B, classes] for a batch from `collate_packed` or `collate_padded`."""
        if "cu_seqlens" in batch:
            return self.forward_head(*self.forward_packed(batch))
        if "valid" in batch:
            return self.forward_padded(batch)
        raise ValueError("a batch from collate_packed (cu_seqlens) or collate_padded (valid)")

    def forward_packed(self, batch):
        """Features [T + B, D] of a packed batch (class tokens at cls_index), and the batch."""
        vit = self.vit
        if self.training and not isinstance(vit.patch_drop, nn.Identity):
            raise ValueError("patch dropout is not supported on packed batches")
        tokens = self.embed_tokens(batch["patches"], batch["boxes"], batch["level"],
                                   batch["image_size"][batch["image_index"]])
        total = tokens.shape[0] + batch["cls_index"].numel()
        x = tokens.new_empty(total, tokens.shape[1])
        x[batch["token_index"]] = tokens
        x[batch["cls_index"]] = self.class_token().to(tokens.dtype)
        x = vit.norm_pre(vit.pos_drop(x))
        cu, longest = batch["cu_seqlens"], int(batch["max_seqlen"])
        for blk in vit.blocks:
            x = x + blk.drop_path1(blk.ls1(self._attention(blk.attn, blk.norm1(x), cu, longest)))
            x = x + blk.drop_path2(blk.ls2(blk.mlp(blk.norm2(x))))
        return vit.norm(x), batch

    def _attention(self, attn, x, cu, longest):
        total = x.shape[0]
        gate = attn.gate(x).sigmoid() if getattr(attn, "gate", None) is not None else None
        # Heads first ([3, H, T, D], one copy): packed_attention's layout.
        qkv = attn.qkv(x).reshape(total, 3, attn.num_heads, attn.head_dim).permute(1, 2, 0, 3).contiguous()
        q, k, v = qkv.unbind(0)
        q, k = attn.q_norm(q), attn.k_norm(k)
        out = packed_attention(q, k, v, cu, longest, scale=attn.scale,
                               dropout_p=attn.attn_drop.p if self.training else 0.0).transpose(0, 1)
        out = attn.norm(out.reshape(total, -1))
        if gate is not None:
            out = out * gate
        return attn.proj_drop(attn.proj(out))

    def forward_head(self, x, batch):
        vit = self.vit
        if vit.global_pool == "token":
            pooled = x[batch["cls_index"]]
        else:
            count = torch.bincount(batch["image_index"], minlength=batch["cls_index"].numel()).clamp(min=1)
            pooled = x.new_zeros(batch["cls_index"].numel(), x.shape[1]).index_add_(
                0, batch["image_index"], x[batch["token_index"]]) / count[:, None].to(x.dtype)
        return vit.head(vit.head_drop(vit.fc_norm(pooled)))

    def forward_padded(self, batch):
        """A padded batch through the wrapped blocks with a key mask (for comparison)."""
        vit = self.vit
        b, length = batch["valid"].shape
        size = batch["image_size"][:, None, :].expand(b, length, 2).reshape(-1, 2)
        tokens = self.embed_tokens(batch["patches"].reshape(b * length, *batch["patches"].shape[2:]),
                                   batch["boxes"].reshape(-1, 4), batch["level"].reshape(-1), size).reshape(b, length, -1)
        cls = self.class_token().to(tokens.dtype).expand(b, 1, -1)
        x = vit.norm_pre(vit.pos_drop(torch.cat([cls, tokens], dim=1)))
        keys = torch.cat([batch["valid"].new_ones(b, 1), batch["valid"]], dim=1)
        # Additive float mask (0 attend, -inf not): one meaning in every timm
        # version and attention path, where bool masks were once added as 0/1.
        mask = torch.zeros(keys.shape, dtype=x.dtype, device=x.device).masked_fill(~keys, float("-inf"))[:, None, None, :]
        for blk in vit.blocks:
            x = blk(x, attn_mask=mask)
        x = vit.norm(x)
        if vit.global_pool == "token":
            pooled = x[:, 0]
        else:
            weights = batch["valid"].to(x.dtype)[..., None]
            pooled = (x[:, 1:] * weights).sum(1) / weights.sum(1).clamp(min=1)
        return vit.head(vit.head_drop(vit.fc_norm(pooled)))
