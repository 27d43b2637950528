//! Finding and recognising a machine-readable zone with PaddleOCR (PP-OCRv5 detector, PP-OCRv6
//! recogniser) on ONNX Runtime. The detector marks text lines; the recogniser reads each long
//! line as a sequence of character probabilities (CTC), and the line is decoded as exactly the
//! zone's number of characters, each from what its position may hold ([`template`]): the fillers
//! are counted by position, never taken from the recogniser's own reading of a run of `<`. A
//! reading whose state code is not ICAO's, or whose check digits fail, is corrected only from the
//! recogniser's own close alternatives, and only to one where every check digit and state code
//! holds ([`corrected`]).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use image::RgbImage;
use imageproc::geometric_transformations::{Border, Interpolation, warp_into_with};
use imageproc::geometry::min_area_rect;
use imageproc::point::Point;
use imageproc::region_labelling::{Connectivity, connected_components};
use ort::environment::Environment;
use ort::session::Session;
use ort::value::TensorRef;

use crate::mrz::{self, Format, Mrz};
use crate::{Error, countries};

pub const DETECTOR_FILE: &str = "PP-OCRv5_mobile_det.onnx";
pub const RECOGNISER_FILE: &str = "PP-OCRv6_small_rec.onnx";
/// The recogniser's character list, one per line: its output `n` is line `n - 1` (0 is CTC's
/// blank).
pub const RECOGNISER_CHARACTERS_FILE: &str = "PP-OCRv6_small_rec_dict.txt";

/// The zone's alphabet, in the order of [`ZoneReader::classes`].
const ALPHABET: &[u8; 37] = b"<ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// The detector's input: the longer side at most one of these, in the order tried, both sides
/// multiples of 32.
const DETECTOR_SIDES: [u32; 2] = [736, 960];
const TEXT_THRESHOLD: f32 = 0.3;
const BOX_THRESHOLD: f32 = 0.5;
/// DB's unclip ratio: a text region is grown by area × ratio / perimeter on every side.
const UNCLIP_RATIO: f32 = 1.6;
/// The recogniser's input height.
const LINE_HEIGHT: u32 = 48;
/// A zone line is long: at least this many times as wide as high (TD1's 30 characters are ~17).
const LINE_ASPECT: f32 = 8.0;
/// How much less likely (log-probability) than the character read an alternative may be and
/// still be tried when a check fails: a tenth as likely.
const ALTERNATIVE_LOSS: f32 = 2.3;
/// How sure the recogniser must be of a character the reading left out for it to count.
const DROPPED_PEAK: f32 = 0.5;
/// How many of the likeliest alternatives a failing zone tries, alone and in pairs.
const MAX_SUBSTITUTIONS: usize = 24;
/// How many of the bottom-most zone-like lines may hold the zone (a TD1 zone and a line or two above).
const ZONE_SEARCH: usize = 5;
/// Characters in a row, none of them a filler, that measure a line's character pitch.
const PITCH_RUN: usize = 8;
/// A zone's lines are read longer than the detector found them where the format's characters
/// at the pitch read need this much more length.
const CUT_SHORT: f32 = 1.05;
/// Digits the zone's line of dates holds at least: birth and expiry, six each.
const DATE_DIGITS: usize = 12;

pub struct ZoneReader {
    detector: Session,
    recogniser: Session,
    /// The recogniser's output index of each [`ALPHABET`] character (0 is CTC's blank).
    classes: [usize; 37],
}

fn model_error(model: &'static str) -> impl Fn(ort::Error) -> Error {
    move |source| Error::Model {
        model,
        detail: source.to_string(),
    }
}

impl ZoneReader {
    /// Loads both models from `dir`, on the ONNX Runtime library `dylib`. ONNX Runtime allows one
    /// environment per process: a process that has one already opens readers with [`Self::open_in`].
    pub fn open(dylib: &Path, dir: &Path) -> Result<Self, Error> {
        let env = ort::init_from(dylib)
            .map_err(|source| Error::Model {
                model: "onnxruntime",
                detail: format!("{}: {source}", dylib.display()),
            })?
            .with_name("documents")
            .build()
            .map_err(model_error("onnxruntime"))?;
        Self::open_in(&env, dir)
    }

    /// Loads both models from `dir` in the process's ONNX Runtime environment `env`.
    pub fn open_in(env: &Environment, dir: &Path) -> Result<Self, Error> {
        let detector = session(env, &dir.join(DETECTOR_FILE), "detector")?;
        let recogniser = session(env, &dir.join(RECOGNISER_FILE), "recogniser")?;
        let characters_path = dir.join(RECOGNISER_CHARACTERS_FILE);
        let characters =
            std::fs::read_to_string(&characters_path).map_err(|source| Error::Model {
                model: "recogniser",
                detail: format!("{}: {source}", characters_path.display()),
            })?;
        let characters: Vec<&str> = characters.lines().collect();
        let mut classes = [0; 37];
        for (class, c) in classes.iter_mut().zip(ALPHABET) {
            let c = char::from(*c).to_string();
            *class = 1 + characters
                .iter()
                .position(|known| *known == c)
                .ok_or_else(|| Error::Model {
                    model: "recogniser",
                    detail: format!("'{c}' is not in its character list"),
                })?;
        }
        Ok(Self {
            detector,
            recogniser,
            classes,
        })
    }

    /// The folder the fetch script fills: `vendor/ocr` of a checkout.
    pub fn models_in_checkout(root: &Path) -> PathBuf {
        root.join("vendor/ocr")
    }

    /// The zone of the document in `picture`, read and checked; `None` when no zone is found.
    pub fn read_zone(&mut self, picture: &RgbImage) -> Result<Option<ReadZone>, Error> {
        // A flat scan reads best with the lines found at a modest size; a photo's smaller,
        // blurred characters are found better at a larger one, which costs twice as much. The
        // larger size is tried only when the smaller gave no zone that holds but found a line
        // that looks like part of one: a picture with no zone costs one pass.
        let mut best: Option<(f32, ReadZone)> = None;
        for side in DETECTOR_SIDES {
            let found = self.read_zone_at(picture, side)?;
            if found.zone_like_lines == 0 {
                break;
            }
            if keep_better(&mut best, found.best) {
                break;
            }
        }
        Ok(best.map(|(_, zone)| zone))
    }

