"""The bench's `upsample` preset in PyTorch (same networks as keras_upsample.py and presets.ts'
`handBuilt`): G upsamples (nearest, then bilinear) and convolves, D pads, average-pools and ends in
global average pooling. Non-saturating loss on logits, Adam(2e-4, 0.5, 0.999), nCritic 1.
Prints one JSON line: ms and CPU ms per generator step.
usage: python torch_upsample.py [cpu|cuda] [batch] [steps]"""
import sys
from benchcommon import report, time_steps, torch_report_fields
import torch, torch.nn as nn

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
torch.manual_seed(0)
g = nn.Sequential(nn.Linear(100, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.LeakyReLU(0.2), nn.Unflatten(1, (128, 7, 7)),
                  nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(128, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2),
                  nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(64, 1, 3, 1, 1), nn.Tanh()).to(dev)
d = nn.Sequential(nn.ZeroPad2d(2), nn.Conv2d(1, 64, 3, 1, 1), nn.LeakyReLU(0.2), nn.AvgPool2d(2),
                  nn.Conv2d(64, 128, 3, 2, 1), nn.LeakyReLU(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 1)).to(dev)
oG = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(B, 1, 28, 28, device=dev) * 2 - 1
ones, zeros = torch.ones(B, 1, device=dev), torch.zeros(B, 1, device=dev)


def step():
    z = torch.randn(B, 100, device=dev)
    oD.zero_grad(); (bce(d(real), ones) + bce(d(g(z).detach()), zeros)).backward(); oD.step()
    oG.zero_grad(); lg = bce(d(g(z)), ones); lg.backward(); oG.step()
    return lg


sync = torch.cuda.synchronize if dev == "cuda" else None
ms, cpu, _ = time_steps(step, n, lambda loss: loss.item(), sync=sync)
report(ms, cpu, **torch_report_fields(torch, g, d, dev), batch=B, model="upsample", nCritic=1)
