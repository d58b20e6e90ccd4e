"""Tessera's mixed-resolution tokens in PyTorch (tessera.tokens/1)."""

from .format import SCHEMA, load, read_metadata, paste_back, grid_tokens
from .data import (TesseraDataset, TokenBudgetSampler, collate_packed, collate_padded, collate_naflex,
                   first_fit_decreasing)
from .attention import packed_attention
from .model import TesseraViT
from .compat import import_timm

__all__ = ["SCHEMA", "load", "read_metadata", "paste_back", "grid_tokens", "TesseraDataset", "TokenBudgetSampler",
           "collate_packed", "collate_padded", "collate_naflex", "first_fit_decreasing", "packed_attention", "TesseraViT", "import_timm"]
__version__ = "0.6.0"
