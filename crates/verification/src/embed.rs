//! Identity embeddings: an aligned chip per network (dlib ResNet: 150×150 on dlib's 5-point template;
//! MobileFace V2: 112×112 on the ArcFace template), RGB raw 0..255 (each graph normalises its own
//! input), giving a descriptor that is L2-normalised here. The fusion runs both and combines them.

use image::RgbImage;
use ort::session::Session;
use ort::value::TensorRef;

use crate::align::{
    Affine, Rect, View, area_downscale, scaled_size, similarity_transform, warp_view,
};
use crate::error::{Error, ModelContext};
use crate::face::Point;
use crate::models::{self, EMBEDDING_DLIB, EMBEDDING_MOBILEFACE, ModelSpec};
use crate::similarity::{Embedding, EmbeddingModel};

/// One embedding network: its file, chip geometry and tensor names.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Network {
    pub model: EmbeddingModel,
    pub spec: ModelSpec,
    pub size: u32,
    pub template: [Point; 5],
    pub input: &'static str,
    pub output: &'static str,
}

/// YuNet landmarks mapped into dlib's 150-px chip, averaged over 87 faces and made symmetric (MODELS.md).
pub(crate) const DLIB: Network = Network {
    model: EmbeddingModel::DlibResnetV1,
    spec: EMBEDDING_DLIB,
    size: 150,
    template: [
        Point { x: 46.59, y: 44.57 },
        Point {
            x: 101.95,
            y: 44.57,
        },
        Point { x: 74.27, y: 78.59 },
        Point {
            x: 49.33,
            y: 101.09,
        },
        Point {
            x: 99.21,
            y: 101.09,
        },
    ],
    input: "chip",
    output: "descriptor",
};

/// The ArcFace 112×112 template MobileFace was trained on.
pub(crate) const MOBILEFACE: Network = Network {
    model: EmbeddingModel::MobileFaceV2,
    spec: EMBEDDING_MOBILEFACE,
    size: 112,
    template: [
        Point {
            x: 38.2946,
            y: 51.6963,
        },
        Point {
            x: 73.5318,
            y: 51.5014,
        },
        Point {
            x: 56.0252,
            y: 71.7366,
        },
        Point {
            x: 41.5493,
            y: 92.3655,
        },
        Point {
            x: 70.7299,
            y: 92.2041,
        },
    ],
    input: "data",
    output: "embedding",
};

impl EmbeddingModel {
    /// The networks this model runs, in the order `Embedding::fuse` takes them.
    pub(crate) fn networks(self) -> &'static [Network] {
        match self {
            Self::DlibResnetV1 => &[DLIB],
            Self::MobileFaceV2 => &[MOBILEFACE],
            Self::Fusion => &[DLIB, MOBILEFACE],
        }
    }
}

/// Below this warp scale the image is area-shrunk first, so the bilinear warp never aliases.
const PRESHRINK_BELOW: f64 = 0.5;

/// How the chip was cut, for diagnostics and the golden tests.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChipAlignment {
    /// Scale of the first 5-point fit.
    pub scale: f64,
    /// Area pre-shrink factor 2·scale and the size the whole image would shrink to, when scale < 0.5.
    pub preshrink: Option<(f64, (u32, u32))>,
    /// The final source → chip map (in shrunk pixels when pre-shrunk).
    pub matrix: Affine,
}

/// The dlib 150×150 RGB chip (see [`align_all`]).
pub fn align(image: &RgbImage, landmarks: &[Point; 5]) -> (RgbImage, ChipAlignment) {
    let [(chip, info)] =
        <[_; 1]>::try_from(align_all(&[DLIB], image, landmarks)).expect("one chip per network");
    (chip, info)
}

