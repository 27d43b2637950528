//! Pixel geometry with OpenCV's conventions, written out so that the crops equal the reference's
//! (`shared/reference/pipeline.py`): similarity fit, affine warp, bilinear resize, area downscale.
//! Every resampler rounds as OpenCV does on 8-bit images: ⌊v + 0.5⌋ saturated to 0..255.

use image::RgbImage;

use crate::face::Point;

/// A 2×3 affine map from source pixels to output pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine(pub [[f64; 3]; 2]);

impl Affine {
    /// √|det A|, the uniform scale of a similarity.
    pub fn scale(&self) -> f64 {
        let [[a, b, _], [c, d, _]] = self.0;
        (a * d - b * c).abs().sqrt()
    }

    pub fn apply(&self, p: Point) -> Point {
        let [[a, b, tx], [c, d, ty]] = self.0;
        Point {
            x: a * p.x + b * p.y + tx,
            y: c * p.x + d * p.y + ty,
        }
    }

    pub fn invert(&self) -> Affine {
        let [[a, b, tx], [c, d, ty]] = self.0;
        let det = a * d - b * c;
        let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det);
        Affine([
            [ia, ib, -(ia * tx + ib * ty)],
            [ic, id, -(ic * tx + id * ty)],
        ])
    }
}

/// Least-squares 4-DOF similarity (scale, rotation, translation, no reflection) mapping `src` onto `dst`:
/// Umeyama's solution in its 2-D closed form, a = Σp·q / Σ|p|², b = Σp×q / Σ|p|² on centred points.
pub fn similarity_transform(src: &[Point], dst: &[Point]) -> Affine {
    let mean = |pts: &[Point]| {
        let n = pts.len() as f64;
        Point {
            x: pts.iter().map(|p| p.x).sum::<f64>() / n,
            y: pts.iter().map(|p| p.y).sum::<f64>() / n,
        }
    };
    let (ms, md) = (mean(src), mean(dst));
    let (mut norm, mut dot, mut cross) = (0.0, 0.0, 0.0);
    for (s, d) in src.iter().zip(dst) {
        let (px, py, qx, qy) = (s.x - ms.x, s.y - ms.y, d.x - md.x, d.y - md.y);
        norm += px * px + py * py;
        dot += px * qx + py * qy;
        cross += px * qy - py * qx;
    }
    let (a, b) = (dot / norm, cross / norm);
    Affine([
        [a, -b, md.x - (a * ms.x - b * ms.y)],
        [b, a, md.y - (b * ms.x + a * ms.y)],
    ])
}

/// ⌊v + 0.5⌋ saturated to 0..255; `as u8` already saturates and truncation is floor for v ≥ −0.5.
#[inline]
fn to_u8(v: f64) -> u8 {
    (v + 0.5) as u8
}

/// A window onto an RGB image that knows the full image's bounds, so a warp from a region computed
/// on its own (the pre-shrunk face area) treats pixels outside the full image, not the window, as black.
pub(crate) struct View<'a> {
    pub pixels: &'a [u8],
    pub width: usize,
    pub origin: (i64, i64),
    pub full: (i64, i64),
}

impl<'a> View<'a> {
    pub fn whole(image: &'a RgbImage) -> Self {
        let (w, h) = image.dimensions();
        Self {
            pixels: image.as_raw(),
            width: w as usize,
            origin: (0, 0),
            full: (i64::from(w), i64::from(h)),
        }
    }

    #[inline]
    fn tap(&self, x: i64, y: i64) -> [f64; 3] {
        if x < 0 || y < 0 || x >= self.full.0 || y >= self.full.1 {
            return [0.0; 3];
        }
        let i = ((y - self.origin.1) as usize * self.width + (x - self.origin.0) as usize) * 3;
        let p = &self.pixels[i..i + 3];
        [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]
    }
}

/// cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT 0): output (x, y) samples the source at m⁻¹(x, y) with
/// pixel centres on integers; each of the 4 taps outside the image counts as 0.
pub fn warp_affine(image: &RgbImage, m: &Affine, out_w: u32, out_h: u32) -> RgbImage {
    warp_view(&View::whole(image), m, out_w, out_h)
}

