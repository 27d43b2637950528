//! Validation: registration by selfie, registration with a document, and authorization by 1:N
//! search (spec §5).
//!
//! Order of work: a cheap admission check, then the face engine (off the async runtime, never
//! under a lock), then the decision under the applicant's row lock — and for registrations under
//! the account's profile lock too, so two registrations of one face can never both succeed.

use std::net::IpAddr;

use baf_domain::applicant::Applicant;
use baf_domain::document::DocumentReport;
use baf_domain::risks::{RiskType, phone_key};
use baf_domain::validation::{
    self, Evidence, FaceScores, Flow, InvalidDataError, MAX_SEARCH_RESULTS, Outcome, RequestShape,
    SELFIE_DOCUMENT_TYPE, Thresholds,
};
use baf_domain::{AccountId, AccountSettings, ApplicantId, AttemptId, Refusal};
use baf_store::attempts::{MediaKind, NewMedia};
use baf_store::{PgConnection, Store, applicants, attempts, profiles, risks};
use bytes::Bytes;
use chrono::Utc;
use tracing::Instrument;
use verification::{Embedding, FaceAnalysis, MainFace};

use crate::{App, Error, Image, media, webhooks};

/// A validation request: the decoded files, nothing analysed yet.
pub struct Submission {
    pub applicant: ApplicantId,
    pub document_type: i16,
    pub face: Option<Bytes>,
    pub front: Option<Bytes>,
    pub back: Option<Bytes>,
    pub liveness_video: Option<Bytes>,
    pub liveness_action_video: Option<Bytes>,
    /// Where the request came from, recorded with the attempt.
    pub client_address: Option<IpAddr>,
    /// The hosted page's fingerprint of the browser, checked by [`baf_domain::risks::is_fingerprint`].
    pub browser_fingerprint: Option<String>,
}

impl Submission {
    fn shape(&self) -> RequestShape {
        RequestShape {
            document_type: self.document_type,
            has_face_image: self.face.is_some(),
            has_front_image: self.front.is_some(),
        }
    }

    /// Videos are kept as sent, so each must be a video container of a bounded size.
    fn check_videos(&self) -> Result<(), Error> {
        for (kind, video) in [
            (MediaKind::LivenessVideo, &self.liveness_video),
            (MediaKind::LivenessActionVideo, &self.liveness_action_video),
        ] {
            if let Some(video) = video {
                media::check_video(video).map_err(|reason| Error::InvalidVideo { kind, reason })?;
            }
        }
        Ok(())
    }

    /// The files to keep with the attempt.
    fn files(&self) -> Vec<(MediaKind, Bytes)> {
        [
            (MediaKind::Face, &self.face),
            (MediaKind::Front, &self.front),
            (MediaKind::Back, &self.back),
            (MediaKind::LivenessVideo, &self.liveness_video),
            (MediaKind::LivenessActionVideo, &self.liveness_action_video),
        ]
        .into_iter()
        .filter_map(|(kind, bytes)| bytes.clone().map(|bytes| (kind, bytes)))
        .collect()
    }
}

/// Who asks: an account, and for a hosted page's capability the one applicant it may validate.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub account: AccountId,
    pub only: Option<ApplicantId>,
}

/// A decided attempt (Success or Fail), as recorded.
pub struct Validated {
    /// The applicant as it was before this attempt.
    pub applicant: Applicant,
    pub settings: AccountSettings,
    pub attempt: AttemptId,
    pub document_type: i16,
    pub flow: Flow,
    pub outcome: Outcome,
}