    /// The zone read from the lines the detector finds at `side` pixels: the first that holds,
    /// or the likeliest reading, with its score.
    fn read_zone_at(&mut self, picture: &RgbImage, side: u32) -> Result<Found, Error> {
        // The zone is near the bottom: lines are recognised from the bottom up, and the search
        // stops at the first run of them that reads as a zone whose every check digit and state
        // holds, so a text-rich page's other lines cost nothing. Otherwise the best reading of
        // the bottom-most zone-like lines is the answer.
        let lines = self.text_lines(picture, side)?;
        let mut candidates: Vec<Candidate> = Vec::new();
        let mut completed: HashMap<(usize, u32), Frames> = HashMap::new();
        let mut best: Option<(f32, ReadZone)> = None;
        for (id, line) in lines.iter().enumerate().rev() {
            let frames = self.recognise(&crop(picture, line))?;
            let free = frames.greedy();
            if free.len() < 12 || free.matches('<').count() < 2 {
                continue;
            }
            let pitch = frames
                .frames_per_character()
                .map(|frames_each| frames_each * line.length / frames.0.len() as f32);
            candidates.insert(
                0,
                Candidate {
                    id,
                    line: *line,
                    frames,
                    pitch,
                    cut_short: free.ends_with('<')
                        && free.bytes().filter(u8::is_ascii_digit).count() >= DATE_DIGITS,
                },
            );
            let found = self.best_zone_with_top(picture, &candidates, &mut completed)?;
            if keep_better(&mut best, found) {
                break;
            }
            if candidates.len() == ZONE_SEARCH {
                break;
            }
        }
        Ok(Found {
            zone_like_lines: candidates.len(),
            best,
        })
    }

    /// The run of consecutive candidates, starting at the top one, that reads best as one
    /// zone (mean log-probability per line under its format's templates), parsed, with that
    /// score; the runs below it were tried before it was added.
    ///
    /// Each line is read as long as the format's lines are: as the longest of them, or, where
    /// the detector stopped the line of dates in its fillers, as the format's characters at
    /// the pitch of the characters read. A passport's zone cut at 36 characters reads as a TD2
    /// one whose check digits hold, since fillers count 0; read whole, it is its own evidence.
    fn best_zone_with_top(
        &mut self,
        picture: &RgbImage,
        candidates: &[Candidate],
        completed: &mut HashMap<(usize, u32), Frames>,
    ) -> Result<Option<(f32, ReadZone)>, Error> {
        let mut best: Option<(f32, ReadZone)> = None;
        for format in [Format::Td1, Format::Td2, Format::Td3] {
            let count = if format == Format::Td1 { 3 } else { 2 };
            let Some(window) = candidates.get(..count) else {
                continue;
            };
            let Some(longest) = window
                .iter()
                .max_by(|a, b| a.line.length.total_cmp(&b.line.length))
            else {
                continue;
            };
            let pitch = window
                .iter()
                .filter_map(|candidate| candidate.pitch)
                .reduce(f32::max)
                .filter(|_| window[1].cut_short);
            let length = pitch
                .map(|pitch| (format.line_length() as f32 + 0.5) * pitch)
                .filter(|&whole| whole > CUT_SHORT * longest.line.length)
                .unwrap_or(longest.line.length);
            let (mut total, mut lines) = (0.0, Vec::with_capacity(count));
            for (index, candidate) in window.iter().enumerate() {
                let frames = match candidate.line.completed_to(longest.line.axis, length) {
                    None => &candidate.frames,
                    Some(whole) => match completed.entry((candidate.id, length.round() as u32)) {
                        Entry::Occupied(entry) => entry.into_mut(),
                        Entry::Vacant(entry) => {
                            entry.insert(self.recognise(&crop(picture, &whole))?)
                        }
                    },
                };
                let reading = read_line(frames, format, index);
                total += reading.score;
                lines.push(reading);
            }
            let mean = total / count as f32;
            // A line too short for the format's characters has no reading at all.
            if !mean.is_finite() {
                continue;
            }
            keep_better(&mut best, Some((mean, corrected(&lines)?)));
        }
        Ok(best)
    }

    fn text_lines(&mut self, picture: &RgbImage, side: u32) -> Result<Vec<Line>, Error> {
        let (width, height) = picture.dimensions();
        let scale = (side as f32 / width.max(height) as f32).min(1.0);
        let side = |n: u32| ((n as f32 * scale / 32.0).round() as u32).max(1) * 32;
        let (input_width, input_height) = (side(width), side(height));
        let resized = image::imageops::resize(
            picture,
            input_width,
            input_height,
            image::imageops::FilterType::Triangle,
        );
        let input = planar_bgr(&resized);
        let shape = [1usize, 3, input_height as usize, input_width as usize];
        let outputs = self
            .detector
            .run(ort::inputs![
                TensorRef::from_array_view((shape, &input[..])).map_err(model_error("detector"))?
            ])
            .map_err(model_error("detector"))?;
        let (_, map) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(model_error("detector"))?;
        let map = image::ImageBuffer::<image::Luma<f32>, _>::from_raw(
            input_width,
            input_height,
            map.to_vec(),
        )
        .expect("the map has the input's size");
        let x_scale = width as f32 / input_width as f32;
        let y_scale = height as f32 / input_height as f32;
        let pieces = regions(&map)
            .into_iter()
            .map(|line| line.scaled(x_scale, y_scale))
            .collect();
        let mut lines: Vec<Line> = apart(joined(pieces))
            .into_iter()
            .filter(|line| line.length >= LINE_ASPECT * line.thickness)
            .collect();
        sort_top_to_bottom(&mut lines);
        Ok(lines)
    }

    fn recognise(&mut self, crop: &RgbImage) -> Result<Frames, Error> {
        let input = planar_bgr(crop);
        let shape = [1usize, 3, crop.height() as usize, crop.width() as usize];
        let outputs = self
            .recogniser
            .run(ort::inputs![
                TensorRef::from_array_view((shape, &input[..]))
                    .map_err(model_error("recogniser"))?
            ])
            .map_err(model_error("recogniser"))?;
        let (shape, probabilities) = outputs[0]
            .try_extract_tensor::<f32>()
            .map_err(model_error("recogniser"))?;
        let classes = shape[2] as usize;
        let log_probabilities = probabilities
            .chunks_exact(classes)
            .map(|frame| {
                let mut kept = [0f32; 38];
                kept[0] = frame[0];
                for (slot, &class) in kept[1..].iter_mut().zip(&self.classes) {
                    *slot = frame[class];
                }
                let total: f32 = kept.iter().sum::<f32>().max(f32::MIN_POSITIVE);
                kept.map(|p| (p / total + 1e-9).ln())
            })
            .collect();
        Ok(Frames(log_probabilities))
    }
}

