"""PyTorch side of `make bench`: the same networks and training configuration as
bench/train.c (LeNet-300-100 and Caffe's LeNet-5, SGD with momentum 0.9 and weight
decay 5e-4, batch 64, one thread), timed in images per CPU-second
(time.process_time), then compared with the figures bench/train.c wrote to
build/bench/train.tsv. Optional: scripts/bench.sh runs it only where torch imports.

usage: python3 bench/torch_lenet.py build/bench/train.tsv
"""
import csv
import sys
import time

import torch
from torch import nn


def lenet_300_100():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(),
                         nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))


def lenet_5():
    return nn.Sequential(nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 500), nn.ReLU(),
                         nn.Linear(500, 10))


def train_rate(model, steps, batch=64):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(batch * 16, 1, 28, 28, generator=gen)
    y = torch.randint(0, 10, (batch * 16,), generator=gen)

    def step(i):
        j = (i % 16) * batch
        opt.zero_grad()
        loss_fn(model(x[j:j + batch]), y[j:j + batch]).backward()
        opt.step()

    for i in range(10):
        step(i)
    t0 = time.process_time()
    for i in range(steps):
        step(i)
    return steps * batch / (time.process_time() - t0)


def infer_rate(model, batch, images):
    x = torch.randn(batch, 1, 28, 28)
    with torch.no_grad():
        model(x)
        t0 = time.process_time()
        for _ in range((images + batch - 1) // batch):
            model(x)
    return (images + batch - 1) // batch * batch / (time.process_time() - t0)


def main():
    torch.set_num_threads(1)
    ours = {}
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                key = (row["network"], row["mode"], int(row["batch"]), int(row["threads"]))
                ours[key] = float(row["img_per_cpu_s"])
    print("PyTorch %s, 1 thread (images per CPU-second; ratio = esim / PyTorch)" %
          torch.__version__)
    for name, make, steps in (("lenet-300-100", lenet_300_100, 3000),
                              ("lenet-5", lenet_5, 400)):
        runs = (("train", 64, lambda m: train_rate(m, steps)),
                ("infer", 1, lambda m: infer_rate(m.eval(), 1, 5000)),
                ("infer", 1000, lambda m: infer_rate(m.eval(), 1000, 20000)))
        for mode, batch, fn in runs:
            torch.manual_seed(1)
            rate = fn(make())
            ratios = ["%u thread%s %.2fx" % (t, "s" if t > 1 else "", ours[k] / rate)
                      for t in (1, 2) for k in [(name, mode, batch, t)] if k in ours]
            print("%-14s %-9s batch %4d: %9.0f img/CPU-s   esim: %s" %
                  (name, "training" if mode == "train" else "inference", batch, rate,
                   ", ".join(ratios) or "no figure"))


if __name__ == "__main__":
    main()
