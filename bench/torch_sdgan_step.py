# Embedded in sdgan (bench/torchscript.go) from the project's shared reference ../shared/bench/torch_sdgan_step.py,
# unchanged below this comment, so that 'sdgan bench' runs from any folder. Keep the two identical.
"""Reference timing: one SD-DCGAN training step in PyTorch on the CPU.

The same network and step as ../SPEC.md (Siamese discriminator with the "conv_1" merge, k images per tuple),
so that sdgan's own step can be timed against it side by side on the same machine.

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread
  (plain --no-install-recommends pulls in the reference BLAS, about 30x slower: avoid it)
Run:  /usr/bin/python3 torch_sdgan_step.py --res 64 --k 2 --tuples 32 --steps 10
      add --tuned for PyTorch's fastest CPU path here (transposed convolutions through oneDNN).
      --device cuda times the same step on a GPU (synchronised); --amp bf16 runs it under bf16 autocast
      (CPU or GPU), the mixed-precision reference.
Prints one JSON line: median, min and max seconds per step, and the configuration.

One step = D update on a real batch and a fake batch, then G update through D (non-saturating BCE),
Adam 2e-4 / beta1 0.5, like the original. Timing starts after the warm-up steps.
"""
import argparse, json, resource, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--res", type=int, default=64, choices=[32, 64])
p.add_argument("--k", type=int, default=2, help="images per tuple")
p.add_argument("--tuples", type=int, default=32, help="tuples per batch (images per pass = tuples * k)")
p.add_argument("--steps", type=int, default=10)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--tuned", action="store_true", help="transposed convolutions through oneDNN (conv backward-data)")
p.add_argument("--mode", default="train", choices=["train", "generate"])
p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
p.add_argument("--amp", default="none", choices=["none", "bf16"], help="bf16 autocast")
a = p.parse_args()
dev = torch.device(a.device)
sync = torch.cuda.synchronize if a.device == "cuda" else (lambda: None)
torch.set_num_threads(a.threads)
torch.manual_seed(0)

D_I, D_O = 50, 50
GCH = (512, 256, 128, 64, 3) if a.res == 64 else (256, 128, 64, 3)   # generator channels, 4x4 upwards
DCH = (3, 64, 128, 256, 512) if a.res == 64 else (3, 64, 128, 256)    # discriminator tower channels


class ConvTViaConvGrad(torch.autograd.Function):
    """conv_transpose2d(x, W, stride 2, padding 2, output_padding 1) as the input-gradient of conv2d(W)."""

    @staticmethod
    def forward(ctx, x, w):
        n, _, h, wd = x.shape
        wx = w.to(x.dtype)                      # under bf16 autocast the input is bf16, the master weight fp32
        shape_only = torch.empty(n, w.shape[1], 2 * h, 2 * wd, device=x.device, dtype=x.dtype)
        y = torch.ops.aten.convolution_backward(x, shape_only, wx, None, [2, 2], [2, 2], [1, 1], False, [0, 0], 1,
                                                [True, False, False])[0]
        ctx.save_for_backward(x, wx)
        ctx.w_dtype = w.dtype
        return y

    @staticmethod
    def backward(ctx, gy):
        x, wx = ctx.saved_tensors
        gy = gy.to(x.dtype)
        gx = F.conv2d(gy, wx, None, 2, 2) if ctx.needs_input_grad[0] else None
        gw = torch.ops.aten.convolution_backward(x, gy, wx, None, [2, 2], [2, 2], [1, 1], False, [0, 0], 1,
                                                 [False, True, False])[1]
        return gx, gw.to(ctx.w_dtype)


