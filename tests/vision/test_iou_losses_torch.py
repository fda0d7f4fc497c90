"""The IoU losses and pairwise IoUs against torchvision's code transcribed into PyTorch ops (torchvision
itself is not installed): values and gradients in float64, CIoU's α under ``torch.no_grad`` as there."""

import math

import numpy as np
import pytest

from mathdl.vision import ops
from torch_oracle import compare_with_torch


def _torch_inter_union(torch, boxes1, boxes2):
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    xkis1, ykis1 = torch.max(x1, x1g), torch.max(y1, y1g)
    xkis2, ykis2 = torch.min(x2, x2g), torch.min(y2, y2g)
    intsctk = torch.zeros_like(x1)
    mask = (ykis2 > ykis1) & (xkis2 > xkis1)
    intsctk[mask] = (xkis2[mask] - xkis1[mask]) * (ykis2[mask] - ykis1[mask])
    unionk = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - intsctk
    return intsctk, unionk


def torch_giou_loss(torch, boxes1, boxes2, eps=1e-7):
    intsctk, unionk = _torch_inter_union(torch, boxes1, boxes2)
    iouk = intsctk / (unionk + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    area_c = (torch.max(x2, x2g) - torch.min(x1, x1g)) * (torch.max(y2, y2g) - torch.min(y1, y1g))
    return 1 - (iouk - ((area_c - unionk) / (area_c + eps)))


def torch_diou_loss_and_iou(torch, boxes1, boxes2, eps=1e-7):
    intsct, union = _torch_inter_union(torch, boxes1, boxes2)
    iou = intsct / (union + eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    diagonal = (
        (torch.max(x2, x2g) - torch.min(x1, x1g)) ** 2 + (torch.max(y2, y2g) - torch.min(y1, y1g)) ** 2 + eps
    )
    centres = ((x2 + x1) / 2 - (x1g + x2g) / 2) ** 2 + ((y2 + y1) / 2 - (y1g + y2g) / 2) ** 2
    return 1 - iou + centres / diagonal, iou


def torch_ciou_loss(torch, boxes1, boxes2, eps=1e-7):
    diou_loss, iou = torch_diou_loss_and_iou(torch, boxes1, boxes2, eps)
    x1, y1, x2, y2 = boxes1.unbind(dim=-1)
    x1g, y1g, x2g, y2g = boxes2.unbind(dim=-1)
    v = (4 / (math.pi**2)) * torch.pow(
        torch.atan((x2g - x1g) / (y2g - y1g)) - torch.atan((x2 - x1) / (y2 - y1)), 2
    )
    with torch.no_grad():
        alpha = v / (1 - iou + v + eps)
    return diou_loss + alpha * v


def pairs(seed, n=12):
    rng = np.random.default_rng(seed)
    corner = rng.uniform(0, 4, (n, 2))
    boxes1 = np.concatenate([corner, corner + rng.uniform(0.5, 3, (n, 2))], axis=1)
    shift = rng.uniform(-3, 3, (n, 2))  # some pairs overlap, some do not
    boxes2 = np.concatenate([corner + shift, corner + shift + rng.uniform(0.5, 3, (n, 2))], axis=1)
    return boxes1, boxes2


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name", ["giou", "diou", "ciou"])
def test_losses_match_torchvision_formulas_in_torch(torch, name, seed):
    ours = {
        "giou": ops.generalized_box_iou_loss,
        "diou": ops.distance_box_iou_loss,
        "ciou": ops.complete_box_iou_loss,
    }[name]
    theirs = {
        "giou": lambda a, b: torch_giou_loss(torch, a, b),
        "diou": lambda a, b: torch_diou_loss_and_iou(torch, a, b)[0],
        "ciou": lambda a, b: torch_ciou_loss(torch, a, b),
    }[name]
    compare_with_torch(torch, ours, theirs, list(pairs(seed)), seed=seed)


def test_pairwise_iou_matches_torchvision_formula_in_torch(torch):
    def torch_box_iou(boxes1, boxes2):
        area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
        area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
        lt = torch.max(boxes1[:, None, :2], boxes2[:, :2])
        rb = torch.min(boxes1[:, None, 2:], boxes2[:, 2:])
        wh = (rb - lt).clamp(min=0)
        inter = wh[:, :, 0] * wh[:, :, 1]
        return inter / (area1[:, None] + area2 - inter)

    boxes1, boxes2 = pairs(5, n=7)
    compare_with_torch(torch, ops.box_iou, torch_box_iou, [boxes1, boxes2[:4]])
