# Reads a safetensors file with json and numpy only (no `safetensors` package): the loader the
# README shows a Python user. Returns {name: numpy float32 array} and the metadata.
import json, struct, numpy as np

def load_safetensors(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]; header = json.loads(b[8:8 + n]); meta = header.pop("__metadata__", {})
    return {k: np.frombuffer(b, "<f4", int(np.prod(v["shape"])), 8 + n + v["data_offsets"][0]).reshape(v["shape"]) for k, v in header.items()}, meta