fn session(env: &Environment, path: &Path, model: &'static str) -> Result<Session, Error> {
    let failed = |source: &dyn std::fmt::Display| Error::Model {
        model,
        detail: format!("{}: {source}", path.display()),
    };
    Session::builder(env)
        .map_err(|e| failed(&e))?
        .with_intra_threads(1)
        .map_err(|e| failed(&e))?
        .commit_from_file(path)
        .map_err(|e| failed(&e))
}

/// PaddleOCR's normalisation: channels in OpenCV's order (BGR), `(x / 255 - 0.5) / 0.5`.
fn planar_bgr(picture: &RgbImage) -> Vec<f32> {
    let plane = (picture.width() * picture.height()) as usize;
    let mut input = vec![0f32; 3 * plane];
    for (index, pixel) in picture.pixels().enumerate() {
        for (channel, value) in [pixel[2], pixel[1], pixel[0]].into_iter().enumerate() {
            input[channel * plane + index] = f32::from(value) / 127.5 - 1.0;
        }
    }
    input
}

/// Keeps in `best` the better of it and `found`, and says whether the one kept holds. A reading
/// that holds beats one that does not whatever their scores (a shorter format leaves more of a
/// line's frames unread and can score higher); otherwise the higher score wins.
fn keep_better(best: &mut Option<(f32, ReadZone)>, found: Option<(f32, ReadZone)>) -> bool {
    let rank = |(score, zone): &(f32, ReadZone)| (acceptable(&zone.zone), *score);
    if let Some(found) = found
        && best.as_ref().is_none_or(|known| rank(&found) > rank(known))
    {
        *best = Some(found);
    }
    best.as_ref().is_some_and(|known| acceptable(&known.1.zone))
}

/// What the search at one detector size found: how many lines looked like part of a zone, and
/// the best zone they read as, with its score.
struct Found {
    zone_like_lines: usize,
    best: Option<(f32, ReadZone)>,
}

/// A text line that reads like part of a zone: its place among the picture's lines (top to
/// bottom), its rectangle, and its recognition.
struct Candidate {
    id: usize,
    line: Line,
    frames: Frames,
    /// Pixels from one character to the next, where enough characters were read to tell.
    pitch: Option<f32>,
    /// It reads like the zone's line of dates, which ends in a check digit in every format,
    /// but ends in a filler: the detector stopped it short.
    cut_short: bool,
}

/// A text line as a rotated rectangle: its centre, its long axis (unit vector), and its size
/// along and across that axis.
#[derive(Clone, Copy, Debug)]
struct Line {
    centre: (f32, f32),
    axis: (f32, f32),
    length: f32,
    thickness: f32,
}

impl Line {
    /// The zone's lines have one length and begin at one margin, but the detector often stops
    /// a line where its fillers begin: such a line, `length` long along `axis` from its own
    /// start. `None` when it is already as long.
    fn completed_to(&self, axis: (f32, f32), length: f32) -> Option<Line> {
        if self.length >= 0.97 * length {
            return None;
        }
        // A little before its own start too, in case the detector clipped the first character.
        let margin = 0.25 * self.thickness;
        let length = length + margin;
        let start = (
            self.centre.0 - self.axis.0 * (self.length / 2.0 + margin),
            self.centre.1 - self.axis.1 * (self.length / 2.0 + margin),
        );
        Some(Line {
            centre: (
                start.0 + axis.0 * length / 2.0,
                start.1 + axis.1 * length / 2.0,
            ),
            axis,
            length,
            thickness: self.thickness,
        })
    }

    fn parallel(&self, other: &Line) -> bool {
        (self.axis.0 * other.axis.1 - self.axis.1 * other.axis.0).abs() < 0.05
    }

    /// Where `other`'s centre is along this line's axis and across it.
    fn offset(&self, other: &Line) -> (f32, f32) {
        let (dx, dy) = (
            other.centre.0 - self.centre.0,
            other.centre.1 - self.centre.1,
        );
        (
            dx * self.axis.0 + dy * self.axis.1,
            dy * self.axis.0 - dx * self.axis.1,
        )
    }

    fn distance_across(&self, other: &Line) -> f32 {
        self.offset(other).1.abs()
    }

    /// The space between the two along this line's axis; negative where they overlap.
    fn gap_along(&self, other: &Line) -> f32 {
        self.offset(other).0.abs() - (self.length + other.length) / 2.0
    }

    /// Two pieces of one row: parallel, of one height, on one line, at most a few characters
    /// apart.
    fn same_row(&self, other: &Line) -> bool {
        let (thin, thick) = if self.thickness < other.thickness {
            (self.thickness, other.thickness)
        } else {
            (other.thickness, self.thickness)
        };
        self.parallel(other)
            && thick < 1.5 * thin
            && self.distance_across(other) < 0.3 * thin
            && self.gap_along(other) < 3.0 * thick
    }

    /// The line from the start of the first to the end of the last, along this one's axis.
    fn joined(&self, other: &Line) -> Line {
        let (along, across) = self.offset(other);
        let start = (-self.length / 2.0).min(along - other.length / 2.0);
        let end = (self.length / 2.0).max(along + other.length / 2.0);
        let middle = (start + end) / 2.0;
        let weight = other.length / (self.length + other.length);
        let shift = across * weight;
        let (ax, ay) = self.axis;
        Line {
            centre: (
                self.centre.0 + ax * middle - ay * shift,
                self.centre.1 + ay * middle + ax * shift,
            ),
            axis: self.axis,
            length: end - start,
            thickness: self.thickness.max(other.thickness),
        }
    }

