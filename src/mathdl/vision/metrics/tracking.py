"""Multi-object tracking metrics: CLEAR-MOT (Bernardin & Stiefelhagen 2008) and the identity scores
(Ristani et al. 2016), with boxes matched when their IoU ≥ ``iou_threshold`` (0.5).

A sequence is a list of frames; a frame is a dict ``boxes`` (k, 4) ``xyxy`` and ``track_ids`` (k,)
(``ids`` is accepted too), for the ground truth (GT) and for the tracker's hypotheses alike.

CLEAR-MOT, frame by frame:
1. a GT object keeps the hypothesis it was last matched to if that hypothesis is present and still
   overlaps it (IoU ≥ threshold);
2. the remaining objects and hypotheses are matched by the assignment of least total distance
   1 − IoU over the allowed pairs (``linear_sum_assignment``), the most pairs first;
3. a match whose object was last matched to a different hypothesis is an identity switch;
   unmatched objects are misses (FN), unmatched hypotheses false positives (FP).

    MOTA = 1 − (FN + FP + IDSW) / GT          GT = the number of object boxes over all frames
    MOTP = Σ IoU of matches / number of matches   (the MOT Challenge convention, 1 − mean distance)

Identity scores: each GT trajectory is paired with at most one hypothesis trajectory for the whole
sequence, by the assignment maximising IDTP = the number of frames in which paired trajectories
match (IoU ≥ threshold); then IDFN = GT − IDTP, IDFP = hypothesis boxes − IDTP and

    IDP = IDTP / (IDTP + IDFP),   IDR = IDTP / (IDTP + IDFN),   IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN).

``tracking_metrics`` accepts one sequence or a list of sequences; counts are summed over sequences
(each matched on its own) before the ratios are formed, as py-motmetrics' overall summary.
"""

import numpy as np

from mathdl.optimize.assignment import linear_sum_assignment
from mathdl.vision.ops.nms import pairwise_iou_array

_NO_PAIR = 1e6  # cost of a pair that may not match: any count of allowed pairs beats it


def _frame(entry, where):
    if not isinstance(entry, dict):
        raise TypeError(f"{where}: each frame must be a dict with 'boxes' and 'track_ids'")
    ids = entry.get("track_ids", entry.get("ids"))
    if "boxes" not in entry or ids is None:
        raise ValueError(
            f"{where}: each frame needs 'boxes' and 'track_ids' (or 'ids'), got keys {sorted(entry)}"
        )
    boxes = np.asarray(getattr(entry["boxes"], "array", entry["boxes"]), dtype=np.float64).reshape(-1, 4)
    ids = np.asarray(getattr(ids, "array", ids)).reshape(-1).astype(np.int64)
    if ids.shape[0] != boxes.shape[0]:
        raise ValueError(f"{where}: {boxes.shape[0]} boxes but {ids.shape[0]} track ids")
    if len(np.unique(ids)) != len(ids):
        raise ValueError(f"{where}: track ids repeat within a frame: {ids.tolist()}")
    return boxes, ids


def _iou(boxes1, boxes2):
    return np.nan_to_num(pairwise_iou_array(boxes1, boxes2), nan=0.0)


def _match_frame(gt_ids, hyp_ids, iou, last_match, iou_threshold):
    """CLEAR-MOT correspondences of one frame: list of (gt index, hyp index) and the switch count."""
    pairs, used_gt, used_hyp = [], set(), set()
    hyp_index = {h: j for j, h in enumerate(hyp_ids)}
    for i, g in enumerate(gt_ids):
        j = hyp_index.get(last_match.get(g))
        if j is not None and j not in used_hyp and iou[i, j] >= iou_threshold:
            pairs.append((i, j))
            used_gt.add(i)
            used_hyp.add(j)
    rest_gt = [i for i in range(len(gt_ids)) if i not in used_gt]
    rest_hyp = [j for j in range(len(hyp_ids)) if j not in used_hyp]
    switches = 0
    if rest_gt and rest_hyp:
        sub = iou[np.ix_(rest_gt, rest_hyp)]
        cost = np.where(sub >= iou_threshold, 1.0 - sub, _NO_PAIR)
        for r, c in zip(*linear_sum_assignment(cost)):
            if cost[r, c] < _NO_PAIR:
                i, j = rest_gt[r], rest_hyp[c]
                pairs.append((i, j))
                switches += int(gt_ids[i] in last_match and last_match[gt_ids[i]] != hyp_ids[j])
    return pairs, switches


