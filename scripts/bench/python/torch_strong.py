"""Notebook 03's strong DCGAN in PyTorch (same networks as keras_strong.py). TensorFlow's 'same'
padding for an even kernel puts the extra row/column at the bottom/right; where that differs
from a symmetric pad (the stride-1 4x4 convolutions, D's 7 -> 4 stride-2 convolution) an explicit
ZeroPad2d((1, 2, 1, 2)) reproduces it; elsewhere padding 1 gives TF's shapes and offsets.
G: Linear 7*7*256, BN, ReLU, 256x7x7; pad + Conv2d 256 k4 s1, BN, ReLU; ConvTranspose2d 128 k4 s2 p1,
   BN, ReLU; ConvTranspose2d 1 k4 s2 p1, tanh.
D: Conv2d 64 k4 s2 p1, LeakyReLU 0.2; Conv2d 128 k4 s2 p1, BN, LeakyReLU; pad + Conv2d 256 k4 s2 (7 -> 4),
   BN, LeakyReLU; pad + Conv2d 256 k4 s1, BN, LeakyReLU; flatten; Linear 1.
Non-saturating loss, Adam(2e-4, 0.5, 0.999), and an EMA copy of the generator (parameters and
batch-norm buffers) updated after each step. Prints one JSON line: ms and CPU ms per generator step.
usage: python torch_strong.py [cpu|cuda] [batch] [steps] [ema decay, 0 = off; default 0.9975]"""
import copy, sys
from benchcommon import report, time_steps, torch_report_fields
import torch, torch.nn as nn

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
EMA = float(sys.argv[4]) if len(sys.argv) > 4 else 0.9975
torch.manual_seed(0)
pad = lambda: nn.ZeroPad2d((1, 2, 1, 2))  # TF 'same' for k4 at stride 1, and for stride 2 on an odd size
g = nn.Sequential(nn.Linear(100, 7 * 7 * 256), nn.BatchNorm1d(7 * 7 * 256), nn.ReLU(), nn.Unflatten(1, (256, 7, 7)),
                  pad(), nn.Conv2d(256, 256, 4, 1), nn.BatchNorm2d(256), nn.ReLU(),
                  nn.ConvTranspose2d(256, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                  nn.ConvTranspose2d(128, 1, 4, 2, 1), nn.Tanh()).to(dev)
d = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2),
                  nn.Conv2d(64, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.2),
                  pad(), nn.Conv2d(128, 256, 4, 2), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
                  pad(), nn.Conv2d(256, 256, 4, 1), nn.BatchNorm2d(256), nn.LeakyReLU(0.2),
                  nn.Flatten(), nn.Linear(256 * 4 * 4, 1)).to(dev)
oG = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(B, 1, 28, 28, device=dev) * 2 - 1
ema_g = copy.deepcopy(g) if EMA > 0 else None
src = [t for t in list(g.parameters()) + list(g.buffers()) if t.is_floating_point()]
dst = [t for t in list(ema_g.parameters()) + list(ema_g.buffers()) if t.is_floating_point()] if ema_g else []


def step():
    z = torch.randn(B, 100, device=dev)
    oD.zero_grad(); fr = d(g(z).detach()); rr = d(real)
    (bce(rr, torch.ones_like(rr)) + bce(fr, torch.zeros_like(fr))).backward(); oD.step()
    oG.zero_grad(); fr = d(g(z)); lg = bce(fr, torch.ones_like(fr)); lg.backward(); oG.step()
    if dst:
        with torch.no_grad():
            torch._foreach_mul_(dst, EMA); torch._foreach_add_(dst, src, alpha=1 - EMA)
    return lg


sync = torch.cuda.synchronize if dev == "cuda" else None
ms, cpu, _ = time_steps(step, n, lambda loss: loss.item(), sync=sync)
report(ms, cpu, **torch_report_fields(torch, g, d, dev), batch=B, model="strong-dcgan", nCritic=1, ema=EMA)