    fn scaled(self, x: f32, y: f32) -> Self {
        let along = (self.axis.0 * x, self.axis.1 * y);
        let across = (-self.axis.1 * x, self.axis.0 * y);
        let norm = |v: (f32, f32)| v.0.hypot(v.1);
        Self {
            centre: (self.centre.0 * x, self.centre.1 * y),
            axis: (along.0 / norm(along), along.1 / norm(along)),
            length: self.length * norm(along),
            thickness: self.thickness * norm(across),
        }
    }
}

/// Lines in reading order down the page: by where they are across the text's median direction,
/// not by their centres' height, which for a turned page puts a short line below a long one
/// beside it (a zone's name line ends early).
fn sort_top_to_bottom(lines: &mut [Line]) {
    let mut angles: Vec<f32> = lines
        .iter()
        .map(|line| line.axis.1.atan2(line.axis.0))
        .collect();
    angles.sort_by(f32::total_cmp);
    let angle = angles.get(angles.len() / 2).copied().unwrap_or(0.0);
    let (sin, cos) = angle.sin_cos();
    let across = |line: &Line| cos * line.centre.1 - sin * line.centre.0;
    lines.sort_by(|a, b| across(a).total_cmp(&across(b)));
}

/// Pieces of one row of text joined into one line: the detector often breaks a zone's line where
/// its fillers begin, or around a character it is unsure of, and a row read whole is read best.
fn joined(mut lines: Vec<Line>) -> Vec<Line> {
    let mut index = 0;
    while index < lines.len() {
        let partner = (index + 1..lines.len()).find(|&other| lines[index].same_row(&lines[other]));
        match partner {
            Some(other) => {
                let piece = lines.swap_remove(other);
                lines[index] = lines[index].joined(&piece);
            }
            None => index += 1,
        }
    }
    lines
}

/// Each line no thicker than its distance to the next line above or below it: DB's unclipped
/// boxes of a zone's closely spaced lines overlap, and a crop that holds half of the next line
/// is misread.
fn apart(lines: Vec<Line>) -> Vec<Line> {
    lines
        .iter()
        .map(|line| {
            let nearest = lines
                .iter()
                .filter(|other| line.parallel(other) && line.gap_along(other) < 0.0)
                .map(|other| line.distance_across(other))
                .filter(|&distance| distance > 0.5 * line.thickness)
                .fold(line.thickness, f32::min);
            Line {
                thickness: nearest,
                ..*line
            }
        })
        .collect()
}

/// DB post-processing: pixels above the text threshold, grouped into regions; each region with a
/// mean score above the box threshold becomes its minimal rotated rectangle, grown (unclipped).
fn regions(map: &image::ImageBuffer<image::Luma<f32>, Vec<f32>>) -> Vec<Line> {
    let mask = image::GrayImage::from_fn(map.width(), map.height(), |x, y| {
        image::Luma([u8::from(map.get_pixel(x, y)[0] > TEXT_THRESHOLD)])
    });
    let labels = connected_components(&mask, Connectivity::Eight, image::Luma([0u8]));
    let count = labels.pixels().map(|p| p[0]).max().unwrap_or(0) as usize;
    let mut points: Vec<Vec<Point<i32>>> = vec![Vec::new(); count + 1];
    let mut scores = vec![0f32; count + 1];
    for (x, y, label) in labels.enumerate_pixels() {
        let label = label[0] as usize;
        if label > 0 {
            points[label].push(Point::new(x as i32, y as i32));
            scores[label] += map.get_pixel(x, y)[0];
        }
    }
    points
        .iter()
        .zip(scores)
        .skip(1)
        .filter(|(region, score)| {
            region.len() >= 10 && score / region.len() as f32 >= BOX_THRESHOLD
        })
        .filter_map(|(region, _)| rectangle(region))
        .collect()
}

fn rectangle(region: &[Point<i32>]) -> Option<Line> {
    let corners = min_area_rect(region).map(|p| (p.x as f32, p.y as f32));
    let side = |a: (f32, f32), b: (f32, f32)| (b.0 - a.0, b.1 - a.1);
    let (first, second) = (side(corners[0], corners[1]), side(corners[1], corners[2]));
    let (along, across) = if first.0.hypot(first.1) >= second.0.hypot(second.1) {
        (first, second)
    } else {
        (second, first)
    };
    // A pixel region's rectangle runs through pixel centres: one pixel more each way.
    let length = along.0.hypot(along.1) + 1.0;
    let thickness = across.0.hypot(across.1) + 1.0;
    if thickness < 3.0 {
        return None;
    }
    let grow = length * thickness * UNCLIP_RATIO / (2.0 * (length + thickness));
    let mut axis = (
        along.0 / (length - 1.0).max(1.0),
        along.1 / (length - 1.0).max(1.0),
    );
    if axis.0 < 0.0 {
        axis = (-axis.0, -axis.1);
    }
    let centre = (
        corners.iter().map(|c| c.0).sum::<f32>() / 4.0,
        corners.iter().map(|c| c.1).sum::<f32>() / 4.0,
    );
    Some(Line {
        centre,
        axis,
        length: length + 2.0 * grow,
        thickness: thickness + 2.0 * grow,
    })
}

/// The line cut out along its axis and scaled to the recogniser's height.
fn crop(picture: &RgbImage, line: &Line) -> RgbImage {
    let scale = line.thickness / LINE_HEIGHT as f32;
    let width = ((line.length / scale).round() as u32).clamp(LINE_HEIGHT, 32 * LINE_HEIGHT);
    let mut out = RgbImage::new(width, LINE_HEIGHT);
    let (ax, ay) = line.axis;
    let (nx, ny) = (-ay, ax);
    let (half_w, half_h) = (width as f32 / 2.0, LINE_HEIGHT as f32 / 2.0);
    warp_into_with(
        picture,
        |u, v| {
            let (du, dv) = ((u - half_w) * scale, (v - half_h) * scale);
            (
                line.centre.0 + du * ax + dv * nx,
                line.centre.1 + du * ay + dv * ny,
            )
        },
        Interpolation::Bilinear,
        Border::Replicate,
        &mut out,
    );
    out
}

/// The recogniser's log-probabilities, frame by frame: blank, then [`ALPHABET`].
struct Frames(Vec<[f32; 38]>);

impl Frames {
    /// The unconstrained reading (best class per frame, repeats and blanks collapsed).
    fn greedy(&self) -> String {
        self.emitted()
            .into_iter()
            .map(|(class, _)| char::from(ALPHABET[class - 1]))
            .collect()
    }

