//! Limits on client text, so that no string can fail in the database (Postgres refuses NUL) or
//! grow a row without bound.

use baf_domain::Metadata;
use baf_domain::listing::{self, ListQuery};

use crate::error::ApiError;

/// The list parameters of a request, with its text filter held to the same limits.
pub fn list_query(
    pairs: &[(String, String)],
    sort_fields: &[&'static str],
) -> Result<ListQuery, ApiError> {
    let query = listing::parse(pairs, sort_fields)?;
    check("TextFilter", query.text_filter.as_deref())?;
    Ok(query)
}

pub(crate) const MAX_FIELD_CHARS: usize = 2048;
pub(crate) const MAX_METADATA_ENTRIES: usize = 100;
/// Keys and values together, in UTF-8: what one applicant's metadata may weigh. It bounds a
/// list's answer too: 400 applicants (the largest page) with every field full are about 14 MB.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

pub fn check(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    match value {
        Some(value) if value.contains('\0') => Err(ApiError::invalid_field(
            field,
            "The value must not contain NUL characters.",
        )),
        Some(value) if value.chars().count() > MAX_FIELD_CHARS => Err(ApiError::invalid_field(
            field,
            format!("The value must be at most {MAX_FIELD_CHARS} characters long."),
        )),
        _ => Ok(()),
    }
}

pub fn check_metadata(metadata: &Metadata) -> Result<(), ApiError> {
    if metadata.len() > MAX_METADATA_ENTRIES {
        return Err(ApiError::invalid_field(
            "metadata",
            format!("At most {MAX_METADATA_ENTRIES} entries are allowed."),
        ));
    }
    for (key, value) in metadata {
        check(&format!("metadata.{key}"), Some(key))?;
        check(&format!("metadata.{key}"), Some(value))?;
    }
    let bytes: usize = metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
    if bytes > MAX_METADATA_BYTES {
        return Err(ApiError::invalid_field(
            "metadata",
            format!("Keys and values together must be at most {MAX_METADATA_BYTES} bytes (UTF-8)."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_overlong_text_are_refused() {
        assert!(check("firstName", Some("a\0b")).is_err());
        assert!(check("firstName", Some(&"é".repeat(2049))).is_err());
        assert!(check("firstName", Some(&"é".repeat(2048))).is_ok());
        assert!(check("firstName", None).is_ok());
        let too_many: Metadata = (0..101).map(|i| (i.to_string(), String::new())).collect();
        assert!(check_metadata(&too_many).is_err());
        let heavy: Metadata = (0..9).map(|i| (i.to_string(), "x".repeat(2000))).collect();
        assert!(check_metadata(&heavy).is_err());
        let light: Metadata = (0..8).map(|i| (i.to_string(), "x".repeat(2000))).collect();
        assert!(check_metadata(&light).is_ok());
    }
}
