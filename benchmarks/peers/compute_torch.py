#!/usr/bin/env python3
"""PyTorch (CPU) peer for Benchmarks/ComputeBenchmark: the same shapes, timed the same way.

Our own benchmark helper, not part of the product. Prints one JSON object:
  conv_fwd_ms, conv_bwd_ms  -- 3x3 conv 128->128 on 128x192 (forward; backward = input + weight grads)
  step_ms                   -- one training step (forward + backward + Adam) of the overfitted-codec-sized
                               model described in CodecStepModel.swift (same layers, same sizes)
Usage: compute_torch.py [--threads 2] [--runs 5] [--what conv,step] [--clock wall|cpu]
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

NEIGHBOURS = [(0, -1), (-1, 0), (-1, -1), (-1, 1), (0, -2), (-2, 0), (-1, -2), (-1, 2), (-2, -1), (-2, 1),
              (0, -3), (-3, 0), (-2, -2), (-2, 2), (-1, -3), (-1, 3), (-3, -1), (-3, 1), (0, -4), (-4, 0)]


CLOCK = time.perf_counter


def median_ms(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        start = CLOCK()
        fn()
        times.append((CLOCK() - start) * 1e3)
    times.sort()
    return times[len(times) // 2]


def softround(x, t):
    m = torch.floor(x) + 0.5
    return m + 0.5 * torch.tanh((x - m) / t) / math.tanh(0.5 / t)


def laplace_bits(y, mean, log_scale):
    b = torch.exp(log_scale)
    def cdf(v):
        return 0.5 + 0.5 * torch.sign(v) * (1 - torch.exp(-torch.abs(v) / b))
    p = torch.clamp_min(cdf(y + 0.5 - mean) - cdf(y - 0.5 - mean), 2.0 ** -16)
    return -torch.log2(p).sum()


class Model(torch.nn.Module):
    def __init__(self, height=512, width=768):
        super().__init__()
        self.sizes = [(height >> k, width >> k) for k in range(7)]
        self.latents = torch.nn.ParameterList([torch.nn.Parameter(torch.rand(1, 1, h, w) - 0.5) for h, w in self.sizes])
        self.arm1_w = torch.nn.Parameter(torch.randn(20, 20) * 0.1)
        self.arm1_b = torch.nn.Parameter(torch.zeros(20, 1))
        self.arm2_w = torch.nn.Parameter(torch.randn(20, 20) * 0.1)
        self.arm2_b = torch.nn.Parameter(torch.zeros(20, 1))
        self.arm3_w = torch.nn.Parameter(torch.randn(2, 20) * 0.1)
        self.arm3_b = torch.nn.Parameter(torch.zeros(2, 1))
        self.up = torch.nn.Parameter(torch.randn(6, 8) * 0.2)
        self.res = torch.nn.Parameter(torch.randn(6, 7) * 0.05)
        self.syn_a = torch.nn.Conv2d(7, 48, 1)
        self.syn_b = torch.nn.Conv2d(48, 3, 1)
        self.syn_c = torch.nn.Conv2d(3, 3, 3, padding=1, padding_mode="replicate")
        self.syn_d = torch.nn.Conv2d(3, 3, 3, padding=1, padding_mode="replicate")

    def context(self, y):
        # The 20 causal neighbours of every latent (zero outside the grid) as 20 shifted views: 20 x HW.
        h, w = y.shape[2], y.shape[3]
        padded = F.pad(y, (4, 4, 4, 4))[0, 0]
        return torch.stack([padded[4 + dy:4 + dy + h, 4 + dx:4 + dx + w] for dy, dx in NEIGHBOURS]).reshape(20, h * w)

    def upsample(self, x, taps):
        # Channels moved to the batch axis (one shared 1-channel kernel), as Cool-chic does.
        c, h, w = x.shape[1], x.shape[2], x.shape[3]
        x = x.reshape(c, 1, h, w)
        x = F.conv_transpose2d(F.pad(x, (2, 2, 0, 0), mode="replicate"), taps.view(1, 1, 1, 8), stride=(1, 2))[..., 7:-7]
        x = F.conv_transpose2d(F.pad(x, (0, 0, 2, 2), mode="replicate"), taps.view(1, 1, 8, 1), stride=(2, 1))[..., 7:-7, :]
        return x.reshape(1, c, 2 * h, 2 * w)

    def residual_filter(self, x, taps):
        x = F.conv2d(F.pad(x, (3, 3, 0, 0), mode="replicate"), taps.view(1, 1, 1, 7))
        return F.conv2d(F.pad(x, (0, 0, 3, 3), mode="replicate"), taps.view(1, 1, 7, 1))

    def forward(self, image, temperature=0.3, noise=0.25, lam=1e-3):
        quantized = [softround(softround(y, temperature) + (torch.rand_like(y) - 0.5) * 2 * noise, temperature)
                     for y in self.latents]
        flat = torch.cat([q.reshape(-1) for q in quantized])
        # Feature-major (20 x latents) so every layer is one GEMM, like the Swift side.
        ctx = torch.cat([self.context(q) for q in quantized], 1)
        h = F.relu(ctx + torch.addmm(self.arm1_b, self.arm1_w, ctx))
        h = F.relu(h + torch.addmm(self.arm2_b, self.arm2_w, h))
        out = torch.addmm(self.arm3_b, self.arm3_w, h)
        mean, log_scale = out[0], torch.clamp(out[1] - 4, -5, 5)
        bits = laplace_bits(flat, mean, log_scale)
        stack = quantized[6]
        for k in range(5, -1, -1):
            grid = quantized[k]
            stack = torch.cat([self.upsample(stack, self.up[k]), grid + self.residual_filter(grid, self.res[k])], 1)
        x = self.syn_b(F.relu(self.syn_a(stack)))
        x = x + F.relu(self.syn_c(x))
        x = x + self.syn_d(x)
        mse = F.mse_loss(x, image)
        return mse + lam * bits / (image.shape[2] * image.shape[3])


def conv_times(runs):
    x = torch.randn(1, 128, 128, 192, requires_grad=True)
    conv = torch.nn.Conv2d(128, 128, 3, padding=1)
    with torch.no_grad():
        fwd = median_ms(lambda: conv(x), runs)
    y = conv(x).detach()
    g = torch.randn_like(y)

    def backward():
        out = conv(x)
        torch.autograd.grad(out, [x, conv.weight, conv.bias], g)
    both = median_ms(backward, runs)
    return fwd, max(0.0, both - fwd)


def step_time(runs):
    model = Model()
    image = torch.rand(1, 3, 512, 768)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = model(image)
        loss.backward()
        optimizer.step()
    return median_ms(step, runs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--what", default="conv,step")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="wall: elapsed time; cpu: CPU time of the process (all threads)")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.perf_counter if args.clock == "wall" else time.process_time
    torch.set_num_threads(args.threads)
    result = {"torch_version": torch.__version__, "threads": args.threads}
    what = args.what.split(",")
    if "conv" in what:
        result["conv_fwd_ms"], result["conv_bwd_ms"] = conv_times(args.runs)
    if "step" in what:
        result["step_ms"] = step_time(args.runs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