    /// The characters the unconstrained reading emits: each run of frames whose best class is
    /// one character, as that class and the run's middle frame.
    fn emitted(&self) -> Vec<(usize, f32)> {
        // A blank after the last frame ends the last character.
        let mut end = [f32::NEG_INFINITY; 38];
        end[0] = 0.0;
        let mut characters = Vec::new();
        let (mut previous, mut start) = (0, 0);
        for (at, frame) in self.0.iter().chain([&end]).enumerate() {
            let best = (0..38)
                .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
                .unwrap_or(0);
            if best != previous {
                if previous != 0 {
                    characters.push((previous, (start + at - 1) as f32 / 2.0));
                }
                start = at;
            }
            previous = best;
        }
        characters
    }

    /// Frames from one character to the next, over the longest run of characters read with no
    /// filler among them (a run of fillers may be read short); `None` where that run is too
    /// short to tell.
    fn frames_per_character(&self) -> Option<f32> {
        const FILLER: usize = 1;
        let characters = self.emitted();
        let longest = characters
            .split(|&(class, _)| class == FILLER)
            .max_by_key(|run| run.len())
            .filter(|run| run.len() >= PITCH_RUN)?;
        Some((longest[longest.len() - 1].1 - longest[0].1) / (longest.len() - 1) as f32)
    }

    /// The most probable reading of exactly `allowed.len()` characters, the `n`th one of
    /// `allowed[n]`, with its log-probability and each character's allowed alternatives: a CTC
    /// best path over the states (characters emitted, current class).
    fn constrained(&self, allowed: &[&[u8]]) -> Reading {
        self.constrained_judged(allowed, allowed)
    }

    /// [`Frames::constrained`] with each character's certainty judged against what `judged`
    /// allows in its place: a character pinned by `allowed` to one class is only as certain as
    /// the recogniser was of it among the template's.
    fn constrained_judged(&self, allowed: &[&[u8]], judged: &[&[u8]]) -> Reading {
        const NONE: f32 = f32::NEG_INFINITY;
        let positions = allowed.len();
        let to_masks = |sets: &[&[u8]]| -> Vec<[bool; 38]> {
            sets.iter()
                .map(|set| {
                    let mut mask = [false; 38];
                    for c in *set {
                        if let Some(i) = ALPHABET.iter().position(|a| a == c) {
                            mask[i + 1] = true;
                        }
                    }
                    mask
                })
                .collect()
        };
        let masks = to_masks(allowed);
        let judged_masks = to_masks(judged);
        let mut score = vec![[NONE; 38]; positions + 1];
        score[0][0] = 0.0;
        // For each frame, where each state came from: (characters emitted, class).
        let mut came_from: Vec<Vec<[(u16, u8); 38]>> = Vec::with_capacity(self.0.len());
        for frame in &self.0 {
            let mut next = vec![[NONE; 38]; positions + 1];
            let mut from = vec![[(0u16, 0u8); 38]; positions + 1];
            for n in 0..=positions {
                for class in 0..38 {
                    // Stay: a blank stays blank, a character goes on.
                    let stay = score[n][class] + frame[class];
                    if stay > next[n][class] {
                        next[n][class] = stay;
                        from[n][class] = (n as u16, class as u8);
                    }
                    // A character gives way to a blank.
                    if class > 0 {
                        let blank = score[n][class] + frame[0];
                        if blank > next[n][0] {
                            next[n][0] = blank;
                            from[n][0] = (n as u16, class as u8);
                        }
                    }
                }
                if n == positions {
                    continue;
                }
                // A new character may follow any state but its own class (a repeat needs a
                // blank between): the best previous state, or the second best for that class.
                let (mut first, mut second) = ((0usize, NONE), (0usize, NONE));
                for (previous, &value) in score[n].iter().enumerate() {
                    if value > first.1 {
                        second = first;
                        first = (previous, value);
                    } else if value > second.1 {
                        second = (previous, value);
                    }
                }
                for class in (1..38).filter(|&class| masks[n][class]) {
                    let (previous, value) = if first.0 == class { second } else { first };
                    let emitted = value + frame[class];
                    if emitted > next[n + 1][class] {
                        next[n + 1][class] = emitted;
                        from[n + 1][class] = (n as u16, previous as u8);
                    }
                }
            }
            score = next;
            came_from.push(from);
        }
        let mut class = (0..38)
            .max_by(|&a, &b| score[positions][a].total_cmp(&score[positions][b]))
            .unwrap_or(0);
        let total = score[positions][class];
        let mut n = positions;
        let mut text = Vec::with_capacity(positions);
        let mut alternatives = Vec::with_capacity(positions);
        let mut certainty = Vec::with_capacity(positions);
        let mut check_blind = Vec::with_capacity(positions);
        // A character spans the frames from the one it is emitted in until a blank or the next
        // character: it is judged by the frame where the recogniser was surest of it.
        let mut peak: Option<usize> = None;
        // For each frame the path spends on a blank, how many characters precede it.
        let mut blank_after: Vec<Option<usize>> = vec![None; self.0.len()];
        for (at, from) in came_from.iter().enumerate().rev() {
            if class == 0 {
                blank_after[at] = Some(n);
            }
            if class != 0 && peak.is_none_or(|known| self.0[at][class] > self.0[known][class]) {
                peak = Some(at);
            }
            let (previous_n, previous_class) = from[n][class];
            if usize::from(previous_n) != n {
                text.push(ALPHABET[class - 1]);
                let frame = &self.0[peak.take().unwrap_or(at)];
                // Against the other characters its position allows: a blank beside it, or a
                // `0` where only letters may stand, takes nothing from it.
                let allowed: f32 = (1..38)
                    .filter(|&other| judged_masks[n - 1][other])
                    .map(|other| frame[other].exp())
                    .sum();
                certainty.push(frame[class].exp() / allowed.max(f32::MIN_POSITIVE));
                let value = mrz::check_value(ALPHABET[class - 1]).map(|v| v % 10);
                let alike: f32 = (1..38)
                    .filter(|&other| other != class && judged_masks[n - 1][other])
                    .filter(|&other| mrz::check_value(ALPHABET[other - 1]).map(|v| v % 10) == value)
                    .map(|other| frame[other].exp())
                    .sum();
                check_blind.push(alike / allowed.max(f32::MIN_POSITIVE));
                let mut others: Vec<(u8, f32)> = (1..38)
                    .filter(|&other| other != class && masks[n - 1][other])
                    .map(|other| (ALPHABET[other - 1], frame[class] - frame[other]))
                    .filter(|&(_, loss)| loss < ALTERNATIVE_LOSS)
                    .collect();
                others.sort_by(|a, b| a.1.total_cmp(&b.1));
                alternatives.push(others);
            }
            (n, class) = (usize::from(previous_n), usize::from(previous_class));
        }
        text.reverse();
        alternatives.reverse();
        certainty.reverse();
        check_blind.reverse();
        self.doubt_dropped_characters(&blank_after, &text, &mut certainty);
        Reading {
            text: String::from_utf8(text).unwrap_or_default(),
            score: total,
            certainty,
            check_blind,
            alternatives,
        }
    }
}