/// Each network's RGB chip. When a fit's scale s is below 0.5 the image is area-shrunk first, by 2s
/// of the smallest scale, and the fits redone; only the part of the shrunk image the warps read is
/// computed, once for all the networks (that pass over the full-resolution face is most of a chip's
/// cost). A network whose fit is larger warps at a scale between 0.5 and 1 from it.
pub(crate) fn align_all(
    nets: &[Network],
    image: &RgbImage,
    landmarks: &[Point; 5],
) -> Vec<(RgbImage, ChipAlignment)> {
    let fits: Vec<Affine> = nets
        .iter()
        .map(|net| similarity_transform(landmarks, &net.template))
        .collect();
    let smallest = fits.iter().map(Affine::scale).fold(f64::INFINITY, f64::min);
    if smallest >= PRESHRINK_BELOW {
        return nets
            .iter()
            .zip(fits)
            .map(|(net, m)| {
                let chip = warp_view(&View::whole(image), &m, net.size, net.size);
                (
                    chip,
                    ChipAlignment {
                        scale: m.scale(),
                        preshrink: None,
                        matrix: m,
                    },
                )
            })
            .collect();
    }
    let f = 2.0 * smallest;
    let (sw, sh) = scaled_size(image.width(), image.height(), f);
    let shrunk_landmarks = landmarks.map(|p| Point {
        x: p.x * f,
        y: p.y * f,
    });
    let refits: Vec<Affine> = nets
        .iter()
        .map(|net| similarity_transform(&shrunk_landmarks, &net.template))
        .collect();
    let region = nets
        .iter()
        .zip(&refits)
        .map(|(net, m)| read_region(m, net.size, sw, sh))
        .reduce(Rect::union)
        .expect("at least one network");
    let shrunk = area_downscale(image, f, region);
    let view = View {
        pixels: shrunk.as_raw(),
        width: region.width as usize,
        origin: (i64::from(region.x), i64::from(region.y)),
        full: (i64::from(sw), i64::from(sh)),
    };
    nets.iter()
        .zip(fits.iter().zip(refits))
        .map(|(net, (first, m))| {
            let chip = warp_view(&view, &m, net.size, net.size);
            (
                chip,
                ChipAlignment {
                    scale: first.scale(),
                    preshrink: Some((f, (sw, sh))),
                    matrix: m,
                },
            )
        })
        .collect()
}

/// Pixels of a `width` × `height` source that a warp by `m` to a `size` chip can read: the bounding box
/// of the chip corners mapped back, widened by the second bilinear tap and a pixel of rounding slack.
/// The chip is a parallelogram in the source, so its corners bound it.
fn read_region(m: &Affine, size: u32, width: u32, height: u32) -> Rect {
    let inv = m.invert();
    let last = f64::from(size - 1);
    let corners = [(0.0, 0.0), (last, 0.0), (0.0, last), (last, last)]
        .map(|(x, y)| inv.apply(Point { x, y }));
    let span = |lo: f64, hi: f64, n: u32| {
        let first = (lo.floor() - 1.0).clamp(0.0, f64::from(n - 1)) as u32;
        let end = (hi.floor() + 3.0).clamp(f64::from(first + 1), f64::from(n)) as u32;
        (first, end - first)
    };
    let xs = corners.iter().map(|p| p.x);
    let ys = corners.iter().map(|p| p.y);
    let (x, width) = span(
        xs.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
        width,
    );
    let (y, height) = span(
        ys.clone().fold(f64::INFINITY, f64::min),
        ys.fold(f64::NEG_INFINITY, f64::max),
        height,
    );
    Rect {
        x,
        y,
        width,
        height,
    }
}

/// NCHW float32, RGB, raw 0..255.
pub(crate) fn tensor(chip: &RgbImage) -> Vec<f32> {
    let plane = (chip.width() * chip.height()) as usize;
    let mut x = vec![0.0f32; 3 * plane];
    for (i, px) in chip.pixels().enumerate() {
        for (c, &v) in px.0.iter().enumerate() {
            x[c * plane + i] = f32::from(v);
        }
    }
    x
}

/// The sessions of the configured embedding model.
pub(crate) struct Embedder {
    model: EmbeddingModel,
    sessions: Vec<(Network, Session)>,
}

/// The embedding a model gives, and the embedding of each network it ran (one, or two for the fusion).
#[derive(Clone, Debug)]
pub struct Embeddings {
    pub combined: Embedding,
    pub parts: Vec<Embedding>,
}