impl App {
    /// Validates `submission` for `caller`. An attempt with no or several faces is recorded as
    /// InvalidData and answered as [`Error::InvalidData`].
    pub async fn validate(
        &self,
        caller: Caller,
        submission: Submission,
    ) -> Result<Validated, Error> {
        if caller.only.is_some_and(|only| only != submission.applicant) {
            return Err(Error::OtherApplicant);
        }
        let account = caller.account;
        submission.check_videos()?;
        // Refuse early what would be refused anyway, before spending inference on it.
        let required_confidence = {
            let mut conn = self.store.connection().await?;
            let context =
                applicants::for_validation(&mut conn, account, submission.applicant).await?;
            validation::admit(
                &context.applicant,
                context.has_profile,
                &context.settings,
                submission.shape(),
            )?;
            validation::admit_invalid_data(context.recent_invalid_data)?;
            // the applicant's settings are frozen when it is created, so this holds below too
            let settings = &context.applicant.settings;
            settings
                .is_ocr_enabled
                .then_some(settings.document_validation_percent)
        };
        let face = submission.face.clone().ok_or(Refusal::FaceImageRequired)?;
        let selfie = self
            .engine
            .submit(face)
            .map_err(Error::image(Image::Selfie))?;
        let app = self.clone();
        // From here the work runs to its end even if the client goes away (a dropped connection
        // drops its handler): every file written is then named by a recorded attempt or removed,
        // and the gallery learns of every profile saved. The client reads the outcome back as
        // `lastValidationResponse`, as after any lost answer.
        let decision = async move {
            // The files are made durable while a worker analyses the selfie: the attempt's row may
            // only name them once they are.
            let (selfie, stored) = tokio::join!(
                selfie,
                media::store(
                    &app.blobs,
                    account,
                    submission.applicant,
                    submission.files()
                )
            );
            let stored = match stored {
                Ok(stored) => stored,
                Err(error) => return Err(app.unless_deleted(account, &submission, error).await),
            };
            match app
                .analyze_document_and_record(
                    account,
                    &submission,
                    (selfie, required_confidence),
                    &stored.rows,
                )
                .await
            {
                Ok(Decided::Attempt { validated, saved }) => {
                    if let Some((embedding, seq)) = saved {
                        app.profiles
                            .saved(account, submission.applicant, &embedding, seq);
                    }
                    Ok(*validated)
                }
                Ok(Decided::InvalidData(invalid)) => {
                    media::discard(&app.blobs, stored).await;
                    Err(if invalid.code == NOT_A_DOCUMENT {
                        Error::NotADocument(invalid.message)
                    } else {
                        Error::InvalidData(invalid.message)
                    })
                }
                Err(error @ Error::Store(baf_store::Error::ApplicantNotFound(_))) => {
                    // deleted while its files were written: they go, folder and all, as its
                    // other files did
                    media::delete_applicant(&app.blobs, account, submission.applicant).await;
                    Err(error)
                }
                Err(error) => {
                    media::discard(&app.blobs, stored).await;
                    Err(error)
                }
            }
        };
        tokio::spawn(decision.in_current_span()).await?
    }

    /// A failure to store the files is the applicant's absence when it was deleted meanwhile
    /// (its folder went from under the writes): answered as the applicant not found, with
    /// whatever the writes left removed.
    async fn unless_deleted(
        &self,
        account: AccountId,
        submission: &Submission,
        error: Error,
    ) -> Error {
        let Ok(mut conn) = self.store.connection().await else {
            return error;
        };
        match applicants::get(&mut conn, account, submission.applicant).await {
            Err(gone @ baf_store::Error::ApplicantNotFound(_)) => {
                media::delete_applicant(&self.blobs, account, submission.applicant).await;
                gone.into()
            }
            _ => error,
        }
    }

    /// Analyses the document's face and, when reading is on (a `required_confidence` for what is
    /// read), reads it, then decides.
    async fn analyze_document_and_record(
        &self,
        account: AccountId,
        submission: &Submission,
        (selfie, required_confidence): (Result<FaceAnalysis, verification::Error>, Option<u8>),
        media: &[NewMedia],
    ) -> Result<Decided, Error> {
        let selfie = selfie.map_err(Error::image(Image::Selfie))?;
        let Some(front) = submission
            .front
            .clone()
            .filter(|_| submission.document_type != SELFIE_DOCUMENT_TYPE)
        else {
            return self
                .decide_and_record(account, submission, selfie, None, media)
                .await;
        };
        let face = async {
            self.engine
                .analyze(front.clone())
                .await
                .map_err(Error::image(Image::DocumentFront))
        };
        let reading = async {
            let Some(required_confidence) = required_confidence else {
                return Ok(None);
            };
            let sides = std::iter::once(front.clone())
                .chain(submission.back.clone())
                .collect();
            let today = Utc::now().date_naive();
            self.documents
                .read(sides, submission.document_type, today, required_confidence)
                .await
                .map(Some)
        };
        let (face, reading) = tokio::join!(face, reading);
        let document = DocumentEvidence {
            face: face?,
            report: reading?,
        };
        self.decide_and_record(account, submission, selfie, Some(document), media)
            .await
    }

