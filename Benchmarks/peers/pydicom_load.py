#!/usr/bin/env python3
"""Peer timing for `tessera bench load`: pydicom reads each file and applies the
modality LUT (rescale) to float32, the same work Tessera's loader does.
Prints JSON: {"version": ..., "seconds_per_round": [...]} for the whole file list."""
import json
import sys
import time

import numpy as np
import pydicom
from pydicom.pixels import apply_modality_lut

rounds = int(sys.argv[1])
files = sys.argv[2:]
times = []
for _ in range(rounds + 1):  # first round warms the page cache and imports
    t0 = time.perf_counter()
    for f in files:
        ds = pydicom.dcmread(f)
        arr = apply_modality_lut(ds.pixel_array, ds).astype(np.float32)
        assert arr.size > 0
    times.append(time.perf_counter() - t0)
print(json.dumps({"version": pydicom.__version__, "seconds_per_round": times[1:]}))