impl Frames {
    /// A character the recogniser saw (a run of frames it was more than [`DROPPED_PEAK`] sure
    /// of) that the path spent wholly on blanks was left out of the reading: the template has
    /// fewer places than the line has characters (a passport's zone read as a TD2 one), or a
    /// character slipped out. The nearest character before it that is not a filler (after it,
    /// when there is none) is only as certain as the recogniser was unsure of the dropped one.
    fn doubt_dropped_characters(
        &self,
        blank_after: &[Option<usize>],
        text: &[u8],
        certainty: &mut [f32],
    ) {
        let best = |frame: &[f32; 38]| {
            (1..38)
                .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
                .filter(|&class| frame[class] > frame[0])
                .map(|class| (class, frame[class].exp()))
        };
        let mut at = 0;
        while at < self.0.len() {
            let Some((class, _)) = best(&self.0[at]) else {
                at += 1;
                continue;
            };
            let start = at;
            let mut sure = 0f32;
            while let Some((same, p)) = self.0.get(at).and_then(best) {
                if same != class {
                    break;
                }
                sure = sure.max(p);
                at += 1;
            }
            // A run the path spends on blanks lies between the same two characters throughout.
            let Some(Some(before)) = blank_after[start..at]
                .iter()
                .all(Option::is_some)
                .then_some(blank_after[start])
            else {
                continue;
            };
            if sure <= DROPPED_PEAK {
                continue;
            }
            let neighbour = (0..before.min(text.len()))
                .rev()
                .chain(before..text.len())
                .find(|&i| text[i] != b'<');
            if let Some(i) = neighbour {
                certainty[i] = certainty[i].min(1.0 - sure);
            }
        }
    }
}

/// Line `index` of a `format` zone read from `frames` under its template. Where the state code
/// it holds is not one ICAO knows, the recogniser misread a letter of it or slipped a character
/// in or out around it: the line is read again with the code pinned to each real one that the
/// three characters there, or one place either side, spell but for one letter, and the
/// likeliest of those readings wins.
fn read_line(frames: &Frames, format: Format, index: usize) -> Reading {
    let allowed = template(format, index);
    let reading = frames.constrained(&allowed);
    let Some(at) = state_position(format, index) else {
        return reading;
    };
    let code = |text: &[u8]| {
        String::from_utf8_lossy(text)
            .trim_end_matches('<')
            .to_owned()
    };
    let text = reading.text.as_bytes();
    if text.len() < at + 3 || countries::by_code(&code(&text[at..at + 3])).is_some() {
        return reading;
    }
    let mut nearly: Vec<[u8; 3]> = Vec::new();
    for start in at.saturating_sub(1)..=(at + 1).min(text.len() - 3) {
        let mut window = [0u8; 3];
        for (slot, &c) in window.iter_mut().zip(&text[start..start + 3]) {
            *slot = letter_like(c);
        }
        nearly.push(window);
        for offset in 0..3 {
            for &letter in LETTERS {
                let mut changed = window;
                changed[offset] = letter;
                nearly.push(changed);
            }
        }
    }
    nearly.sort_unstable();
    nearly.dedup();
    nearly
        .into_iter()
        .filter(|window| countries::by_code(&code(window)).is_some())
        .map(|window| {
            let mut pinned = allowed.clone();
            for (slot, c) in pinned[at..at + 3].iter_mut().zip(window) {
                let class = ALPHABET.iter().position(|a| *a == c).unwrap_or(0);
                *slot = &ALPHABET[class..=class];
            }
            frames.constrained_judged(&pinned, &allowed)
        })
        .filter(|pinned| pinned.score.is_finite())
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .unwrap_or(reading)
}

/// A digit read where a state code's letter belongs: the letter it is mistaken for.
fn letter_like(c: u8) -> u8 {
    match c {
        b'0' => b'O',
        b'1' => b'I',
        b'2' => b'Z',
        b'5' => b'S',
        b'8' => b'B',
        other => other,
    }
}

/// Where line `index` of a `format` zone holds a state code: the issuing state on the first
/// line, the holder's nationality on the second.
fn state_position(format: Format, index: usize) -> Option<usize> {
    match (format, index) {
        (_, 0) => Some(2),
        (Format::Td1, 1) => Some(15),
        (Format::Td2 | Format::Td3, 1) => Some(10),
        _ => None,
    }
}

/// A line read under its template.
struct Reading {
    text: String,
    /// The path's log-probability.
    score: f32,
    /// For each character, its probability among those its position allows, in the frame where
    /// the recogniser was surest of it.
    certainty: Vec<f32>,
    /// For each character, the probability (as `certainty`) of the others its position allows
    /// that a check digit cannot tell from it ([`mrz::check_value`]).
    check_blind: Vec<f32>,
    /// For each character, the others its position allows that the recogniser found nearly as
    /// likely in the frame it was read from, with how much less likely (log-probability), best
    /// first.
    alternatives: Vec<Vec<(u8, f32)>>,
}

impl Reading {
    fn with(&self, substitutions: &[&Substitution]) -> String {
        let mut text = self.text.clone().into_bytes();
        for substitution in substitutions {
            text[substitution.position] = substitution.character;
        }
        String::from_utf8(text).unwrap_or_default()
    }
}

