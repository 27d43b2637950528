//! Blacklisted people of an account.

use baf_domain::blacklist::{BlacklistPerson, PersonData};
use baf_domain::listing::{ListQuery, contains_pattern};
use baf_domain::{AccountId, ApplicantId, PersonId};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;

use crate::Error;

const IDENTITY_CONSTRAINT: &str = "blacklist_person_identity";

struct PersonRow {
    person_id: uuid::Uuid,
    account_id: uuid::Uuid,
    applicant_id: Option<uuid::Uuid>,
    first_name: Option<String>,
    middle_name: Option<String>,
    family_name: Option<String>,
    dob: Option<DateTime<Utc>>,
    has_face: bool,
    created: DateTime<Utc>,
}

impl From<PersonRow> for BlacklistPerson {
    fn from(row: PersonRow) -> Self {
        Self {
            id: PersonId(row.person_id),
            account_id: AccountId(row.account_id),
            applicant_id: row.applicant_id.map(ApplicantId),
            first_name: row.first_name,
            middle_name: row.middle_name,
            family_name: row.family_name,
            dob: row.dob,
            has_face: row.has_face,
            created: row.created,
        }
    }
}

/// The unique index on names and date of birth turns an exact duplicate into its own error.
fn duplicate_or(error: sqlx::Error) -> Error {
    match &error {
        sqlx::Error::Database(db) if db.constraint() == Some(IDENTITY_CONSTRAINT) => {
            Error::BlacklistDuplicate
        }
        _ => Error::from(error),
    }
}

pub async fn insert(
    conn: &mut PgConnection,
    account: AccountId,
    id: PersonId,
    data: &PersonData,
    applicant: Option<ApplicantId>,
    face: Option<&BannedFace>,
) -> Result<(), Error> {
    sqlx::query!(
        "insert into blacklist_person (person_id, account_id, applicant_id, first_name, middle_name, family_name, dob, embedding, embedding_model)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id.0,
        account.0,
        applicant.map(|a| a.0),
        data.first_name,
        data.middle_name,
        data.family_name,
        data.dob,
        face.map(|f| f.embedding.as_slice()) as Option<&[f32]>,
        face.map(|f| f.model.as_str()),
    )
    .execute(conn)
    .await
    .map_err(duplicate_or)?;
    Ok(())
}

pub async fn get(
    conn: &mut PgConnection,
    account: AccountId,
    id: PersonId,
) -> Result<BlacklistPerson, Error> {
    sqlx::query_as!(
        PersonRow,
        r#"select person_id, account_id, applicant_id, first_name, middle_name, family_name, dob,
                  embedding is not null as "has_face!", created
           from blacklist_person where account_id = $1 and person_id = $2"#,
        account.0,
        id.0
    )
    .fetch_optional(conn)
    .await?
    .map(BlacklistPerson::from)
    .ok_or(Error::PersonNotFound(id))
}

pub async fn update(
    conn: &mut PgConnection,
    account: AccountId,
    id: PersonId,
    data: &PersonData,
) -> Result<(), Error> {
    let updated = sqlx::query!(
        "update blacklist_person set first_name = $3, middle_name = $4, family_name = $5, dob = $6
         where account_id = $1 and person_id = $2",
        account.0,
        id.0,
        data.first_name,
        data.middle_name,
        data.family_name,
        data.dob,
    )
    .execute(conn)
    .await
    .map_err(duplicate_or)?
    .rows_affected();
    if updated == 0 {
        Err(Error::PersonNotFound(id))
    } else {
        Ok(())
    }
}

pub async fn delete(
    conn: &mut PgConnection,
    account: AccountId,
    id: PersonId,
) -> Result<(), Error> {
    let deleted = sqlx::query!(
        "delete from blacklist_person where account_id = $1 and person_id = $2",
        account.0,
        id.0
    )
    .execute(conn)
    .await?
    .rows_affected();
    if deleted == 0 {
        Err(Error::PersonNotFound(id))
    } else {
        Ok(())
    }
}