impl Embedder {
    pub fn new(
        model: EmbeddingModel,
        mut open: impl FnMut(ModelSpec) -> Result<Session, Error>,
    ) -> Result<Self, Error> {
        let sessions = model
            .networks()
            .iter()
            .map(|net| Ok((*net, open(net.spec)?)))
            .collect::<Result<_, Error>>()?;
        Ok(Self { model, sessions })
    }

    pub fn model(&self) -> EmbeddingModel {
        self.model
    }

    pub fn embed(&mut self, image: &RgbImage, landmarks: &[Point; 5]) -> Result<Embeddings, Error> {
        let nets: Vec<Network> = self.sessions.iter().map(|(net, _)| *net).collect();
        let chips = align_all(&nets, image, landmarks);
        let mut parts = Vec::with_capacity(self.sessions.len());
        for ((net, session), (chip, _)) in self.sessions.iter_mut().zip(chips) {
            let input = tensor(&chip);
            let size = net.size as usize;
            let shape = [1, 3, size, size];
            let outputs = session
                .run(ort::inputs![net.input => TensorRef::from_array_view((shape, &input[..])).model(net.spec.name)?])
                .model(net.spec.name)?;
            let raw = models::output(&outputs, net.output, net.spec.name)?;
            parts.push(
                Embedding::from_raw(net.model, raw).ok_or_else(|| Error::Model {
                    model: net.spec.name,
                    source: ort::Error::new(format!(
                        "the output is not a finite, non-zero {}-d vector",
                        net.model.dim()
                    )),
                })?,
            );
        }
        let combined = match parts.as_slice() {
            [one] => one.clone(),
            [dlib, mobile] => Embedding::fuse(dlib, mobile).ok_or_else(|| Error::Model {
                model: "fusion",
                source: ort::Error::new("the two embeddings do not fuse"),
            })?,
            _ => unreachable!("a model runs one or two networks"),
        };
        Ok(Embeddings { combined, parts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::warp_affine;

    fn photo(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
        })
    }

    /// The chip as it would come from shrinking the whole image, not just the face's region.
    fn warp_whole_preshrunk(image: &RgbImage, info: &ChipAlignment) -> RgbImage {
        let (f, (width, height)) = info.preshrink.unwrap();
        let whole = area_downscale(
            image,
            f,
            Rect {
                x: 0,
                y: 0,
                width,
                height,
            },
        );
        warp_affine(&whole, &info.matrix, DLIB.size, DLIB.size)
    }

    /// Landmarks of a face `k` times the template size, placed at (ox, oy).
    fn scaled_template(k: f64, ox: f64, oy: f64) -> [Point; 5] {
        DLIB.template.map(|p| Point {
            x: p.x * k + ox,
            y: p.y * k + oy,
        })
    }

    #[test]
    fn a_large_face_is_preshrunk_and_the_region_equals_the_full_shrink() {
        let image = photo(1500, 1100);
        let landmarks = scaled_template(4.0, 500.0, 300.0);
        let (chip, info) = align(&image, &landmarks);
        let (f, (sw, sh)) = info.preshrink.unwrap();
        assert!((f - 0.5).abs() < 1e-9);
        assert_eq!((sw, sh), (750, 550));
        assert_eq!(chip, warp_whole_preshrunk(&image, &info));
    }

    #[test]
    fn a_face_near_the_edge_still_blends_to_black_outside_the_image() {
        let image = photo(900, 700);
        let landmarks = scaled_template(4.0, -250.0, -200.0);
        let (chip, info) = align(&image, &landmarks);
        assert_eq!(chip, warp_whole_preshrunk(&image, &info));
        assert_eq!(chip.get_pixel(0, 0).0, [0, 0, 0]);
    }

    #[test]
    fn a_small_face_is_warped_directly() {
        let (_, info) = align(&photo(300, 300), &scaled_template(1.0, 20.0, 20.0));
        assert!(info.preshrink.is_none());
        assert!((info.scale - 1.0).abs() < 1e-9);
    }
}