def _sequence_counts(ground_truth, hypotheses, iou_threshold):
    if len(ground_truth) != len(hypotheses):
        raise ValueError(
            f"tracking_metrics: a sequence has {len(ground_truth)} ground-truth frames but "
            f"{len(hypotheses)} hypothesis frames"
        )
    counts = dict.fromkeys(("objects", "hypotheses", "matches", "switches", "iou_sum"), 0.0)
    last_match, overlap = {}, {}
    for t, (gt_entry, hyp_entry) in enumerate(zip(ground_truth, hypotheses)):
        gt_boxes, gt_ids = _frame(gt_entry, f"tracking_metrics: ground truth frame {t}")
        hyp_boxes, hyp_ids = _frame(hyp_entry, f"tracking_metrics: hypothesis frame {t}")
        iou = _iou(gt_boxes, hyp_boxes)
        pairs, switches = _match_frame(gt_ids.tolist(), hyp_ids.tolist(), iou, last_match, iou_threshold)
        for i, j in pairs:
            last_match[int(gt_ids[i])] = int(hyp_ids[j])
            counts["iou_sum"] += iou[i, j]
        for i, j in zip(*np.nonzero(iou >= iou_threshold)):  # for the identity scores
            key = (int(gt_ids[i]), int(hyp_ids[j]))
            overlap[key] = overlap.get(key, 0) + 1
        counts["objects"] += len(gt_ids)
        counts["hypotheses"] += len(hyp_ids)
        counts["matches"] += len(pairs)
        counts["switches"] += switches
    counts["idtp"] = _identity_true_positives(overlap)
    return counts


def _identity_true_positives(overlap):
    """max Σ overlap over one-to-one pairings of GT and hypothesis trajectories."""
    if not overlap:
        return 0.0
    gt_ids = sorted({g for g, _ in overlap})
    hyp_ids = sorted({h for _, h in overlap})
    table = np.zeros((len(gt_ids), len(hyp_ids)))
    for (g, h), count in overlap.items():
        table[gt_ids.index(g), hyp_ids.index(h)] = count
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum())


def _ratio(numerator, denominator, empty):
    return float(numerator / denominator) if denominator else empty


def tracking_metrics(ground_truth, hypotheses, iou_threshold=0.5):
    """CLEAR-MOT and identity metrics of tracker output against ground truth.

    Args:
        ground_truth: one sequence (a list of frame dicts ``boxes``, ``track_ids``) or a list of them.
        hypotheses: the tracker's output, the same shape.
        iou_threshold: least IoU for a box of a track to count as the object's.

    Returns a dict: ``mota, motp, idf1, idp, idr`` (floats) and the counts ``num_objects,
    num_predictions, num_matches, num_misses, num_false_positives, num_switches, idtp, idfp, idfn``.

    >>> gt = [{"boxes": [[0, 0, 10, 10]], "track_ids": [1]}] * 3
    >>> hyp = [{"boxes": [[0, 0, 10, 10]], "track_ids": [7]}] * 2 + [{"boxes": [[0, 0, 10, 10]], "track_ids": [8]}]
    >>> result = tracking_metrics(gt, hyp)
    >>> result["num_switches"], round(result["mota"], 4), round(result["idf1"], 4)
    (1, 0.6667, 0.6667)
    """
    if not 0 < iou_threshold <= 1:
        raise ValueError(f"tracking_metrics: iou_threshold must be in (0, 1], got {iou_threshold!r}")
    if not isinstance(ground_truth, (list, tuple)) or not isinstance(hypotheses, (list, tuple)):
        raise TypeError(
            "tracking_metrics: ground_truth and hypotheses must be lists of frames (or of sequences)"
        )
    nested = bool(ground_truth) and isinstance(ground_truth[0], (list, tuple))
    gt_sequences, hyp_sequences = (ground_truth, hypotheses) if nested else ([ground_truth], [hypotheses])
    if len(gt_sequences) != len(hyp_sequences):
        raise ValueError(
            f"tracking_metrics: {len(gt_sequences)} ground-truth sequences but {len(hyp_sequences)} hypothesis sequences"
        )
    total = dict.fromkeys(("objects", "hypotheses", "matches", "switches", "iou_sum", "idtp"), 0.0)
    for gt_sequence, hyp_sequence in zip(gt_sequences, hyp_sequences):
        for key, value in _sequence_counts(gt_sequence, hyp_sequence, iou_threshold).items():
            total[key] += value
    return _summary(total)


def _summary(total):
    objects, predictions, matches = int(total["objects"]), int(total["hypotheses"]), int(total["matches"])
    misses, false_positives, switches = objects - matches, predictions - matches, int(total["switches"])
    idtp = int(total["idtp"])
    idfn, idfp = objects - idtp, predictions - idtp
    return {
        "mota": _ratio(objects - misses - false_positives - switches, objects, float("nan")),
        "motp": _ratio(total["iou_sum"], matches, float("nan")),
        "idf1": _ratio(2 * idtp, 2 * idtp + idfp + idfn, float("nan")),
        "idp": _ratio(idtp, idtp + idfp, float("nan")),
        "idr": _ratio(idtp, idtp + idfn, float("nan")),
        "num_objects": objects,
        "num_predictions": predictions,
        "num_matches": matches,
        "num_misses": misses,
        "num_false_positives": false_positives,
        "num_switches": switches,
        "idtp": idtp,
        "idfp": idfp,
        "idfn": idfn,
    }
