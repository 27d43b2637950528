//! The vendor's list query (`Page`, `PageSize`, `CreatedFrom`, `CreatedTo`, `SortField`, `Order`,
//! `TextFilter`), read from raw query pairs into a checked [`ListQuery`].

use chrono::NaiveDate;

pub const MAX_PAGE: i64 = i32::MAX as i64;
pub const MAX_PAGE_SIZE: i64 = 400;
pub const DEFAULT_PAGE_SIZE: i64 = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListQuery {
    pub page: i64,
    pub page_size: i64,
    pub created_from: Option<NaiveDate>,
    /// Inclusive: the whole day counts.
    pub created_to: Option<NaiveDate>,
    /// One of the resource's sort fields, spelled as in its table; `None` means newest first.
    pub sort_field: Option<&'static str>,
    pub descending: bool,
    pub text_filter: Option<String>,
}

impl ListQuery {
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.page_size
    }

    pub fn total_pages(&self, total: i64) -> i64 {
        (total + self.page_size - 1) / self.page_size
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// Parameters that do not parse or are out of range, with one message per parameter.
    #[error("invalid list parameters")]
    Invalid(Vec<(&'static str, String)>),
    #[error("No sorting by selected property")]
    UnknownSortField(String),
}

/// The last value of the query parameter `name`, matched case-insensitively as ASP.NET model
/// binding does, trimmed.
pub fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Reads query pairs. Names are matched case-insensitively, as ASP.NET model binding does, and
/// sort fields are matched case-insensitively against `sort_fields` (camelCase wire names). An
/// empty value is refused like any other value that is not one (`?Page=` is not page 1), except
/// an empty `TextFilter`, which filters nothing.
pub fn parse(
    pairs: &[(String, String)],
    sort_fields: &[&'static str],
) -> Result<ListQuery, ListError> {
    let get = |name: &str| query_value(pairs, name);
    let mut errors = Vec::new();
    let mut number = |name: &'static str, default: i64, max: i64| match get(name) {
        None => default,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push((
                    name,
                    format!("The field {name} must be between 1 and {max}."),
                ));
                default
            }
        },
    };
    let page = number("Page", 1, MAX_PAGE);
    let page_size = number("PageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
    let mut date = |name: &'static str| {
        get(name).and_then(|raw| match NaiveDate::parse_from_str(raw, "%d-%m-%Y") {
            Ok(date) => Some(date),
            Err(_) => {
                errors.push((
                    name,
                    format!("The value '{raw}' is not a valid date; expected dd-mm-yyyy."),
                ));
                None
            }
        })
    };
    let created_from = date("CreatedFrom");
    let created_to = date("CreatedTo");
    let descending = match get("Order") {
        None => false,
        Some(order)
            if order.eq_ignore_ascii_case("descending") || order.eq_ignore_ascii_case("desc") =>
        {
            true
        }
        Some(order)
            if order.eq_ignore_ascii_case("ascending") || order.eq_ignore_ascii_case("asc") =>
        {
            false
        }
        Some(order) => {
            errors.push((
                "Order",
                format!("The value '{order}' is not valid; use 'ascending' or 'descending'."),
            ));
            false
        }
    };
    if !errors.is_empty() {
        return Err(ListError::Invalid(errors));
    }
    let sort_field = match get("SortField") {
        None => None,
        Some(raw) => Some(
            sort_fields
                .iter()
                .copied()
                .find(|field| field.eq_ignore_ascii_case(raw))
                .ok_or_else(|| ListError::UnknownSortField(raw.to_owned()))?,
        ),
    };
    Ok(ListQuery {
        page,
        page_size,
        created_from,
        created_to,
        sort_field,
        descending,
        text_filter: get("TextFilter")
            .filter(|filter| !filter.is_empty())
            .map(str::to_owned),
    })
}

/// A text filter as a `LIKE` pattern matching it anywhere, with the pattern characters escaped.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["firstName", "created"];

    fn query(pairs: &[(&str, &str)]) -> Result<ListQuery, ListError> {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse(&pairs, FIELDS)
    }

    #[test]
    fn no_parameters_give_the_first_page_newest_first() {
        let q = query(&[]).unwrap();
        assert_eq!(
            (q.page, q.page_size, q.sort_field, q.descending),
            (1, DEFAULT_PAGE_SIZE, None, false)
        );
    }

    #[test]
    fn names_and_sort_fields_match_case_insensitively() {
        let q = query(&[
            ("page", "2"),
            ("pagesize", "5"),
            ("sortfield", "FIRSTNAME"),
            ("order", "Descending"),
        ])
        .unwrap();
        assert_eq!(
            (q.page, q.page_size, q.sort_field, q.descending),
            (2, 5, Some("firstName"), true)
        );
        assert_eq!(q.offset(), 5);
    }

    #[test]
    fn out_of_range_paging_names_each_parameter() {
        for (name, value) in [
            ("Page", "0"),
            ("Page", "2147483648"),
            ("PageSize", "401"),
            ("PageSize", "x"),
            ("PageSize", "-1"),
            ("Page", ""),
            ("PageSize", " "),
            ("CreatedFrom", ""),
            ("Order", ""),
        ] {
            match query(&[(name, value)]) {
                Err(ListError::Invalid(errors)) => assert_eq!(errors[0].0, name),
                other => panic!("{name}={value}: {other:?}"),
            }
        }
        assert_eq!(
            query(&[("Page", "2147483647"), ("PageSize", "400")])
                .unwrap()
                .page,
            MAX_PAGE
        );
    }

    #[test]
    fn an_unknown_sort_field_is_its_own_error() {
        assert_eq!(
            query(&[("SortField", "password")]),
            Err(ListError::UnknownSortField("password".into()))
        );
        assert_eq!(
            query(&[("SortField", "")]),
            Err(ListError::UnknownSortField(String::new()))
        );
    }

    #[test]
    fn an_empty_text_filter_filters_nothing() {
        assert_eq!(query(&[("TextFilter", " ")]).unwrap().text_filter, None);
    }

    #[test]
    fn dates_are_day_month_year() {
        let q = query(&[("CreatedFrom", "01-02-2024"), ("CreatedTo", "28-02-2024")]).unwrap();
        assert_eq!(q.created_from, NaiveDate::from_ymd_opt(2024, 2, 1));
        assert_eq!(q.created_to, NaiveDate::from_ymd_opt(2024, 2, 28));
        assert!(matches!(
            query(&[("CreatedFrom", "2024-02-01")]),
            Err(ListError::Invalid(_))
        ));
        assert!(matches!(
            query(&[("CreatedTo", "31-02-2024")]),
            Err(ListError::Invalid(_))
        ));
    }

    #[test]
    fn total_pages_round_up() {
        let q = query(&[("PageSize", "3")]).unwrap();
        assert_eq!([0, 1, 3, 4, 46].map(|t| q.total_pages(t)), [0, 1, 1, 2, 16]);
    }

    #[test]
    fn filter_patterns_escape_like_wildcards() {
        assert_eq!(contains_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }
}