pub(crate) fn warp_view(src: &View, m: &Affine, out_w: u32, out_h: u32) -> RgbImage {
    let [[a, b, c], [d, e, f]] = m.invert().0;
    let mut out = RgbImage::new(out_w, out_h);
    for (x, y, px) in out.enumerate_pixels_mut() {
        let (xf, yf) = (f64::from(x), f64::from(y));
        let sx = a * xf + b * yf + c;
        let sy = d * xf + e * yf + f;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let (t00, t01, t10, t11) = (
            src.tap(x0, y0),
            src.tap(x0 + 1, y0),
            src.tap(x0, y0 + 1),
            src.tap(x0 + 1, y0 + 1),
        );
        for ch in 0..3 {
            px.0[ch] = to_u8(
                t00[ch] * (1.0 - fx) * (1.0 - fy)
                    + t01[ch] * fx * (1.0 - fy)
                    + t10[ch] * (1.0 - fx) * fy
                    + t11[ch] * fx * fy,
            );
        }
    }
    out
}

/// Integer pixel rectangle: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(self, other: Rect) -> Rect {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        let right = (self.x + self.width).max(other.x + other.width);
        let bottom = (self.y + self.height).max(other.y + other.height);
        Rect {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }
}

/// First tap, second tap and weight of the second, per output index, as cv2.resize INTER_LINEAR picks
/// them: output d samples (d + 0.5)·n_src/n_dst − 0.5; outside [0, n_src − 1] the edge pixel stands alone.
fn linear_taps(n_src: u32, n_dst: u32) -> Vec<(usize, usize, f32)> {
    let ratio = f64::from(n_src) / f64::from(n_dst);
    (0..n_dst)
        .map(|d| {
            let pos = (f64::from(d) + 0.5) * ratio - 0.5;
            let i0 = pos.floor();
            if i0 < 0.0 {
                (0, 0, 0.0)
            } else if i0 >= f64::from(n_src - 1) {
                (n_src as usize - 1, n_src as usize - 1, 0.0)
            } else {
                (i0 as usize, i0 as usize + 1, (pos - i0) as f32)
            }
        })
        .collect()
}

/// cv2.resize INTER_LINEAR of the `rect` region to out_w × out_h: 2 taps per axis, vertical pass first, no
/// anti-aliasing (a widened "bilinear" moves the detections, see the reference README). f32 arithmetic.
pub fn resize_bilinear(image: &RgbImage, rect: Rect, out_w: u32, out_h: u32) -> RgbImage {
    let shift = |taps: Vec<(usize, usize, f32)>, by: u32| {
        taps.into_iter()
            .map(|(a, b, f)| (a + by as usize, b + by as usize, f))
            .collect::<Vec<_>>()
    };
    let xs = shift(linear_taps(rect.width, out_w), rect.x);
    let ys = shift(linear_taps(rect.height, out_h), rect.y);
    resize_with_taps(image, &xs, &ys)
}

/// A window in image pixels that may reach past the image: left, top, width, height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub x: i64,
    pub y: i64,
    pub width: u32,
    pub height: u32,
}

