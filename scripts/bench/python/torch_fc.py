"""The fully-connected GAN of ganbook's fcGan() in PyTorch (same networks as keras_fc.py):
G 100 -> Linear 256 -> 512 -> 1024 (each LeakyReLU 0.2) -> Linear 784, tanh; D 784 -> Linear 1024
-> 512 -> 256 (each LeakyReLU 0.2 then Dropout 0.3) -> Linear 1 (logit). Non-saturating loss,
Adam(2e-4, 0.5, 0.999) for both. Prints one JSON line: ms and CPU ms per generator step.
usage: python torch_fc.py [cpu|cuda] [batch] [steps]"""
import sys
from benchcommon import report, time_steps, torch_report_fields
import torch, torch.nn as nn

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
torch.manual_seed(0)
g = nn.Sequential(nn.Linear(100, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                  nn.Linear(512, 1024), nn.LeakyReLU(0.2), nn.Linear(1024, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28))).to(dev)
d = nn.Sequential(nn.Flatten(), nn.Linear(784, 1024), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                  nn.Linear(1024, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                  nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 1)).to(dev)
oG = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(B, 1, 28, 28, device=dev) * 2 - 1


def step():
    z = torch.randn(B, 100, device=dev)
    oD.zero_grad(); fr = d(g(z).detach()); rr = d(real)
    (bce(rr, torch.ones_like(rr)) + bce(fr, torch.zeros_like(fr))).backward(); oD.step()
    oG.zero_grad(); fr = d(g(z)); lg = bce(fr, torch.ones_like(fr)); lg.backward(); oG.step()
    return lg


sync = torch.cuda.synchronize if dev == "cuda" else None
ms, cpu, _ = time_steps(step, n, lambda loss: loss.item(), sync=sync)
report(ms, cpu, **torch_report_fields(torch, g, d, dev), batch=B, model="fc", nCritic=1)