    async fn decide_and_record(
        &self,
        account: AccountId,
        submission: &Submission,
        selfie: FaceAnalysis,
        document: Option<DocumentEvidence>,
        media: &[NewMedia],
    ) -> Result<Decided, Error> {
        let mut tx = self.store.begin().await?;
        // lock first: attempt limits and status changes are decided under this lock
        let applicants::ValidationContext {
            applicant,
            settings,
            has_profile,
            bans_faces,
            recent_invalid_data,
        } = applicants::lock_for_validation(&mut tx, account, submission.applicant).await?;
        let flow = validation::admit(&applicant, has_profile, &settings, submission.shape())?;
        validation::admit_invalid_data(recent_invalid_data)?;
        let now = Utc::now();

        let face_photo_share = document.as_ref().and_then(|document| {
            let face = document.face.main.as_ref()?;
            let share = face_share(&document.face, face);
            document
                .report
                .as_ref()
                .is_some_and(|report| report.is_a_face_photo(share))
                .then_some(share)
        });
        let (document_face, report) = match document {
            Some(document) => (Some(document.face.main), document.report),
            None => (None, None),
        };
        let (mut outcome, embedding) = match (selfie.into_single(), document_face, face_photo_share)
        {
            (Err(error), _, _) => match no_usable_face(&error) {
                Some(message) => (invalid_data(flow, &applicant, &settings, message), None),
                None => return Err(Error::Engine(error)),
            },
            (Ok(_), _, Some(share)) => (
                invalid_data_coded(
                    flow,
                    &applicant,
                    &settings,
                    NOT_A_DOCUMENT,
                    format!(
                        "The document image is a face photo, not an identity document: nothing \
                         could be read on it and its face fills {:.0}% of it",
                        100.0 * share
                    ),
                ),
                None,
            ),
            (Ok(_), Some(None), None) => (
                invalid_data(
                    flow,
                    &applicant,
                    &settings,
                    "No faces found on the document".into(),
                ),
                None,
            ),
            (Ok(main), document_face, None) => {
                let thresholds = Thresholds::for_flow(flow, &applicant, &settings);
                let mut evidence = self
                    .gather_evidence(
                        &mut tx,
                        account,
                        applicant.id,
                        (flow, thresholds),
                        &main,
                        document_face.flatten(),
                    )
                    .await?;
                evidence.document = report;
                // A banned face neither registers nor authorizes, its own applicant's included.
                if (flow.registers() || flow == Flow::Authorization) && bans_faces {
                    evidence.blacklisted = blacklisted_face(
                        &mut tx,
                        account,
                        &main.embedding,
                        settings.face_match_threshold,
                    )
                    .await?;
                }
                if let Some(report) = evidence.document.as_ref().filter(|_| flow.registers()) {
                    evidence.blacklisted |= blacklisted_holder(&mut tx, account, report).await?;
                }
                evidence.request_risks =
                    request_risks(&mut tx, &applicant, &settings, submission, now).await?;
                (
                    validation::decide(flow, &applicant, &settings, &evidence, now),
                    Some(main.embedding),
                )
            }
        };

        outcome.record.request_ip_address = submission.client_address.map(|ip| ip.to_string());
        outcome.record.browser_fingerprint = submission.browser_fingerprint.clone();
        // an attempt that never reached the checks keeps no files: they would cost disk for
        // nothing, and such attempts use up no attempt
        let media = if outcome.record.invalid_data_errors.is_empty() {
            media
        } else {
            &[]
        };
        let (attempt, created) = attempts::insert(
            &mut tx,
            account,
            applicant.id,
            submission.document_type,
            &outcome.record,
            media,
        )
        .await?;
        risks::insert(
            &mut tx,
            account,
            applicant.id,
            attempt,
            &outcome.record.risk_events,
        )
        .await?;
        let registered = outcome.succeeded() && flow.registers();
        // a registration by document names an applicant the client left unnamed
        let (first_name, last_name) = outcome
            .record
            .document
            .as_ref()
            .filter(|_| registered)
            .map(DocumentReport::holder_names)
            .unwrap_or_default();
        applicants::record_attempt(
            &mut tx,
            account,
            applicant.id,
            &applicants::AttemptEffect {
                attempt,
                created,
                response_status: outcome.record.response_status,
                status: outcome.applicant_status,
                attempts_used: outcome.attempts_used,
                success: registered,
                risk: outcome.record.has_active_risks(),
                background_risk: outcome.record.has_background_risks(),
                document_expired: outcome.record.validation_status.expired,
                first_name,
                last_name,
            },
        )
        .await?;
        webhooks::status_changed(
            &mut tx,
            self.status_webhook(),
            &applicant,
            outcome.applicant_status,
            Some(attempt),
        )
        .await?;
        let saved = match (embedding, outcome.save_profile) {
            (Some(embedding), true) => {
                let image_key = media
                    .iter()
                    .find(|m| m.kind == MediaKind::Face)
                    .map(|m| m.blob_key.as_str());
                let profile = profiles::NewProfile {
                    embedding: embedding.as_slice(),
                    model: embedding.model().name(),
                    image_key,
                };
                let seq = profiles::upsert(&mut tx, account, applicant.id, profile).await?;
                Some((embedding, seq))
            }
            _ => None,
        };
        Store::commit(tx).await?;
        metrics::counter!(
            "baf_attempts_total",
            "flow" => format!("{flow:?}"),
            "status" => format!("{:?}", outcome.record.response_status),
        )
        .increment(1);

        if let Some(error) = outcome.record.invalid_data_errors.first() {
            return Ok(Decided::InvalidData(error.clone()));
        }
        Ok(Decided::Attempt {
            validated: Box::new(Validated {
                applicant,
                settings,
                attempt,
                document_type: submission.document_type,
                flow,
                outcome,
            }),
            saved,
        })
    }