/// cv2.resize INTER_LINEAR of a window whose pixels outside the image mirror the inside, as
/// cv2.copyMakeBorder(BORDER_REFLECT_101) would pad it: the window is never shifted or shrunk.
/// Each output pixel blends its four taps directly (the same arithmetic as the two passes of
/// [`resize_bilinear`]), since a context window far larger than its 80×80 output reads only a few
/// of the pixels it spans.
pub fn resize_reflected(image: &RgbImage, window: Window, out_w: u32, out_h: u32) -> RgbImage {
    let mirror = |taps: Vec<(usize, usize, f32)>, origin: i64, n: u32| {
        taps.into_iter()
            .map(|(a, b, f)| {
                (
                    reflect_101(origin + a as i64, n),
                    reflect_101(origin + b as i64, n),
                    f,
                )
            })
            .collect::<Vec<_>>()
    };
    let xs = mirror(linear_taps(window.width, out_w), window.x, image.width());
    let ys = mirror(linear_taps(window.height, out_h), window.y, image.height());
    let stride = image.width() as usize * 3;
    let src = image.as_raw();
    let mut out = RgbImage::new(out_w, out_h);
    let out_stride = out_w as usize * 3;
    let dst = &mut *out;
    for (dy, &(y0, y1, fy)) in ys.iter().enumerate() {
        let (r0, r1) = (&src[y0 * stride..][..stride], &src[y1 * stride..][..stride]);
        let line = &mut dst[dy * out_stride..][..out_stride];
        for (px, &(x0, x1, fx)) in line.chunks_exact_mut(3).zip(&xs) {
            for ch in 0..3 {
                let left =
                    f32::from(r0[x0 * 3 + ch]) * (1.0 - fy) + f32::from(r1[x0 * 3 + ch]) * fy;
                let right =
                    f32::from(r0[x1 * 3 + ch]) * (1.0 - fy) + f32::from(r1[x1 * 3 + ch]) * fy;
                px[ch] = (left * (1.0 - fx) + right * fx + 0.5) as u8;
            }
        }
    }
    out
}

/// Index `i` of an axis of `n` pixels mirrored about the edge pixels (…, 2, 1, 0, 1, 2, …).
fn reflect_101(i: i64, n: u32) -> usize {
    let n = i64::from(n);
    if n == 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let i = i.rem_euclid(period);
    (if i < n { i } else { period - i }) as usize
}

/// The resize given each output column's and row's two source taps (absolute indexes) and weight.
fn resize_with_taps(
    image: &RgbImage,
    xs: &[(usize, usize, f32)],
    ys: &[(usize, usize, f32)],
) -> RgbImage {
    let stride = image.width() as usize * 3;
    let src = image.as_raw();
    let (first, last) = xs.iter().fold((usize::MAX, 0), |(lo, hi), &(a, b, _)| {
        (lo.min(a).min(b), hi.max(a).max(b))
    });
    let row_len = (last + 1 - first) * 3;
    let mut rows = vec![0.0f32; row_len];
    let (out_w, out_h) = (xs.len() as u32, ys.len() as u32);
    let mut out = RgbImage::new(out_w, out_h);
    let out_stride = out_w as usize * 3;
    let dst = &mut *out;
    for (dy, &(y0, y1, fy)) in ys.iter().enumerate() {
        let r0 = &src[y0 * stride + first * 3..][..row_len];
        let r1 = &src[y1 * stride + first * 3..][..row_len];
        for ((v, &a), &b) in rows.iter_mut().zip(r0).zip(r1) {
            *v = f32::from(a) * (1.0 - fy) + f32::from(b) * fy;
        }
        let line = &mut dst[dy * out_stride..][..out_stride];
        for (px, &(x0, x1, fx)) in line.chunks_exact_mut(3).zip(xs) {
            let (x0, x1) = (x0 - first, x1 - first);
            for ch in 0..3 {
                let v = rows[x0 * 3 + ch] * (1.0 - fx) + rows[x1 * 3 + ch] * fx;
                px[ch] = (v + 0.5) as u8;
            }
        }
    }
    out
}

/// Size of cv2.resize(fx = fy = f): ⌊n·f + 0.5⌋, at least 1.
pub fn scaled_size(width: u32, height: u32, f: f64) -> (u32, u32) {
    let scale = |n: u32| ((f64::from(n) * f + 0.5).floor() as u32).max(1);
    (scale(width), scale(height))
}

/// Box-filter taps of output indexes `range`: output d averages the source interval [d/f, (d+1)/f) cut at
/// `n_src`, a partly covered pixel counting by its overlap. The box is 1/f, not n_src/n_dst, as in OpenCV.
fn area_taps(n_src: u32, f: f64, range: std::ops::Range<u32>) -> Vec<(usize, Vec<f32>)> {
    let cell = 1.0 / f;
    let n = f64::from(n_src);
    range
        .map(|d| {
            let lo = f64::from(d) * cell;
            let hi = (lo + cell).min(n);
            let first = lo.floor() as usize;
            let last = (hi.ceil() as usize).min(n_src as usize);
            let weights = (first..last)
                .map(|i| (((i + 1) as f64).min(hi) - (i as f64).max(lo)) / (hi - lo))
                .map(|w| w as f32)
                .collect();
            (first, weights)
        })
        .collect()
}

