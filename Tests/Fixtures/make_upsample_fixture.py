#!/usr/bin/env python3
"""Generates the PyTorch reference values in Tests/NeuralKernelsTests/UpsampleTests.swift
(our own fixture generator; run with a Python that has torch, paste the printed arrays)."""
import torch
import torch.nn.functional as F

x = torch.tensor([[0.1, 0.9, 0.4, 0.7], [0.3, -0.2, 0.8, 0.0], [1.0, 0.5, -0.6, 0.2]]).view(1, 1, 3, 4)
for mode in ["bilinear", "bicubic"]:
    for factor in [2, 3]:
        y = F.interpolate(x, scale_factor=factor, mode=mode, align_corners=False)
        print(mode, factor, "[" + ", ".join(f"{v:.7f}" for v in y.flatten().tolist()) + "]")