    async fn gather_evidence(
        &self,
        tx: &mut PgConnection,
        account: AccountId,
        applicant: ApplicantId,
        (flow, thresholds): (Flow, Thresholds),
        selfie: &MainFace,
        document: Option<MainFace>,
    ) -> Result<Evidence, Error> {
        let match_confidence = document
            .as_ref()
            .and_then(|d| selfie.embedding.similarity(&d.embedding))
            .map(|s| s.confidence());
        let mut evidence = Evidence {
            scores: face_scores(selfie, match_confidence),
            duplicates: Vec::new(),
            found_own_profile: false,
            blacklisted: false,
            request_risks: Vec::new(),
            document: None,
        };
        match flow {
            Flow::Registration | Flow::RegistrationWithDocument => {
                evidence.duplicates = self
                    .profiles
                    .other_profiles_matching(
                        tx,
                        account,
                        applicant,
                        &selfie.embedding,
                        thresholds.duplicate_percent,
                    )
                    .await?;
                evidence.scores.duplicate_confidence = evidence
                    .duplicates
                    .iter()
                    .map(|(_, confidence)| *confidence)
                    .reduce(f64::max);
            }
            Flow::Authorization => {
                let hits = self
                    .profiles
                    .search(
                        tx,
                        account,
                        &selfie.embedding,
                        thresholds.match_percent,
                        MAX_SEARCH_RESULTS,
                    )
                    .await?;
                if let Some((_, confidence)) = hits.iter().find(|(id, _)| *id == applicant) {
                    evidence.found_own_profile = true;
                    evidence.scores.match_confidence = Some(*confidence);
                }
            }
            Flow::ProfileUpdate => {}
        }
        Ok(evidence)
    }
}

/// What the document of a registration gave: its face, and its reading when reading is on.
struct DocumentEvidence {
    face: FaceAnalysis,
    report: Option<DocumentReport>,
}

enum Decided {
    Attempt {
        validated: Box<Validated>,
        saved: Option<(Embedding, i64)>,
    },
    /// Recorded as an InvalidData attempt; its error is what the client is answered.
    InvalidData(InvalidDataError),
}

/// The BAF code of an attempt with no usable face (spec: recorded as InvalidData).
const NO_OR_MANY_FACES: &str = "120038";
/// The BAF code of a document the document verification refused ("DVS response error"): here, a
/// face photo sent as the document.
const NOT_A_DOCUMENT: &str = "120030";

fn invalid_data(
    flow: Flow,
    applicant: &Applicant,
    settings: &AccountSettings,
    message: String,
) -> Outcome {
    invalid_data_coded(flow, applicant, settings, NO_OR_MANY_FACES, message)
}