/// cv2.resize(fx = fy = f, INTER_AREA) for f < 1, computed only for the output pixels of `region`
/// (in output coordinates). Each output pixel depends on its own source box alone, so a region equals
/// the same pixels of the full downscale: the box grid stays anchored at (0, 0).
pub fn area_downscale(image: &RgbImage, f: f64, region: Rect) -> RgbImage {
    let (w, h) = image.dimensions();
    let xs = area_taps(w, f, region.x..region.x + region.width);
    let ys = area_taps(h, f, region.y..region.y + region.height);
    let src = image.as_raw();
    let stride = w as usize * 3;
    let out_stride = region.width as usize * 3;
    // Horizontal pass over every source row the vertical taps touch, then the vertical pass.
    let first_row = ys.first().map_or(0, |t| t.0);
    let last_row = ys.last().map_or(0, |t| t.0 + t.1.len());
    let mut rows = vec![0.0f32; (last_row - first_row) * out_stride];
    for (r, line) in rows.chunks_exact_mut(out_stride).enumerate() {
        let src_row = &src[(first_row + r) * stride..][..stride];
        for (px, (start, weights)) in line.chunks_exact_mut(3).zip(&xs) {
            let mut acc = [0.0f32; 3];
            for (k, &wt) in weights.iter().enumerate() {
                let p = &src_row[(start + k) * 3..][..3];
                for ch in 0..3 {
                    acc[ch] += wt * f32::from(p[ch]);
                }
            }
            px.copy_from_slice(&acc);
        }
    }
    let mut out = RgbImage::new(region.width, region.height);
    let mut acc = vec![0.0f32; out_stride];
    for (line, (start, weights)) in out.chunks_exact_mut(out_stride).zip(&ys) {
        acc.fill(0.0);
        for (k, &wt) in weights.iter().enumerate() {
            let row = &rows[(start - first_row + k) * out_stride..][..out_stride];
            for (a, &v) in acc.iter_mut().zip(row) {
                *a += wt * v;
            }
        }
        for (o, &a) in line.iter_mut().zip(&acc) {
            *o = (a + 0.5) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f64, y: f64) -> Point {
        Point { x, y }
    }

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 + y * 3) as u8, (x * y) as u8, (255 - x) as u8])
        })
    }

    #[test]
    fn similarity_recovers_a_known_transform_and_inverts() {
        let truth = Affine([[0.8, -0.6, 10.0], [0.6, 0.8, -5.0]]);
        let src = [
            pt(1.0, 2.0),
            pt(30.0, 4.0),
            pt(15.0, 20.0),
            pt(5.0, 33.0),
            pt(28.0, 31.0),
        ];
        let dst: Vec<Point> = src.iter().map(|&p| truth.apply(p)).collect();
        let m = similarity_transform(&src, &dst);
        for (a, b) in m.0.iter().flatten().zip(truth.0.iter().flatten()) {
            assert!((a - b).abs() < 1e-12);
        }
        assert!((m.scale() - 1.0).abs() < 1e-12);
        let back = m.invert().apply(m.apply(pt(3.0, 4.0)));
        assert!((back.x - 3.0).abs() < 1e-12 && (back.y - 4.0).abs() < 1e-12);
    }

    #[test]
    fn identity_warp_copies_and_outside_pixels_blend_to_black() {
        let img = gradient(8, 6);
        let id = Affine([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
        assert_eq!(warp_affine(&img, &id, 8, 6), img);
        // Shifted by half a pixel right: output x = 0 samples source x = -0.5, half of it outside.
        let shifted = warp_affine(&img, &Affine([[1.0, 0.0, 0.5], [0.0, 1.0, 0.0]]), 8, 6);
        assert_eq!(shifted.get_pixel(0, 0).0[2], to_u8(255.0 * 0.5));
    }

    #[test]
    fn bilinear_taps_use_half_pixel_centres_and_clamp_at_edges() {
        // 4 -> 2: positions 0.5 and 2.5.
        assert_eq!(linear_taps(4, 2), vec![(0, 1, 0.5), (2, 3, 0.5)]);
        // 2 -> 4: positions -0.25 (edge alone), 0.25, 0.75, 1.25 (edge alone).
        assert_eq!(
            linear_taps(2, 4),
            vec![(0, 0, 0.0), (0, 1, 0.25), (0, 1, 0.75), (1, 1, 0.0)]
        );
    }

    #[test]
    fn bilinear_halving_averages_pixel_pairs() {
        let img = RgbImage::from_fn(4, 2, |x, _| image::Rgb([(x * 10) as u8, 0, 255]));
        let half = resize_bilinear(
            &img,
            Rect {
                x: 0,
                y: 0,
                width: 4,
                height: 2,
            },
            2,
            1,
        );
        assert_eq!(half.get_pixel(0, 0).0, [5, 0, 255]);
        assert_eq!(half.get_pixel(1, 0).0, [25, 0, 255]);
    }

    #[test]
    fn a_reflected_window_inside_the_image_equals_the_plain_resize_and_mirrors_outside() {
        let img = gradient(20, 16);
        let rect = Rect {
            x: 3,
            y: 2,
            width: 12,
            height: 10,
        };
        let window = Window {
            x: 3,
            y: 2,
            width: 12,
            height: 10,
        };
        assert_eq!(
            resize_reflected(&img, window, 7, 5),
            resize_bilinear(&img, rect, 7, 5)
        );
        // A 1:1 window one pixel left of the image starts with the mirror of column 1.
        let out = resize_reflected(
            &img,
            Window {
                x: -1,
                y: 0,
                width: 20,
                height: 16,
            },
            20,
            16,
        );
        assert_eq!(out.get_pixel(0, 0), img.get_pixel(1, 0));
        assert_eq!(out.get_pixel(1, 0), img.get_pixel(0, 0));
        assert_eq!(
            [
                reflect_101(-3, 5),
                reflect_101(5, 5),
                reflect_101(9, 5),
                reflect_101(0, 1)
            ],
            [3, 3, 1, 0]
        );
    }

    #[test]
    fn area_downscale_region_equals_the_same_pixels_of_the_whole() {
        let img = gradient(37, 23);
        let f = 0.37;
        let (w, h) = scaled_size(37, 23, f);
        let whole = area_downscale(
            &img,
            f,
            Rect {
                x: 0,
                y: 0,
                width: w,
                height: h,
            },
        );
        let part = area_downscale(
            &img,
            f,
            Rect {
                x: 3,
                y: 2,
                width: 6,
                height: 5,
            },
        );
        for (x, y, p) in part.enumerate_pixels() {
            assert_eq!(p, whole.get_pixel(x + 3, y + 2));
        }
    }

    #[test]
    fn area_downscale_by_half_is_the_mean_of_each_2x2_block() {
        let img = RgbImage::from_fn(4, 2, |x, y| image::Rgb([(x * 10 + y * 20) as u8, 7, 9]));
        let out = area_downscale(
            &img,
            0.5,
            Rect {
                x: 0,
                y: 0,
                width: 2,
                height: 1,
            },
        );
        assert_eq!(out.get_pixel(0, 0).0, [15, 7, 9]);
        assert_eq!(out.get_pixel(1, 0).0, [35, 7, 9]);
        // A cut last box averages only what it covers: 5 px at f = 0.5 gives 3 outputs, the last 1 px wide.
        let odd = RgbImage::from_fn(5, 1, |x, _| image::Rgb([(x * 10) as u8, 0, 0]));
        let out = area_downscale(
            &odd,
            0.5,
            Rect {
                x: 0,
                y: 0,
                width: 3,
                height: 1,
            },
        );
        assert_eq!(out.get_pixel(2, 0).0[0], 40);
    }
}