/// One character of a zone replaced by an alternative the recogniser gave it.
struct Substitution {
    line: usize,
    position: usize,
    character: u8,
    loss: f32,
}

/// The zone the lines read as, corrected where its check digits or state codes fail: if one
/// or two of the recogniser's own close alternatives make every check digit hold and every
/// state code real, the likeliest such reading; otherwise the lines as read. A substitution
/// must satisfy the field's digit and the composite one (where the format has it) together,
/// so a wrong guess passes only about one time in a hundred.
fn corrected(lines: &[Reading]) -> Result<ReadZone, Error> {
    let parse = |texts: Vec<String>| {
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        mrz::parse(&texts)
    };
    let read = parse(lines.iter().map(|line| line.text.clone()).collect())?;
    let as_read = |zone: Mrz| ReadZone {
        zone,
        certainty: lines.iter().map(|line| line.certainty.clone()).collect(),
        check_blind: lines.iter().map(|line| line.check_blind.clone()).collect(),
        corrected: false,
    };
    if acceptable(&read) {
        return Ok(as_read(read));
    }
    let mut substitutions: Vec<Substitution> = lines
        .iter()
        .enumerate()
        .flat_map(|(line, reading)| {
            reading
                .alternatives
                .iter()
                .enumerate()
                .flat_map(move |(position, others)| {
                    others.iter().map(move |&(character, loss)| Substitution {
                        line,
                        position,
                        character,
                        loss,
                    })
                })
        })
        .collect();
    substitutions.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    substitutions.truncate(MAX_SUBSTITUTIONS);
    let singles = substitutions.iter().map(|one| vec![one]);
    let pairs = substitutions.iter().enumerate().flat_map(|(index, one)| {
        substitutions[index + 1..]
            .iter()
            .filter(move |two| (two.line, two.position) != (one.line, one.position))
            .map(move |two| vec![one, two])
    });
    let mut best: Option<(f32, Vec<&Substitution>, Mrz)> = None;
    for tried in singles.chain(pairs) {
        let loss: f32 = tried.iter().map(|one| one.loss).sum();
        if best.as_ref().is_some_and(|(known, _, _)| *known <= loss) {
            continue;
        }
        let texts = lines
            .iter()
            .enumerate()
            .map(|(index, reading)| {
                let here: Vec<&Substitution> = tried
                    .iter()
                    .copied()
                    .filter(|one| one.line == index)
                    .collect();
                reading.with(&here)
            })
            .collect();
        if let Ok(zone) = parse(texts)
            && acceptable(&zone)
        {
            best = Some((loss, tried, zone));
        }
    }
    let Some((_, tried, zone)) = best else {
        return Ok(as_read(read));
    };
    let mut certainty: Vec<Vec<f32>> = lines.iter().map(|line| line.certainty.clone()).collect();
    for one in tried {
        certainty[one.line][one.position] *= (-one.loss).exp();
    }
    Ok(ReadZone {
        zone,
        certainty,
        check_blind: lines.iter().map(|line| line.check_blind.clone()).collect(),
        corrected: true,
    })
}

/// A zone as read, with how sure the recogniser was of each of its characters.
#[derive(Clone, Debug)]
pub struct ReadZone {
    pub zone: Mrz,
    /// Line by line, the probability of each character among those its position allows (0 to 1).
    pub certainty: Vec<Vec<f32>>,
    /// Line by line, how likely each character is to be another that no check digit tells from
    /// it ([`mrz::check_value`]), on the same scale.
    pub check_blind: Vec<Vec<f32>>,
    /// Characters were replaced by alternatives so that the checks hold: the check digits were
    /// chosen to hold, so holding is no evidence that the fields are right.
    pub corrected: bool,
}

/// Every check digit holds and both states are ones ICAO knows.
fn acceptable(zone: &Mrz) -> bool {
    zone.all_checks_passed()
        && countries::by_code(&zone.issuing_country).is_some()
        && countries::by_code(&zone.nationality).is_some()
}

const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LETTERS_OR_FILLER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ<";
/// A state's code: a letter, then letters or fillers (`D<<` is Germany).
const STATE: [&[u8]; 3] = [LETTERS, LETTERS_OR_FILLER, LETTERS_OR_FILLER];
const DIGITS: &[u8] = b"0123456789";
const DIGIT_OR_FILLER: &[u8] = b"0123456789<";
const ANY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";
const SEX: &[u8] = b"MFX<";
/// The first letter of a document code (ICAO 9303 parts 4 to 6): TD3 books are passports, TD1
/// cards identity cards, TD2 either. Visas (`V`, parts 7) are no identity document a registration
/// accepts, and the recogniser often mistakes a passport's `P` for one.
const TD3_CODE: &[u8] = b"P";
const TD2_CODE: &[u8] = b"IACP";
const TD1_CODE: &[u8] = b"IAC";