/// One page of the blacklist and the number of entries that match the filter.
pub async fn list(
    conn: &mut PgConnection,
    account: AccountId,
    query: &ListQuery,
) -> Result<(Vec<BlacklistPerson>, i64), Error> {
    let pattern = query.text_filter.as_deref().map(contains_pattern);
    let total = sqlx::query_scalar!(
        r#"select count(*) as "count!" from blacklist_person
           where account_id = $1
             and ($2::text is null or first_name ilike $2 or middle_name ilike $2 or family_name ilike $2
                  or concat_ws(' ', first_name, middle_name, family_name) ilike $2 or concat_ws(' ', first_name, family_name) ilike $2)"#,
        account.0,
        pattern,
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows = sqlx::query_as!(
        PersonRow,
        r#"select person_id, account_id, applicant_id, first_name, middle_name, family_name, dob,
                  embedding is not null as "has_face!", created
           from blacklist_person
           where account_id = $1
             and ($2::text is null or first_name ilike $2 or middle_name ilike $2 or family_name ilike $2
                  or concat_ws(' ', first_name, middle_name, family_name) ilike $2 or concat_ws(' ', first_name, family_name) ilike $2)
           order by
             case when not $4 then case $3::text
               when 'id' then person_id::text when 'firstName' then first_name when 'middleName' then middle_name
               when 'familyName' then family_name when 'applicantId' then applicant_id::text end end asc,
             case when $4 then case $3::text
               when 'id' then person_id::text when 'firstName' then first_name when 'middleName' then middle_name
               when 'familyName' then family_name when 'applicantId' then applicant_id::text end end desc,
             case when not $4 then case $3::text when 'dob' then dob when 'created' then created end end asc,
             case when $4 then case $3::text when 'dob' then dob end end desc,
             created desc, person_id desc
           limit $5 offset $6"#,
        account.0,
        pattern,
        query.sort_field,
        query.descending,
        query.page_size,
        query.offset(),
    )
    .fetch_all(conn)
    .await?;
    Ok((rows.into_iter().map(BlacklistPerson::from).collect(), total))
}

/// The account's entries born on `dob` (the day in UTC), for matching a document's names.
pub async fn born_on(
    conn: &mut PgConnection,
    account: AccountId,
    dob: NaiveDate,
) -> Result<Vec<BlacklistPerson>, Error> {
    let rows = sqlx::query_as!(
        PersonRow,
        r#"select person_id, account_id, applicant_id, first_name, middle_name, family_name, dob,
                  embedding is not null as "has_face!", created
           from blacklist_person
           where account_id = $1 and (dob at time zone 'UTC')::date = $2"#,
        account.0,
        dob,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(BlacklistPerson::from).collect())
}

/// A banned face: the embedding and the model that made it.
#[derive(Clone, Debug)]
pub struct BannedFace {
    pub embedding: Vec<f32>,
    pub model: String,
}

/// The account's blacklisted faces made by `model` (faces of other models are not comparable).
/// Read at each registration, so adding or lifting a ban takes effect at once in every process;
/// blacklists are small next to the profile gallery.
pub async fn faces(
    conn: &mut PgConnection,
    account: AccountId,
    model: &str,
) -> Result<Vec<(PersonId, Vec<f32>)>, Error> {
    let rows = sqlx::query!(
        r#"select person_id, embedding as "embedding!" from blacklist_person
           where account_id = $1 and embedding is not null and embedding_model = $2"#,
        account.0,
        model
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (PersonId(row.person_id), row.embedding))
        .collect())
}

/// The applicant's registered face, to copy into its blacklist entry.
pub async fn applicant_face(
    conn: &mut PgConnection,
    account: AccountId,
    applicant: ApplicantId,
) -> Result<Option<BannedFace>, Error> {
    let row = sqlx::query!(
        "select embedding, model from face_profile where account_id = $1 and applicant_id = $2",
        account.0,
        applicant.0
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| BannedFace {
        embedding: row.embedding,
        model: row.model,
    }))
}
