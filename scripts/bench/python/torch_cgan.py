"""ganbook's conditionalGan() (the conditional DCGAN of keras_cgan.py) in PyTorch: G embeds the
label (Embedding 10 -> 50) and concatenates it to z, then the reference DCGAN generator; D embeds
the label to one 28x28 plane (Embedding 10 -> 784) concatenated to the image as a second channel,
then the reference DCGAN discriminator. Non-saturating loss, Adam(2e-4, 0.5, 0.999), batch 64.
Prints one JSON line: ms and CPU ms per generator step.
usage: python torch_cgan.py [cpu|cuda] [batch] [steps]"""
import sys
from benchcommon import report, time_steps, torch_report_fields
import torch, torch.nn as nn

dev = sys.argv[1] if len(sys.argv) > 1 else "cpu"
B = int(sys.argv[2]) if len(sys.argv) > 2 else 64
n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
torch.manual_seed(0)


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 50)
        self.net = nn.Sequential(nn.Linear(150, 7 * 7 * 128), nn.BatchNorm1d(7 * 7 * 128), nn.LeakyReLU(0.3), nn.Unflatten(1, (128, 7, 7)),
                                 nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.3),
                                 nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh())

    def forward(self, z, y):
        return self.net(torch.cat([z, self.emb(y)], 1))


class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 28 * 28)
        self.net = nn.Sequential(nn.Conv2d(2, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1), nn.LeakyReLU(0.2),
                                 nn.Flatten(), nn.Linear(128 * 7 * 7, 1))

    def forward(self, x, y):
        return self.net(torch.cat([x, self.emb(y).view(-1, 1, 28, 28)], 1))


g, d = G().to(dev), D().to(dev)
oG = torch.optim.Adam(g.parameters(), 2e-4, betas=(0.5, 0.999))
oD = torch.optim.Adam(d.parameters(), 2e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
real = torch.rand(B, 1, 28, 28, device=dev) * 2 - 1
labels = torch.arange(B, device=dev) % 10


def step():
    z = torch.randn(B, 100, device=dev)
    oD.zero_grad(); fr = d(g(z, labels).detach(), labels); rr = d(real, labels)
    (bce(rr, torch.ones_like(rr)) + bce(fr, torch.zeros_like(fr))).backward(); oD.step()
    oG.zero_grad(); fr = d(g(z, labels), labels); lg = bce(fr, torch.ones_like(fr)); lg.backward(); oG.step()
    return lg


sync = torch.cuda.synchronize if dev == "cuda" else None
ms, cpu, _ = time_steps(step, n, lambda loss: loss.item(), sync=sync)
report(ms, cpu, **torch_report_fields(torch, g, d, dev), batch=B, model="conditional-dcgan", nCritic=1)