/// What each position of line `index` of a zone may hold (ICAO 9303 parts 4 to 6).
fn template(format: Format, index: usize) -> Vec<&'static [u8]> {
    let repeat = |set: &'static [u8], n: usize| std::iter::repeat_n(set, n);
    let mut line: Vec<&'static [u8]> = Vec::new();
    match (format, index) {
        (Format::Td1, 0) => {
            line.push(TD1_CODE);
            line.push(LETTERS_OR_FILLER);
            line.extend(STATE);
            line.extend(repeat(ANY, 9));
            line.push(DIGIT_OR_FILLER);
            line.extend(repeat(ANY, 15));
        }
        (Format::Td1, 1) => {
            line.extend(repeat(DIGITS, 7));
            line.push(SEX);
            line.extend(repeat(DIGITS, 7));
            line.extend(STATE);
            line.extend(repeat(ANY, 11));
            line.push(DIGITS);
        }
        (Format::Td1, _) => line.extend(repeat(LETTERS_OR_FILLER, 30)),
        (_, 0) => {
            line.push(if format == Format::Td3 {
                TD3_CODE
            } else {
                TD2_CODE
            });
            line.push(LETTERS_OR_FILLER);
            line.extend(STATE);
            line.extend(repeat(LETTERS_OR_FILLER, format.line_length() - 5));
        }
        (_, _) => {
            line.extend(repeat(ANY, 9));
            line.push(DIGIT_OR_FILLER);
            line.extend(STATE);
            line.extend(repeat(DIGITS, 7));
            line.push(SEX);
            line.extend(repeat(DIGITS, 7));
            let optional = format.line_length() - 28 - if format == Format::Td3 { 2 } else { 1 };
            line.extend(repeat(ANY, optional));
            if format == Format::Td3 {
                line.push(DIGIT_OR_FILLER);
            }
            line.push(DIGITS);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(centre: (f32, f32), length: f32, thickness: f32) -> Line {
        Line {
            centre,
            axis: (1.0, 0.0),
            length,
            thickness,
        }
    }

    #[test]
    fn pieces_of_one_row_are_joined_and_other_rows_are_not() {
        let lines = joined(vec![
            level((100.0, 50.0), 200.0, 20.0),
            level((260.0, 51.0), 80.0, 18.0),
            level((150.0, 90.0), 300.0, 20.0),
        ]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let row = lines.iter().find(|line| line.centre.1 < 70.0).unwrap();
        assert!((row.length - 300.0).abs() < 1.0, "{row:?}");
        assert!((row.centre.0 - 150.0).abs() < 1.0, "{row:?}");
    }

    #[test]
    fn lines_of_a_turned_page_are_sorted_across_the_text() {
        // a page turned by 0.18 rad: the short line starts at the same margin as the long one
        // below it, so its centre is lower in the picture
        let (sin, cos) = 0.18f32.sin_cos();
        let turned = |start: (f32, f32), length: f32| Line {
            centre: (start.0 + cos * length / 2.0, start.1 - sin * length / 2.0),
            axis: (cos, -sin),
            length,
            thickness: 30.0,
        };
        let mut lines = vec![turned((100.0, 840.0), 860.0), turned((95.0, 808.0), 420.0)];
        assert!(lines[1].centre.1 > lines[0].centre.1);
        sort_top_to_bottom(&mut lines);
        assert_eq!(lines[0].length, 420.0, "{lines:?}");
    }

    #[test]
    fn overlapping_lines_are_thinned_to_their_spacing() {
        let lines = apart(vec![
            level((150.0, 50.0), 300.0, 41.0),
            level((150.0, 83.0), 300.0, 41.0),
            level((150.0, 300.0), 300.0, 41.0),
        ]);
        assert!((lines[0].thickness - 33.0).abs() < 0.01, "{lines:?}");
        assert!((lines[1].thickness - 33.0).abs() < 0.01, "{lines:?}");
        assert_eq!(lines[2].thickness, 41.0);
    }

    #[test]
    fn templates_have_the_lines_lengths() {
        for (format, lines) in [(Format::Td1, 3), (Format::Td2, 2), (Format::Td3, 2)] {
            for index in 0..lines {
                assert_eq!(template(format, index).len(), format.line_length());
            }
        }
    }

    /// Frames that spell `text` with certainty, a blank between characters.
    fn spelled(text: &str) -> Frames {
        let mut frames = Vec::new();
        for c in text.bytes() {
            let mut frame = [-20f32; 38];
            frame[1 + ALPHABET.iter().position(|a| *a == c).unwrap()] = 0.0;
            frames.push(frame);
            let mut blank = [-20f32; 38];
            blank[0] = 0.0;
            frames.push(blank);
        }
        Frames(frames)
    }

    #[test]
    fn constrained_decoding_keeps_a_certain_reading_and_forces_a_fields_kind() {
        let frames = spelled("P<UTO0<<");
        assert_eq!(frames.greedy(), "P<UTO0<<");
        let template: Vec<&[u8]> = vec![
            LETTERS,
            LETTERS_OR_FILLER,
            LETTERS,
            LETTERS,
            LETTERS,
            LETTERS,
            LETTERS_OR_FILLER,
            LETTERS_OR_FILLER,
        ];
        let read = frames.constrained(&template).text;
        assert_eq!(read.len(), 8);
        assert!(read.starts_with("P<UTO") && read.ends_with("<<"), "{read}");
        assert!(read.as_bytes()[5].is_ascii_uppercase(), "{read}");
    }

    #[test]
    fn a_character_the_template_has_no_place_for_leaves_its_neighbour_uncertain() {
        let frames = spelled("AB<<C");
        let whole = frames.constrained(&[
            LETTERS,
            LETTERS,
            LETTERS_OR_FILLER,
            LETTERS_OR_FILLER,
            LETTERS,
        ]);
        assert!(
            whole.certainty.iter().all(|&sure| sure > 0.99),
            "{:?}",
            whole.certainty
        );
        let short = frames.constrained(&[LETTERS, LETTERS_OR_FILLER, LETTERS_OR_FILLER, LETTERS]);
        assert_eq!(short.text.len(), 4);
        assert!(
            short.certainty.iter().any(|&sure| sure < 0.01),
            "{}: {:?}",
            short.text,
            short.certainty
        );
    }

    #[test]
    fn constrained_decoding_counts_fillers_by_position() {
        let frames = spelled("AB<<");
        let read = frames.constrained(&[
            LETTERS,
            LETTERS,
            LETTERS_OR_FILLER,
            LETTERS_OR_FILLER,
            LETTERS_OR_FILLER,
        ]);
        assert_eq!(read.text.len(), 5, "{}", read.text);
    }

    #[test]
    fn the_pitch_is_measured_over_characters_not_fillers() {
        // Two frames a character; fillers are left out of the measure, since a run of them is
        // often read short.
        let frames = spelled("L898902C36UTO<<<<X");
        assert_eq!(frames.frames_per_character(), Some(2.0));
        // The last character ends the run too, whatever its class.
        assert_eq!(spelled("<<L89890239").frames_per_character(), Some(2.0));
        assert_eq!(spelled("AB<<CD").frames_per_character(), None);
    }

    #[test]
    fn a_line_is_completed_from_its_own_start() {
        let cut = level((50.0, 10.0), 80.0, 10.0);
        let whole = cut.completed_to((1.0, 0.0), 200.0).unwrap();
        let start = |line: &Line| line.centre.0 - line.length / 2.0;
        assert!(
            (start(&whole) - (start(&cut) - 2.5)).abs() < 1e-3,
            "{whole:?}"
        );
        assert!((whole.length - 202.5).abs() < 1e-3, "{whole:?}");
        assert!(cut.completed_to((1.0, 0.0), 81.0).is_none());
    }
}
