//! The rules of a BAF account, free of HTTP and SQL: who an applicant is and which status changes
//! are allowed, the settings in force, how a partial update and a list query are read.
//! Every decision here is a plain function with table-driven tests.

pub mod applicant;
pub mod blacklist;
pub mod document;
pub mod ids;
pub mod listing;
pub mod risks;
pub mod settings;
pub mod validation;

pub use applicant::{
    Applicant, ApplicantStatus, ApplicantUpdate, Metadata, NewApplicant, Patch, Refusal,
    ResponseStatus, VerificationMethod,
};
pub use ids::{AccountId, ApplicantId, AttemptId, PersonId};
pub use settings::{
    AccountSettings, ImageReview, Retention, SettingsError, ValidationRequestSettings,
};
