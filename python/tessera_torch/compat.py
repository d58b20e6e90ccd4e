"""timm on a CPU-only torch wheel with PyPI's (CUDA-built) torchvision.

timm imports torchvision. PyPI's torchvision wheel is built against CUDA
torch: next to a CPU-only torch its C extension cannot load (it needs
libcudart), and torchvision 0.28 then fails on import, because it registers
fake kernels for two ops (`torchvision::nms`, `qnms`) that only its C
extension defines. `import_timm` declares those two op schemas (no kernels:
calling them fails) in that case only, so that torchvision imports as pure
Python and timm's models work; ViTs never call those ops. With a matching
torchvision (the CPU index's, or CUDA torch), it is a plain `import timm`.
"""

import sys

import torch

_library = None


def import_timm():
    """`import timm`, working around a torchvision whose C extension cannot load."""
    global _library
    try:
        import torchvision  # noqa: F401
    except RuntimeError as error:
        if "torchvision::nms" not in str(error) or _library is not None:
            raise
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
        _library = torch.library.Library("torchvision", "DEF")
        _library.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _library.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    except ImportError:
        pass  # timm's own import says what is missing
    import timm

    return timm
