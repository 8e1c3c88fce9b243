# evogan's DCGAN rebuilt in PyTorch from the README's mapping, loaded from an `evogan export`
# file: `dcgan_torch.py FILE N PART INPUT OUTPUT [PART INPUT OUTPUT ...]` (one torch start for all).
#   PART g or g_ema: INPUT holds N×z_dim float32 z vectors; OUTPUT gets G(z), N×C×H×W float32.
#   PART d: INPUT holds N×C×H×W float32 images; OUTPUT gets D's N logits.
# Everything the modules need (z_dim, width, image size) comes from the file's metadata.
import sys
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors_loader import load_safetensors


class Generator(nn.Module):
    def __init__(self, z_dim, width, channels, height, img_width):
        super().__init__()
        self.w, self.h0, self.w0 = width, height // 4, img_width // 4
        self.fc = nn.Linear(z_dim, 2 * width * self.h0 * self.w0)
        self.bn0 = nn.BatchNorm2d(2 * width, eps=1e-5, track_running_stats=False)
        self.up1 = nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(width, eps=1e-5, track_running_stats=False)
        self.up2 = nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1)

    def forward(self, z):
        x = self.fc(z).view(-1, 2 * self.w, self.h0, self.w0)
        x = F.relu(self.bn0(x))
        x = F.relu(self.bn1(self.up1(x)))
        return torch.tanh(self.up2(x))


class Discriminator(nn.Module):
    def __init__(self, width, channels, height, img_width):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, width, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(width, 2 * width, 4, stride=2, padding=1)
        self.fc = nn.Linear(2 * width * (height // 4) * (img_width // 4), 1)

    def forward(self, x):
        h = F.leaky_relu(self.conv1(x), 0.2)
        h = F.leaky_relu(self.conv2(h), 0.2)
        return self.fc(h.flatten(1)).view(-1)


def part_of(tensors, prefix):
    return {k[len(prefix) + 1:]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith(prefix + ".")}


path, n, jobs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
tensors, meta = load_safetensors(path)
assert meta["family"] == "dcgan" and meta["layout"] == "pytorch", meta
z_dim, width = int(meta["z_dim"]), int(meta["width"])
c, h, w = int(meta["image_channels"]), int(meta["image_height"]), int(meta["image_width"])
for part, inp, out in zip(jobs[0::3], jobs[1::3], jobs[2::3]):
    with torch.no_grad():
        if part == "d":
            net = Discriminator(width, c, h, w)
            net.load_state_dict(part_of(tensors, "d"), strict=True)
            y = net(torch.from_numpy(np.fromfile(inp, "<f4").reshape(n, c, h, w)))
        else:
            net = Generator(z_dim, width, c, h, w)
            net.load_state_dict(part_of(tensors, part), strict=True)
            y = net(torch.from_numpy(np.fromfile(inp, "<f4").reshape(n, z_dim)))
    y.numpy().astype("<f4").tofile(out)
