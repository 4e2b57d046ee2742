#!/usr/bin/env python3
"""Train a small convolutional network on the digits data set and keep the
best checkpoint.

Checkpoints are written with ``torch.save(model.state_dict())`` and read
back with ``weights_only=True`` so that a checkpoint cannot smuggle in
arbitrary pickled objects.  ``model.eval()`` below is PyTorch's switch to
inference mode, not Python's eval.

    train_digits.py --epochs 20 --lr 3e-3 --out runs/digits
    train_digits.py --evaluate runs/digits/best.pt
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset, random_split

log = logging.getLogger("train")


@dataclass
class Config:
    epochs: int = 15
    batch_size: int = 64
    lr: float = 3e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.15
    seed: int = 0
    patience: int = 5
    out: str = "runs/digits"


class DigitNet(nn.Module):
    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 4 * 4, 64), nn.ReLU(),
            nn.Linear(64, classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_digits_dataset() -> TensorDataset:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x, y)


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    return (logits.argmax(dim=1) == y).float().mean().item()


def run_epoch(model: nn.Module, loader: DataLoader, loss_fn, optimiser=None,
              device: str = "cpu") -> tuple[float, float]:
    training = optimiser is not None
    model.train(training)
    total_loss = total_acc = 0.0
    n = 0
    with torch.set_grad_enabled(training):
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss = loss_fn(logits, y)
            if training:
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 5.0)
                optimiser.step()
            total_loss += loss.item() * len(y)
            total_acc += accuracy(logits, y) * len(y)
            n += len(y)
    return total_loss / n, total_acc / n


def cosine_lr(step: int, total: int, base: float, warmup: int = 50) -> float:
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def train(cfg: Config) -> dict:
    set_seed(cfg.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = load_digits_dataset()
    n_val = int(len(data) * cfg.val_fraction)
    train_set, val_set = random_split(data, [len(data) - n_val, n_val],
                                      generator=torch.Generator().manual_seed(cfg.seed))
    train_loader = DataLoader(train_set, batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)

    model = DigitNet().to(device)
    optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    total_steps = cfg.epochs * len(train_loader)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)

    best = {"val_acc": -1.0, "epoch": -1}
    history = []
    step = 0
    stale = 0
    for epoch in range(1, cfg.epochs + 1):
        started = time.perf_counter()
        for group in optimiser.param_groups:
            group["lr"] = cosine_lr(step, total_steps, cfg.lr)
        tr_loss, tr_acc = run_epoch(model, train_loader, loss_fn, optimiser, device)
        step += len(train_loader)
        model.eval()
        va_loss, va_acc = run_epoch(model, val_loader, loss_fn, None, device)
        row = {"epoch": epoch, "train_loss": tr_loss, "train_acc": tr_acc,
               "val_loss": va_loss, "val_acc": va_acc,
               "seconds": round(time.perf_counter() - started, 2)}
        history.append(row)
        log.info("epoch %2d  loss %.4f acc %.3f | val loss %.4f acc %.3f",
                 epoch, tr_loss, tr_acc, va_loss, va_acc)
        if va_acc > best["val_acc"]:
            best = {"val_acc": va_acc, "epoch": epoch}
            torch.save(model.state_dict(), out / "best.pt")
            stale = 0
        else:
            stale += 1
            if stale >= cfg.patience:
                log.info("no improvement for %d epochs; stopping early", stale)
                break

    (out / "history.json").write_text(json.dumps(history, indent=2))
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    return best


def evaluate(checkpoint: Path) -> float:
    model = DigitNet()
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    loader = DataLoader(load_digits_dataset(), batch_size=512)
    correct = total = 0
    confusion = np.zeros((10, 10), dtype=int)
    with torch.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            correct += (pred == y).sum().item()
            total += len(y)
            for t, p in zip(y.tolist(), pred.tolist()):
                confusion[t, p] += 1
    print("confusion matrix (rows: truth)")
    print("     " + " ".join(f"{i:>4}" for i in range(10)))
    for i, row in enumerate(confusion):
        print(f"{i:>4} " + " ".join(f"{v:>4}" for v in row))
    return correct / total


def main() -> int:
    p = argparse.ArgumentParser(description="train a CNN on sklearn's digits")
    p.add_argument("--epochs", type=int, default=Config.epochs)
    p.add_argument("--batch-size", type=int, default=Config.batch_size)
    p.add_argument("--lr", type=float, default=Config.lr)
    p.add_argument("--seed", type=int, default=Config.seed)
    p.add_argument("--out", default=Config.out)
    p.add_argument("--evaluate", type=Path, metavar="CHECKPOINT")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.evaluate:
        acc = evaluate(args.evaluate)
        print(f"accuracy {acc:.4f}")
        return 0
    cfg = Config(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                 seed=args.seed, out=args.out)
    best = train(cfg)
    print(f"best validation accuracy {best['val_acc']:.4f} at epoch {best['epoch']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
