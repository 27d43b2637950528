use baf_domain::{AccountId, ApplicantId, AttemptId, PersonId};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Applicant with id {0} not found")]
    ApplicantNotFound(ApplicantId),
    #[error("Applicant with referenceId {0} not found")]
    ReferenceNotFound(String),
    #[error("Too many request by reference id: {count}")]
    AmbiguousReference { count: i64 },
    #[error("Response not found: attempt {0}")]
    AttemptNotFound(AttemptId),
    #[error("BlacklistPerson with id {0} not found")]
    PersonNotFound(PersonId),
    #[error("BlacklistPerson already exists")]
    BlacklistDuplicate,
    #[error("account {0} not found")]
    AccountNotFound(AccountId),
    /// A write named an account that was deleted meanwhile (a running server may still hold its
    /// key for up to a minute).
    #[error("the account was deleted")]
    AccountDeleted,
    /// A stored value the domain cannot represent (a status code from the future, broken JSON).
    #[error("stored {what} is invalid: {detail}")]
    Corrupt { what: &'static str, detail: String },
    /// Every connection of the pool stayed busy for the pool's whole wait: the caller may retry.
    #[error("every database connection is busy")]
    Busy,
    /// Postgres could not be reached or ended the session (down, restarting, refusing
    /// connections): the caller may retry.
    #[error("the database is unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database migration failed")]
    Migration(#[source] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        if crate::connections::note_failure(&error) {
            return Self::Unavailable(error);
        }
        let names_a_deleted_account = error.as_database_error().is_some_and(|db| {
            db.is_foreign_key_violation()
                && db
                    .constraint()
                    .is_some_and(|name| name.ends_with("_account_id_fkey"))
        });
        if names_a_deleted_account {
            return Self::AccountDeleted;
        }
        match error {
            sqlx::Error::PoolTimedOut => Self::Busy,
            other => Self::Database(other),
        }
    }
}
