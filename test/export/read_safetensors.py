# numpy's view of a safetensors file, as JSON on stdout: the header as written (length, names in
# order, dtypes, shapes, offsets), the metadata, and every tensor's values as numpy reads them.
# With `mlp PART ZFILE N`, also the output of the MLP layers.{l} of PART (Linear, ReLU between)
# for the N×z_dim float32 values in ZFILE, computed with numpy alone.
import json, struct, sys
import numpy as np
from safetensors_loader import load_safetensors

path = sys.argv[1]
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
tensors, meta = load_safetensors(path)
out = {
    "file_size": len(raw),
    "header_length": n,
    # Spaces after the JSON object (the padding to an 8-byte boundary).
    "header_padding": len(raw[8:8 + n]) - len(raw[8:8 + n].rstrip(b" ")),
    "metadata": meta,
    "names": [k for k in header if k != "__metadata__"],
    "entries": {k: v for k, v in header.items() if k != "__metadata__"},
    "values": {k: v.astype(np.float64).ravel().tolist() for k, v in tensors.items()},
}
if len(sys.argv) > 2 and sys.argv[2] == "mlp":
    part, zfile, count = sys.argv[3], sys.argv[4], int(sys.argv[5])
    x = np.fromfile(zfile, "<f4").reshape(count, int(meta["z_dim"]))
    layers = sum(1 for k in tensors if k.startswith(part + ".layers.") and k.endswith(".weight"))
    for l in range(layers):
        x = x @ tensors[f"{part}.layers.{l}.weight"].T + tensors[f"{part}.layers.{l}.bias"]
        if l < layers - 1:
            x = np.maximum(x, 0)
    out["mlp"] = x.astype(np.float64).ravel().tolist()
json.dump(out, sys.stdout)