class UpConv(nn.ConvTranspose2d):
    """5x5 stride-2 'SAME' transposed convolution: H -> 2H."""

    def __init__(self, cin, cout, bias):
        super().__init__(cin, cout, 5, 2, 2, output_padding=1, bias=bias)

    def forward(self, x):
        if not a.tuned:
            return super().forward(x)
        y = ConvTViaConvGrad.apply(x, self.weight)
        return y if self.bias is None else y + self.bias.view(1, -1, 1, 1)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.project = nn.Linear(D_I + D_O, 4 * 4 * GCH[0])
        self.bn0 = nn.BatchNorm2d(GCH[0])
        layers = []
        for i in range(len(GCH) - 1):
            last = i == len(GCH) - 2
            layers.append(UpConv(GCH[i], GCH[i + 1], bias=last))
            layers += [nn.Tanh()] if last else [nn.BatchNorm2d(GCH[i + 1]), nn.ReLU(True)]
        self.up = nn.Sequential(*layers)

    def forward(self, z):
        return self.up(F.relu(self.bn0(self.project(z).view(-1, GCH[0], 4, 4))))


class SiameseDiscriminator(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        tower = []
        for i in range(len(DCH) - 1):
            tower.append(nn.Conv2d(DCH[i], DCH[i + 1], 5, 2, 2, bias=(i == 0)))
            if i > 0:
                tower.append(nn.BatchNorm2d(DCH[i + 1]))
            tower.append(nn.LeakyReLU(0.2, True))
        self.tower = nn.Sequential(*tower)
        c = DCH[-1]
        self.merge = nn.Sequential(nn.Conv2d(k * c, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, True))
        self.out = nn.Linear(c * 2 * 2, 1)

    def forward(self, x):                       # x: [tuples*k, 3, H, W], the k images of a tuple consecutive
        f = self.tower(x)                       # [tuples*k, c, 4, 4], one shared tower
        n, c, h, w = f.shape
        f = f.view(n // self.k, self.k * c, h, w)  # concatenate the k feature maps on the channel axis
        return self.out(self.merge(f).flatten(1))


def latents(tuples, k):
    zi = torch.rand(tuples, 1, D_I, device=dev) * 2 - 1
    zo = torch.rand(tuples, k, D_O, device=dev) * 2 - 1
    return torch.cat([zi.expand(tuples, k, D_I), zo], 2).reshape(tuples * k, D_I + D_O)


G, D = Generator().to(dev), SiameseDiscriminator(a.k).to(dev)
n_img = a.tuples * a.k
real = torch.rand(n_img, 3, a.res, a.res, device=dev) * 2 - 1
amp = torch.autocast(a.device, dtype=torch.bfloat16, enabled=a.amp == "bf16")

if a.mode == "train":
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    ones, zeros = torch.ones(a.tuples, 1, device=dev), torch.zeros(a.tuples, 1, device=dev)

    def step():
        with amp:
            fake = G(latents(a.tuples, a.k))
        opt_d.zero_grad(set_to_none=True)
        with amp:
            loss_d = 0.5 * (F.binary_cross_entropy_with_logits(D(real).float(), ones) +
                            F.binary_cross_entropy_with_logits(D(fake.detach()).float(), zeros))
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        with amp:
            loss_g = F.binary_cross_entropy_with_logits(D(fake).float(), ones)
        loss_g.backward()
        opt_g.step()
else:
    G.eval()

    def step():
        with torch.no_grad(), amp:
            G(latents(a.tuples, a.k))

for _ in range(a.warmup):
    step()
sync()
times = []
for _ in range(a.steps):
    t0 = time.perf_counter()
    step()
    sync()
    times.append(time.perf_counter() - t0)

print(json.dumps(dict(
    engine="pytorch " + torch.__version__, mode=a.mode, res=a.res, k=a.k, tuples=a.tuples, images_per_pass=n_img,
    threads=a.threads, tuned=a.tuned, device=a.device, amp=a.amp, steps=a.steps,
    median_s=round(statistics.median(times), 4), min_s=round(min(times), 4), max_s=round(max(times), 4),
    peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    g_params=sum(t.numel() for t in G.parameters()), d_params=sum(t.numel() for t in D.parameters()),
)))
