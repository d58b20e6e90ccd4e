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

import inspect

try:  # PyTorch >= 2.10 (2.9's varlen_attn takes no `scale`: not used)
    from torch.nn.attention.varlen import varlen_attn as _torch_varlen

    if "scale" not in inspect.signature(_torch_varlen).parameters:
        _torch_varlen = None
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
    """Attention within each sequence of a packed batch, heads first.

    q, k, v: [H, T, D] (T: all images' tokens back to back); cu_seqlens:
    int32 [B+1] sequence starts; returns [H, T, D]. Heads first because the
    CPU path then reads each image as a [1, H, n, D] view, and its backward
    writes contiguous blocks.
    """
    backend = backend_for(q)
    if backend != "sdpa-per-image" and (backend == "torch-varlen" and dropout_p == 0.0 or _flash_varlen is not None):
        cu = cu_seqlens.to(device=q.device, dtype=torch.int32)
        qt, kt, vt = (t.transpose(0, 1).contiguous() for t in (q, k, v))
        if backend == "torch-varlen" and dropout_p == 0.0:
            out = _torch_varlen(qt, kt, vt, cu, cu, max_seqlen, max_seqlen, scale=scale)
        else:
            out = _flash_varlen(qt, kt, vt, cu, cu, max_seqlen, max_seqlen, dropout_p=dropout_p, softmax_scale=scale)
        return out.transpose(0, 1)
    lengths = torch.diff(cu_seqlens.to(torch.long)).tolist()
    # One loop step per image (not per token): each image's attention is a
    # dense [H, n, n] problem on its own tokens only, as a 4-D view
    # ([1, H, n, D], no copy): PyTorch's CPU flash kernel takes those, while
    # 3-D inputs fall back to the unfused path (8x slower). `split`, not
    # slicing: its backward is one concatenation, where each slice's would
    # fill a whole-batch zero gradient per image.
    outs = [F.scaled_dot_product_attention(qi[None], ki[None], vi[None], dropout_p=dropout_p, scale=scale)[0]
            for qi, ki, vi in zip(q.split(lengths, dim=1), k.split(lengths, dim=1), v.split(lengths, dim=1))]
    return torch.cat(outs, dim=1)
