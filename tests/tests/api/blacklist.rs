//! `private/Blacklist`: the wrapped CRUD, blacklisting an applicant, and enforcement by face.

use baf_store::PgPool;
use baf_tests::{API, Reply, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

const OBAMA: &str = "selfie/obama/fr_obama-240p.jpg";
const OBAMA_AGAIN: &str = "selfie/obama/fr_obama2.jpg";
const OBAMA_THIRD: &str = "selfie/obama/fr_knn_obama1.jpg";
const BIDEN: &str = "selfie/biden/fr_biden.jpg";

fn bob() -> Value {
    json!({"firstName": "Bob", "middleName": "Jamesbob", "familyName": "Familybob", "dob": "2023-06-22T13:57:35.163Z"})
}

fn assert_wrapped_ok(reply: &Reply) -> &Value {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        (
            reply.body["succeeded"].as_bool(),
            reply.body["isError"].as_bool()
        ),
        (Some(true), Some(false)),
        "{}",
        reply.text
    );
    assert_eq!(reply.body["errors"], json!([]));
    &reply.body["data"]
}

fn assert_wrapped_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(
        (
            reply.body["succeeded"].as_bool(),
            reply.body["isError"].as_bool()
        ),
        (Some(false), Some(true)),
        "{}",
        reply.text
    );
    assert_eq!(reply.body["data"], json!(null));
    assert_eq!(reply.body["errors"][0]["code"], code, "{}", reply.text);
}

async fn list(app: &TestApp, query: &str) -> Reply {
    app.call(
        Method::GET,
        &format!("{API}/private/Blacklist?{query}"),
        None,
    )
    .await
}

