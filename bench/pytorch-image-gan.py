# The same DCGAN workloads as bench/image-gan-speed.ts, in PyTorch on the CPU, as the yardstick
# of the image-speed issue. One thread (evogan runs one single-threaded worker per core).
#   /usr/bin/python3 bench/pytorch-image-gan.py [--iterations 20]   (Debian's python3-torch)
# Model (evogan's DCGAN default: 28×28×1, z 32, width 32):
#   G: linear → 7×7×64 → BN → ReLU → convT 4×4/2 → 32 → BN → ReLU → convT 4×4/2 → 1 → tanh
#   D: conv 4×4/2 → 32 → LReLU 0.2 → conv 4×4/2 → 64 → LReLU 0.2 → linear → 1 logit
# Workloads (batch 32, Adam 2e-4, β1 0.5):
#   plain: one D step (32 real + 32 fake from fresh z) and one G step (32 fresh z, heuristic loss);
#   egan:  3 children (copy of G and its Adam state, one G step with minimax / heuristic /
#          least-squares), each scored on 64 z (Fq = mean σ(D(G(z))), the norm of D's loss
#          gradient on 64 real + 64 fake), one D step on 32 real + 32 of the best child's fakes.
# Real images are random tensors of MNIST's shape (the speed does not depend on their values).
# Prints it/s and appends one line per workload to bench/results/pytorch-image-gan.jsonl.
import argparse, copy, datetime, json, os, platform, subprocess, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
ap = argparse.ArgumentParser()
ap.add_argument("--iterations", type=int, default=20)
args = ap.parse_args()

Z, W, B, E = 32, 32, 32, 64


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(Z, 7 * 7 * 2 * W)
        self.bn0 = nn.BatchNorm2d(2 * W)
        self.up1 = nn.ConvTranspose2d(2 * W, W, 4, 2, 1)
        self.bn1 = nn.BatchNorm2d(W)
        self.up2 = nn.ConvTranspose2d(W, 1, 4, 2, 1)

    def forward(self, z):
        x = self.fc(z).view(-1, 2 * W, 7, 7)
        x = F.relu(self.bn0(x))
        x = F.relu(self.bn1(self.up1(x)))
        return torch.tanh(self.up2(x))


class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, W, 4, 2, 1)
        self.c2 = nn.Conv2d(W, 2 * W, 4, 2, 1)
        self.fc = nn.Linear(7 * 7 * 2 * W, 1)

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = F.leaky_relu(self.c2(h), 0.2)
        return self.fc(h.flatten(1)).view(-1)


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def d_loss(d, real, fake):
    return F.softplus(-d(real)).mean() + F.softplus(d(fake)).mean()


def g_loss(kind, logits):
    if kind == "minimax":
        return -F.softplus(logits).mean()
    if kind == "heuristic":
        return F.softplus(-logits).mean()
    return ((torch.sigmoid(logits) - 1) ** 2).mean()


def real_batch(n):
    return torch.rand(n, 1, 28, 28) * 2 - 1


def plain_iteration(g, d, og, od):
    fake = g(torch.randn(B, Z)).detach()
    od.zero_grad()
    d_loss(d, real_batch(B), fake).backward()
    od.step()
    og.zero_grad()
    g_loss("heuristic", d(g(torch.randn(B, Z)))).backward()
    og.step()


def egan_iteration(state):
    g, og, d, od = state["g"], state["og"], state["d"], state["od"]
    z = torch.randn(B, Z)
    children = []
    for kind in ("minimax", "heuristic", "least-squares"):
        cg = copy.deepcopy(g)
        co = adam(cg.parameters())
        co.load_state_dict(og.state_dict())
        co.zero_grad()
        g_loss(kind, d(cg(z))).backward()
        co.step()
        children.append((cg, co))
    ze, real = torch.randn(E, Z), real_batch(E)
    scores, fakes = [], []
    for cg, _ in children:
        with torch.no_grad():
            fake = cg(ze)
        fq = torch.sigmoid(d(fake)).mean()
        grads = torch.autograd.grad(d_loss(d, real, fake), list(d.parameters()))
        fd = -torch.log(torch.sqrt(sum((t * t).sum() for t in grads)))
        scores.append((fq + 0.05 * fd).item())
        fakes.append(fake)
    best = max(range(3), key=lambda i: scores[i])
    state["g"], state["og"] = children[best]
    od.zero_grad()
    d_loss(d, real_batch(B), fakes[best][:B]).backward()
    od.step()


def measure(step, n):
    for _ in range(3):
        step()
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - t0)


torch.manual_seed(1)
g, d = G(), D()
for m in list(g.modules()) + list(d.modules()):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(m.weight, 0, 0.02)
og, od = adam(g.parameters()), adam(d.parameters())
plain = measure(lambda: plain_iteration(g, d, og, od), args.iterations)
state = {"g": g, "og": og, "d": d, "od": od}
egan = measure(lambda: egan_iteration(state), args.iterations)

try:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
except OSError:
    commit = None
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
machine = {"date": datetime.datetime.utcnow().isoformat() + "Z", "cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads(), "commit": commit, "command": "/usr/bin/python3 bench/pytorch-image-gan.py", "iterations": args.iterations}
os.makedirs(os.path.join(os.path.dirname(__file__), "results"), exist_ok=True)
with open(os.path.join(os.path.dirname(__file__), "results", "pytorch-image-gan.jsonl"), "a") as f:
    for mode, its in (("plain", plain), ("egan", egan)):
        print(f"pytorch dcgan {mode:6} {its:6.2f} it/s")
        f.write(json.dumps({**machine, "family": "dcgan", "mode": mode, "itersPerSec": its}) + "\n")
