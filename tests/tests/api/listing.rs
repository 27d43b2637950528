//! `GET private/Applicants`: paging arithmetic, filters, sorting and their errors.

use baf_store::PgPool;
use baf_tests::{API, TestApp};
use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

async fn seed(app: &TestApp, count: usize) {
    for chunk in (0..count).collect::<Vec<_>>().chunks(25) {
        join_all(chunk.iter().map(|i| {
            app.create_applicant(json!({"firstName": format!("Person{i:03}"), "lastName": if i % 2 == 0 { "Even" } else { "Odd" },
                "email": format!("p{i}@example.com"), "referenceId": format!("ref-{i}")}))
        }))
        .await;
    }
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["firstName"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn paging_arithmetic_holds_over_a_few_hundred_applicants(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    seed(&app, 301).await;
    let first = app.list("").await;
    first.assert_ok();
    assert_eq!(
        (
            first.body["page"].as_i64(),
            first.body["pageSize"].as_i64(),
            first.body["total"].as_i64(),
            first.body["totalPages"].as_i64()
        ),
        (Some(1), Some(10), Some(301), Some(31))
    );
    for (page_size, pages) in [(7, 43), (50, 7), (301, 1), (400, 1), (1, 301)] {
        let reply = app
            .list(&format!("PageSize={page_size}&Page={pages}"))
            .await;
        assert_eq!(reply.body["totalPages"], pages, "PageSize={page_size}");
        let expected_last = 301 - (pages - 1) * page_size;
        assert_eq!(
            reply.body["items"].as_array().unwrap().len() as i64,
            expected_last,
            "PageSize={page_size}"
        );
    }
    let beyond = app.list("Page=1000&PageSize=400").await;
    assert_eq!(
        (
            beyond.body["total"].as_i64(),
            beyond.body["items"].as_array().unwrap().len()
        ),
        (Some(301), 0)
    );
    let huge = app.list("Page=2147483647&PageSize=400").await;
    huge.assert_ok();

    let mut seen = std::collections::HashSet::new();
    for page in 1..=4 {
        let reply = app
            .list(&format!("Page={page}&PageSize=100&SortField=firstName"))
            .await;
        for name in names(&reply.body) {
            assert!(seen.insert(name), "an applicant appeared on two pages");
        }
    }
    assert_eq!(seen.len(), 301);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_default_order_is_newest_first_and_sorting_follows_sort_field_and_order(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for name in ["Bravo", "alpha", "Charlie"] {
        app.create_applicant(json!({"firstName": name})).await;
    }
    assert_eq!(
        names(&app.list("").await.body),
        ["Charlie", "alpha", "Bravo"]
    );
    assert_eq!(
        names(&app.list("SortField=created").await.body),
        ["Bravo", "alpha", "Charlie"]
    );
    assert_eq!(
        names(&app.list("SortField=created&Order=descending").await.body),
        ["Charlie", "alpha", "Bravo"]
    );
    let ascending = names(&app.list("SortField=firstName").await.body);
    let descending = names(&app.list("sortfield=FirstName&order=Descending").await.body);
    assert_eq!(
        ascending.iter().rev().collect::<Vec<_>>(),
        descending.iter().collect::<Vec<_>>()
    );
    for field in [
        "status",
        "statusName",
        "attemptsCount",
        "completed",
        "applicantId",
        "openedLinkTimes",
        "verificationMethod",
    ] {
        app.list(&format!("SortField={field}")).await.assert_ok();
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn sorting_by_an_unknown_field_is_120026(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for field in ["password", "first_name", "created;drop table applicant"] {
        app.list(&format!("SortField={field}"))
            .await
            .assert_error(400, "120026");
    }
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_text_filter_matches_names_phone_email_and_reference_case_insensitively(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    seed(&app, 12).await;
    app.create_applicant(
        json!({"firstName": "Zoë", "lastName": "O'Brien", "phone": "+7 982 200-00-00"}),
    )
    .await;
    app.create_applicant(json!({"firstName": "percent%", "lastName": "under_score"}))
        .await;
    for (filter, total) in [
        ("person00", 10),
        ("ODD", 6),
        ("P11@EXAMPLE", 1),
        ("ref-1", 3),
        ("zoë o'brien", 1),
        ("982 200", 1),
        ("%", 1),
        ("_", 1),
        ("nobody", 0),
    ] {
        let reply = app.list(&format!("TextFilter={}", urlencode(filter))).await;
        assert_eq!(reply.body["total"], total, "TextFilter={filter}");
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn date_filters_are_inclusive_days(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let old = app.create_applicant(json!({"firstName": "Old"})).await;
    app.create_applicant(json!({"firstName": "New"})).await;
    sqlx::query(
        "update applicant set created = '2024-02-10 23:59:59.9+00' where applicant_id = $1",
    )
    .bind(old)
    .execute(app.store.pool())
    .await
    .unwrap();
    let today = chrono::Utc::now().format("%d-%m-%Y");
    assert_eq!(
        names(
            &app.list("CreatedFrom=10-02-2024&CreatedTo=10-02-2024")
                .await
                .body
        ),
        ["Old"]
    );
    assert_eq!(
        names(&app.list("CreatedTo=09-02-2024").await.body),
        Vec::<String>::new()
    );
    assert_eq!(
        names(&app.list("CreatedFrom=11-02-2024").await.body),
        ["New"]
    );
    assert_eq!(
        names(
            &app.list(&format!("CreatedFrom={today}&CreatedTo={today}"))
                .await
                .body
        ),
        ["New"]
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn bad_list_parameters_are_400_with_property_errors(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for (query, field) in [
        ("Page=0", "Page"),
        ("Page=-3", "Page"),
        ("Page=2147483648", "Page"),
        ("Page=abc", "Page"),
        ("PageSize=0", "PageSize"),
        ("PageSize=401", "PageSize"),
        ("CreatedFrom=2024-01-01", "CreatedFrom"),
        ("CreatedTo=32-01-2024", "CreatedTo"),
        ("Order=sideways", "Order"),
    ] {
        let reply = app.list(query).await;
        reply.assert_error(400, "ValidationError");
        assert!(
            reply.body["propertyErrors"][field].is_array(),
            "{query}: {}",
            reply.text
        );
    }
    let unused = app
        .call(
            Method::GET,
            &format!("{API}/private/Applicants?caller=x&Page=1"),
            None,
        )
        .await;
    unused.assert_ok();
}
