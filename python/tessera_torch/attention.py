"""One dispatcher for attention over packed sequences (cu_seqlens).

On CUDA in bf16/fp16: PyTorch's varlen flash attention
(`torch.nn.attention.varlen.varlen_attn`), else flash-attn's
`flash_attn_varlen_func` when installed. Elsewhere (CPU, fp32): one
`scaled_dot_product_attention` per image. Never a dense block-diagonal mask
(quadratic in the whole batch) and never nested tensors (slower than the
grid on CPU): both lose the tokens the map saved.
"""

import torch
import torch.nn.functional as F

try:  # PyTorch >= 2.10
    from torch.nn.attention.varlen import varlen_attn as _torch_varlen
except ImportError:  # pragma: no cover - older torch
    _torch_varlen = None

try:  # pragma: no cover - only with flash-attn installed
    from flash_attn import flash_attn_varlen_func as _flash_varlen
except ImportError:
    _flash_varlen = None


def backend_for(q):
    """The kernel `packed_attention` uses for this query tensor."""
    if q.is_cuda and q.dtype in (torch.float16, torch.bfloat16):
        if _torch_varlen is not None:
            return "torch-varlen"
        if _flash_varlen is not None:
            return "flash-attn-varlen"
    return "sdpa-per-image"


def packed_attention(q, k, v, cu_seqlens, max_seqlen, scale=None, dropout_p=0.0):
    """Attention within each sequence of a packed batch.

    q, k, v: [T, H, D]; cu_seqlens: int32 [B+1] sequence starts; returns [T, H, D].
    """
    backend = backend_for(q)
    if backend == "torch-varlen" and dropout_p == 0.0:
        cu = cu_seqlens.to(device=q.device, dtype=torch.int32)
        return _torch_varlen(q, k, v, cu, cu, max_seqlen, max_seqlen, scale=scale)
    if backend in ("torch-varlen", "flash-attn-varlen") and _flash_varlen is not None:
        cu = cu_seqlens.to(device=q.device, dtype=torch.int32)
        return _flash_varlen(q, k, v, cu, cu, max_seqlen, max_seqlen, dropout_p=dropout_p, softmax_scale=scale)
    lengths = torch.diff(cu_seqlens.to(torch.long)).tolist()
    # One loop step per image (not per token): each image's attention is a
    # dense [H, n, n] problem on its own tokens only. Inputs as 4-D views
    # ([1, H, n, D], no copy): PyTorch's CPU flash kernel takes those, while
    # 3-D inputs fall back to the unfused path (8x slower). Outputs go
    # straight into one heads-first buffer: no strided concatenation.
    qh, kh, vh = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
    out = q.new_empty(q.shape[1], q.shape[0], v.shape[2])
    start = 0
    for n in lengths:
        end = start + n
        out[:, start:end] = F.scaled_dot_product_attention(qh[None, :, start:end], kh[None, :, start:end], vh[None, :, start:end],
                                                           dropout_p=dropout_p, scale=scale)[0]
        start = end
    return out.transpose(0, 1)