fn invalid_data_coded(
    flow: Flow,
    applicant: &Applicant,
    settings: &AccountSettings,
    code: &str,
    message: String,
) -> Outcome {
    let invalid = InvalidDataError {
        code: code.into(),
        message,
        description: None,
    };
    validation::invalid_data(flow, applicant, settings, invalid)
}

/// How much of the document's picture its face fills.
fn face_share(document: &FaceAnalysis, face: &verification::MainFace) -> f64 {
    let picture = f64::from(document.width) * f64::from(document.height);
    face.face.bbox.area() / picture.max(1.0)
}

/// The vendor's message for a picture without exactly one face, `None` for any other error.
pub fn no_usable_face(error: &verification::Error) -> Option<String> {
    match error {
        verification::Error::NoFace => Some("No faces found".to_owned()),
        verification::Error::MultipleFaces { count } => {
            Some(format!("Multiple faces found ({count})"))
        }
        _ => None,
    }
}

/// What the engine measured on a face, on the vendor's scales.
pub(crate) fn face_scores(face: &MainFace, match_confidence: Option<f64>) -> FaceScores {
    FaceScores {
        quality: face.quality.score,
        quality_percent: face.quality.percent(),
        liveness: face.liveness.score,
        liveness_percent: Some(face.liveness.percent()),
        match_confidence,
        duplicate_confidence: None,
    }
}

/// The risks of the request itself, counted over the account's earlier attempts: MassAttack
/// (its address), PeriodicAttack (its browser), InconsistentMetadata (its applicant's phone).
async fn request_risks(
    tx: &mut PgConnection,
    applicant: &Applicant,
    settings: &AccountSettings,
    submission: &Submission,
    now: chrono::DateTime<Utc>,
) -> Result<Vec<RiskType>, Error> {
    let account = applicant.account_id;
    let since = now - settings.risks.period();
    let mut found = Vec::new();
    if let Some(address) = submission.client_address.map(|ip| ip.to_string()) {
        // taken after every other lock of the validation, so it cannot deadlock with them
        risks::lock_address(tx, account, &address).await?;
        let earlier = risks::requests_from(tx, account, &address, since).await?;
        if settings.risks.is_mass_attack(earlier) {
            found.push(RiskType::MassAttack);
        }
    }
    if let Some(fingerprint) = &submission.browser_fingerprint
        && risks::fingerprint_used_by_others(tx, account, applicant.id, fingerprint, since).await?
    {
        found.push(RiskType::PeriodicAttack);
    }
    if let Some(digits) = applicant.phone.as_deref().and_then(phone_key)
        && risks::phone_used_by_others(tx, account, applicant.id, &digits).await?
    {
        found.push(RiskType::InconsistentMetadata);
    }
    Ok(found)
}

/// Whether the face matches a blacklisted face of its model at the account's face-match threshold.
async fn blacklisted_face(
    tx: &mut PgConnection,
    account: AccountId,
    face: &Embedding,
    threshold: u8,
) -> Result<bool, Error> {
    let model = face.model();
    let banned = baf_store::blacklist::faces(tx, account, model.name()).await?;
    Ok(banned
        .iter()
        .filter_map(|(_, raw)| Embedding::from_raw(model, raw))
        .any(|banned| {
            face.similarity(&banned)
                .is_some_and(|s| s.confidence() >= f64::from(threshold))
        }))
}

/// Whether the document's holder is on the blacklist: an entry born on the document's date of
/// birth with its first and family names, in any spelling the document's zone allows.
async fn blacklisted_holder(
    tx: &mut PgConnection,
    account: AccountId,
    report: &DocumentReport,
) -> Result<bool, Error> {
    let field = |name: &str| report.fields.get(name).map_or("", String::as_str);
    let Ok(dob) = field("dob").parse::<chrono::NaiveDate>() else {
        return Ok(false);
    };
    let entries = baf_store::blacklist::born_on(tx, account, dob).await?;
    Ok(entries.iter().any(|entry| {
        documents::names::same_person(
            (
                entry.first_name.as_deref().unwrap_or_default(),
                entry.family_name.as_deref().unwrap_or_default(),
            ),
            (field("firstName"), field("familyName")),
        )
    }))
}
