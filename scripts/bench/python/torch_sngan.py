"""SNGAN in PyTorch (same networks as keras_sngan.py): the reference DCGAN generator and the DCGAN
discriminator with torch.nn.utils.parametrizations.spectral_norm (one power iteration per training
forward pass, u kept) on every Conv2d / Linear. Hinge loss, Adam(2e-4, 0.5, 0.999), nCritic 1.
Prints one JSON line: ms and CPU ms per generator step.
usage: python torch_sngan.py [cpu|cuda] [batch] [steps]"""
import sys
from benchcommon import report, time_steps, torch_report_fields
import torch, torch.nn as nn
from torch.nn.utils.parametrizations import spectral_norm

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
torch.manual_seed(0)
g = nn.Sequential(nn.Linear(100, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.LeakyReLU(0.3), nn.Unflatten(1, (128, 7, 7)),
                  nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.3),
                  nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh()).to(dev)
d = nn.Sequential(spectral_norm(nn.Conv2d(1, 64, 4, 2, 1)), nn.LeakyReLU(0.2),
                  spectral_norm(nn.Conv2d(64, 128, 4, 2, 1)), nn.LeakyReLU(0.2),
                  nn.Flatten(), spectral_norm(nn.Linear(128 * 7 * 7, 1))).to(dev)
oG = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
real = torch.rand(B, 1, 28, 28, device=dev) * 2 - 1


def step():
    z = torch.randn(B, 100, device=dev)
    oD.zero_grad(); fr = d(g(z).detach()); rr = d(real)
    (torch.relu(1 - rr).mean() + torch.relu(1 + fr).mean()).backward(); oD.step()
    oG.zero_grad(); lg = -d(g(z)).mean(); lg.backward(); oG.step()
    return lg


sync = torch.cuda.synchronize if dev == "cuda" else None
ms, cpu, _ = time_steps(step, n, lambda loss: loss.item(), sync=sync)
report(ms, cpu, **torch_report_fields(torch, g, d, dev), batch=B, model="sngan", nCritic=1)
