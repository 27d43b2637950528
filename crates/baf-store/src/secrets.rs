//! Secrets shared by every server process of one database.

use sqlx::PgConnection;

use crate::Error;

/// The secret called `name`, created from `generate` by the first process that asks. Concurrent
/// first starts agree: the insert that loses the race keeps the winner's value.
pub async fn get_or_create(
    conn: &mut PgConnection,
    name: &str,
    generate: impl FnOnce() -> Vec<u8>,
) -> Result<Vec<u8>, Error> {
    sqlx::query!(
        "insert into server_secret (name, value) values ($1, $2) on conflict (name) do nothing",
        name,
        generate()
    )
    .execute(&mut *conn)
    .await?;
    Ok(
        sqlx::query_scalar!("select value from server_secret where name = $1", name)
            .fetch_one(conn)
            .await?,
    )
}
