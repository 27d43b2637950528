//! Greedy non-maximum suppression, as OpenCV's `NMSBoxes` and the reference do it.

use crate::face::BBox;

/// Intersection over union of two boxes.
pub(crate) fn iou(a: &BBox, b: &BBox) -> f64 {
    let iw = (a.x + a.width).min(b.x + b.width) - a.x.max(b.x);
    let ih = (a.y + a.height).min(b.y + b.height) - a.y.max(b.y);
    let inter = iw.max(0.0) * ih.max(0.0);
    inter / (a.area() + b.area() - inter)
}

/// Indexes of the kept boxes, best first. Boxes are visited by descending score (ties keep input order,
/// as the reference's stable sort does) and dropped when their IoU with a kept box is above `threshold`.
pub(crate) fn suppress(boxes: &[BBox], scores: &[f64], threshold: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut keep: Vec<usize> = Vec::new();
    for i in order {
        if keep.iter().all(|&k| iou(&boxes[i], &boxes[k]) <= threshold) {
            keep.push(i);
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox(x: f64, y: f64, w: f64, h: f64) -> BBox {
        BBox {
            x,
            y,
            width: w,
            height: h,
        }
    }

    #[test]
    fn iou_of_half_overlapping_squares_is_one_third() {
        assert!(
            (iou(&bbox(0.0, 0.0, 2.0, 2.0), &bbox(1.0, 0.0, 2.0, 2.0)) - 1.0 / 3.0).abs() < 1e-12
        );
        assert_eq!(
            iou(&bbox(0.0, 0.0, 1.0, 1.0), &bbox(5.0, 5.0, 1.0, 1.0)),
            0.0
        );
    }

    #[test]
    fn overlapping_boxes_keep_the_best_and_ties_keep_input_order() {
        let boxes = [
            bbox(0.0, 0.0, 10.0, 10.0),
            bbox(1.0, 1.0, 10.0, 10.0),
            bbox(50.0, 50.0, 10.0, 10.0),
        ];
        assert_eq!(suppress(&boxes, &[0.8, 0.9, 0.7], 0.3), vec![1, 2]);
        assert_eq!(suppress(&boxes, &[0.9, 0.9, 0.9], 0.3), vec![0, 2]);
        // IoU exactly at the threshold is kept: only "> threshold" suppresses.
        let touching = [bbox(0.0, 0.0, 2.0, 2.0), bbox(1.0, 0.0, 2.0, 2.0)];
        assert_eq!(suppress(&touching, &[0.9, 0.8], 1.0 / 3.0), vec![0, 1]);
    }
}