async fn add(app: &TestApp, body: Value) -> Reply {
    app.call(
        Method::POST,
        &format!("{API}/private/Blacklist"),
        Some(body),
    )
    .await
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn people_are_added_read_changed_and_removed_in_the_wrapper(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let created = add(&app, bob()).await;
    let id = assert_wrapped_ok(&created).as_str().unwrap().to_owned();
    let path = format!("{API}/private/Blacklist/{id}");
    let got = app.call(Method::GET, &path, None).await;
    let person = assert_wrapped_ok(&got);
    assert_eq!(
        (
            person["firstName"].as_str(),
            person["middleName"].as_str(),
            person["familyName"].as_str()
        ),
        (Some("BOB"), Some("JAMESBOB"), Some("FAMILYBOB"))
    );
    assert_eq!(person["dob"], "2023-06-22T13:57:35.163000");
    assert_eq!(
        (person["id"].as_str(), person["applicantId"].clone()),
        (Some(id.as_str()), json!(null))
    );

    let changed = app
        .call(
            Method::PUT,
            &path,
            Some(json!({"firstName": "Robert", "familyName": "Smith", "dob": "1990-01-02"})),
        )
        .await;
    let person = assert_wrapped_ok(&changed);
    assert_eq!(
        (
            person["firstName"].as_str(),
            person["middleName"].clone(),
            person["dob"].as_str()
        ),
        (
            Some("ROBERT"),
            json!(null),
            Some("1990-01-02T00:00:00.000000")
        )
    );

    assert_wrapped_ok(&app.call(Method::DELETE, &path, None).await);
    assert_wrapped_error(&app.call(Method::GET, &path, None).await, 404, "NotFound");
    assert_wrapped_error(
        &app.call(Method::DELETE, &path, None).await,
        404,
        "NotFound",
    );
    assert_wrapped_error(
        &app.call(Method::PUT, &path, Some(bob())).await,
        404,
        "NotFound",
    );
    assert_wrapped_error(
        &app.call(
            Method::GET,
            &format!("{API}/private/Blacklist/not-an-id"),
            None,
        )
        .await,
        400,
        "ValidationError",
    );
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn empty_fields_are_120034_and_exact_duplicates_120035(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for body in [
        json!({"firstName": "Bob", "familyName": "Smith"}),
        json!({"firstName": "Bob", "familyName": "Smith", "dob": ""}),
        json!({"firstName": "", "familyName": "Smith", "dob": "1990-01-01"}),
        json!({"firstName": "Bob", "dob": "1990-01-01"}),
    ] {
        assert_wrapped_error(&add(&app, body).await, 400, "120034");
    }
    assert_wrapped_error(
        &add(
            &app,
            json!({"firstName": "Bob", "familyName": "Smith", "dob": "yesterday"}),
        )
        .await,
        400,
        "ValidationError",
    );
    assert_wrapped_ok(&add(&app, bob()).await);
    // the same person in another spelling of case and time zone is the same person
    let same = json!({"firstName": "BOB", "middleName": "jamesbob", "familyName": "FamilyBob", "dob": "2023-06-22T15:57:35.163+02:00"});
    assert_wrapped_error(&add(&app, same).await, 400, "120035");
    let other = add(
        &app,
        json!({"firstName": "Alice", "familyName": "Smith", "dob": "1990-01-01"}),
    )
    .await;
    let other_id = assert_wrapped_ok(&other).as_str().unwrap().to_owned();
    let onto_bob = app
        .call(
            Method::PUT,
            &format!("{API}/private/Blacklist/{other_id}"),
            Some(bob()),
        )
        .await;
    assert_wrapped_error(&onto_bob, 400, "120035");
    let listed = app
        .call(Method::GET, &format!("{API}/private/Blacklist"), None)
        .await;
    assert_eq!(assert_wrapped_ok(&listed)["total"], 2);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_list_pages_sorts_and_filters(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for (i, name) in ["Carol", "alice", "Bob", "Dave", "Eve"].iter().enumerate() {
        assert_wrapped_ok(&add(&app, json!({"firstName": name, "familyName": "Doe", "dob": format!("1990-01-0{}", i + 1)})).await);
    }
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["firstName"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = list(&app, "PageSize=2&Page=3").await;
    let data = assert_wrapped_ok(&page);
    assert_eq!(
        (
            data["total"].as_i64(),
            data["totalPages"].as_i64(),
            data["items"].as_array().unwrap().len()
        ),
        (Some(5), Some(3), 1)
    );
    assert_eq!(
        names(assert_wrapped_ok(&list(&app, "SortField=firstName").await)),
        ["ALICE", "BOB", "CAROL", "DAVE", "EVE"]
    );
    assert_eq!(
        names(assert_wrapped_ok(
            &list(&app, "SortField=dob&Order=descending").await
        )),
        ["EVE", "DAVE", "BOB", "ALICE", "CAROL"]
    );
    assert_eq!(
        assert_wrapped_ok(&list(&app, "TextFilter=ali").await)["total"],
        1
    );
    assert_eq!(
        assert_wrapped_ok(&list(&app, "TextFilter=eve%20doe").await)["total"],
        1
    );
    assert_wrapped_error(&list(&app, "SortField=password").await, 400, "120026");
    assert_wrapped_error(&list(&app, "PageSize=401").await, 400, "ValidationError");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn blacklisting_an_applicant_bans_its_face_until_the_entry_is_deleted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let fraudster = app
        .create_applicant(json!({"firstName": "Barack", "lastName": "Fraud"}))
        .await;
    app.register(fraudster, OBAMA).await.assert_ok();
    let reply = app
        .call(
            Method::POST,
            &format!("{API}/private/Blacklist/FromApplicantId"),
            Some(json!({"applicantId": fraudster})),
        )
        .await;
    reply.assert_ok();
    let person = reply.body.as_str().expect("a bare JSON string").to_owned();
    let entry = app
        .call(
            Method::GET,
            &format!("{API}/private/Blacklist/{person}"),
            None,
        )
        .await;
    let entry = assert_wrapped_ok(&entry);
    assert_eq!(
        (
            entry["applicantId"].as_str(),
            entry["firstName"].as_str(),
            entry["familyName"].as_str()
        ),
        (
            Some(fraudster.to_string().as_str()),
            Some("BARACK"),
            Some("FRAUD")
        )
    );
    assert_eq!(entry["hasFace"], true);
    // its own face no longer authorizes it
    let authorization = app.register(fraudster, OBAMA_THIRD).await;
    authorization.assert_ok();
    assert_eq!(
        (
            authorization.body["status"].as_i64(),
            authorization.body["validationStatus"]["hasBeenBlackListed"].as_bool()
        ),
        (Some(1), Some(true)),
        "{}",
        authorization.text
    );
    // the ban outlives the applicant, whose own profile no longer exists to match as a duplicate
    app.delete(fraudster).await.assert_ok();

    let again = app.create_applicant(json!({})).await;
    let refused = app.register(again, OBAMA_AGAIN).await;
    refused.assert_ok();
    assert_eq!(
        (
            refused.body["status"].as_i64(),
            refused.body["validationStatus"]["hasBeenBlackListed"].as_bool()
        ),
        (Some(1), Some(true))
    );
    let a = app.get_applicant(again).await.body;
    assert_eq!(
        (a["status"].as_i64(), a["hasRiskEvents"].as_bool()),
        (Some(2), Some(true))
    );
    let details = app
        .attempt(again, refused.body["attemptId"].as_i64().unwrap())
        .await
        .body;
    assert_eq!(details["riskEvents"][0]["riskName"], "BlackListed");

    let stranger = app.create_applicant(json!({})).await;
    let allowed = app.register(stranger, BIDEN).await;
    assert_eq!(
        (
            allowed.body["status"].as_i64(),
            allowed.body["validationStatus"]["hasBeenBlackListed"].as_bool()
        ),
        (Some(0), Some(false))
    );

    assert_wrapped_ok(
        &app.call(
            Method::DELETE,
            &format!("{API}/private/Blacklist/{person}"),
            None,
        )
        .await,
    );
    let lifted = app.create_applicant(json!({})).await;
    assert_eq!(app.register(lifted, OBAMA_THIRD).await.body["status"], 0);
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn from_applicant_needs_a_known_applicant_and_refuses_a_second_entry(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let path = format!("{API}/private/Blacklist/FromApplicantId");
    app.call(
        Method::POST,
        &path,
        Some(json!({"applicantId": uuid::Uuid::new_v4()})),
    )
    .await
    .assert_error(404, "120024");
    app.call(Method::POST, &path, Some(json!({})))
        .await
        .assert_error(400, "ValidationError");
    let anonymous = app.create_applicant(json!({})).await;
    app.call(Method::POST, &path, Some(json!({"applicantId": anonymous})))
        .await
        .assert_error(400, "120034");
    let named = app
        .create_applicant(json!({"firstName": "Eve", "lastName": "Doe"}))
        .await;
    app.call(Method::POST, &path, Some(json!({"applicantId": named})))
        .await
        .assert_ok();
    app.call(Method::POST, &path, Some(json!({"applicantId": named})))
        .await
        .assert_error(400, "120035");
}

#[sqlx::test(migrator = "baf_store::MIGRATOR")]
async fn the_blacklist_is_tenant_scoped(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let fraudster = app.create_applicant(json!({})).await;
    app.register(fraudster, OBAMA).await.assert_ok();
    app.call(
        Method::POST,
        &format!("{API}/private/Blacklist/FromApplicantId"),
        Some(json!({"applicantId": fraudster})),
    )
    .await
    .assert_ok();
    let person = assert_wrapped_ok(&add(&app, bob()).await)
        .as_str()
        .unwrap()
        .to_owned();
    let other = app.other_account().await;
    let key = Some(other.secret_key.as_str());
    let path = format!("{API}/private/Blacklist/{person}");
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(bob().to_string())),
        (Method::DELETE, None),
    ] {
        let reply = app
            .raw(method, &path, key, body.map(|b| ("application/json", b)))
            .await;
        assert_wrapped_error(&reply, 404, "NotFound");
    }
    let listed = app
        .raw(Method::GET, &format!("{API}/private/Blacklist"), key, None)
        .await;
    assert_eq!(assert_wrapped_ok(&listed)["total"], 0);
    let from_theirs = app
        .raw(
            Method::POST,
            &format!("{API}/private/Blacklist/FromApplicantId"),
            key,
            Some((
                "application/json",
                json!({"applicantId": fraudster}).to_string(),
            )),
        )
        .await;
    from_theirs.assert_error(404, "120024");
    // this account's banned face does not bar the other account's applicants
    let theirs = app
        .raw(
            Method::POST,
            &format!("{API}/private/Applicants"),
            key,
            Some(("application/json", "{}".into())),
        )
        .await;
    let their_id = theirs.body["applicantId"].as_str().unwrap();
    let body = json!({"model": {"faceImageBase64": baf_tests::base64(&baf_tests::face(OBAMA_AGAIN)), "documentType": 10}, "applicantId": their_id});
    let reply = app
        .raw(
            Method::POST,
            &format!("{API}/public/Validation"),
            key,
            Some(("application/json", body.to_string())),
        )
        .await;
    assert_eq!(
        reply.body["validationStatus"]["hasBeenBlackListed"], false,
        "{}",
        reply.text
    );
    // public keys cannot manage the blacklist
    let public = app
        .raw(
            Method::GET,
            &format!("{API}/private/Blacklist"),
            Some(&app.account.public_key),
            None,
        )
        .await;
    assert_wrapped_error(&public, 403, "Forbidden");
}
