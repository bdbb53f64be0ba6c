//! Contract §9.2: request binding and validation with the server's (and Go's) messages.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

/// POSTs `body` with a JSON content type to registration initialize; returns the details of
/// the 400 it must get.
async fn registration_details(h: &Harness, body: &str) -> Value {
    let r = h
        .request_key(Method::POST, "/registration/initialize")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "unable to process request").await["details"].clone()
}

#[tokio::test]
async fn truncated_json_is_unexpected_eof() {
    let h = start().await;
    assert_eq!(
        registration_details(&h, r#"{"user_id":"a""#).await,
        "unexpected EOF"
    );
    assert_eq!(registration_details(&h, "   ").await, "EOF");
}

#[tokio::test]
async fn syntax_errors_carry_gos_text_and_offset() {
    let h = start().await;
    for (body, details) in [
        (
            "{b",
            "Syntax error: offset=2, error=invalid character 'b' looking for beginning of object key string",
        ),
        (
            r#"{"user_id" "a"}"#,
            "Syntax error: offset=12, error=invalid character '\"' after object key",
        ),
        (
            r#"{"user_id":"a",}"#,
            "Syntax error: offset=16, error=invalid character '}' looking for beginning of object key string",
        ),
        (
            r#"{"user_id":nul}"#,
            "Syntax error: offset=15, error=invalid character '}' in literal null (expecting 'l')",
        ),
    ] {
        assert_eq!(registration_details(&h, body).await, details, "{body}");
    }
}

#[tokio::test]
async fn a_top_level_array_is_a_type_error_naming_the_go_dto() {
    let h = start().await;
    assert_eq!(
        registration_details(&h, "[]").await,
        "Unmarshal type error: expected=request.InitRegistrationDto, got=array, field=, offset=1"
    );
    assert_eq!(
        registration_details(&h, r#"{"user_id": [1]}"#).await,
        "Unmarshal type error: expected=string, got=array, field=user_id, offset=13"
    );
}

#[tokio::test]
async fn a_chunked_body_without_a_json_content_type_is_unsupported_media_type() {
    let h = start().await;
    let key = h.emu.api_key().to_string();
    let head = |ctype: &str| {
        format!(
            "POST /{{tenant}}/registration/initialize HTTP/1.1\r\nhost: x\r\napikey: {key}\r\n{ctype}transfer-encoding: chunked"
        )
    };
    let chunk = b"2\r\n{}\r\n0\r\n\r\n";
    let r = h.raw(&head("content-type: text/plain\r\n"), chunk).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("\"details\":\"Unsupported Media Type\""),
        "{}",
        r.body
    );
    let r = h.raw(&head(""), chunk).await;
    assert!(r.body.contains("Unsupported Media Type"), "{}", r.body);
    // With a JSON content type the chunked body is thrown away and `{}` bound instead.
    let r = h
        .raw(&head("content-type: application/json\r\n"), chunk)
        .await;
    assert!(
        r.body
            .contains("user_id is a required field and username is a required field"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_form_body_binds_nothing() {
    let h = start().await;
    let r = h
        .request_key(Method::POST, "/registration/initialize")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("user_id=u&username=u")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 400, "unable to validate request").await;
    assert_eq!(
        e["details"],
        "user_id is a required field and username is a required field"
    );
}

#[tokio::test]
async fn order_is_validated_under_its_go_field_name() {
    let h = start().await;
    let e = expect_error(
        h.get_key("/credentials?order=ASC").await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "Order must be one of 'desc asc'");
}

#[tokio::test]
async fn page_values_beyond_int64_are_out_of_range() {
    let h = start().await;
    let e = expect_error(
        h.get_key("/credentials?page=9223372036854775808").await,
        400,
        "unable to process request",
    )
    .await;
    assert_eq!(
        e["details"],
        "strconv.ParseInt: parsing \"9223372036854775808\": value out of range"
    );
}

#[tokio::test]
async fn credentials_query_names_bind_case_insensitively() {
    let h = start().await;
    h.register("alice").await;
    h.register("bob").await;
    let page = ok_json(h.get_key("/credentials?PER_PAGE=1&User_Id=bob").await).await;
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["user_id"], "bob");
}

#[tokio::test]
async fn audit_log_times_out_of_range_say_which_field() {
    let h = start().await;
    let e = expect_error(
        h.get_key("/audit_logs?start_time=2024-13-01T00:00:00Z")
            .await,
        400,
        "unable to list audit logs",
    )
    .await;
    assert_eq!(
        e["details"],
        "parsing time \"2024-13-01T00:00:00Z\": month out of range"
    );
    let e = expect_error(
        h.get_key("/audit_logs?end_time=2024-01-01").await,
        400,
        "unable to list audit logs",
    )
    .await;
    assert_eq!(
        e["details"],
        "parsing time \"2024-01-01\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\""
    );
}

#[tokio::test]
async fn mfa_login_with_an_empty_user_id_needs_at_least_one_entry() {
    let h = start().await;
    let e = expect_error(
        h.post_key("/mfa/login/initialize", &json!({"user_id": ""}))
            .await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "user_id must at least have 1 entry");
    let e = expect_error(
        h.post_key("/mfa/login/initialize", &json!({})).await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "user_id is a required field");
}

#[tokio::test]
async fn transaction_data_of_empty_string_zero_or_false_is_accepted() {
    let h = start().await;
    h.register("alice").await;
    for (i, data) in [json!(""), json!(0), json!(false)].into_iter().enumerate() {
        let body = json!({"user_id": "alice", "transaction_id": format!("t{i}"), "transaction_data": data});
        ok_json(h.post_key("/transaction/initialize", &body).await).await;
    }
    let e = expect_error(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "alice", "transaction_id": "t9", "transaction_data": null}),
        )
        .await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "transaction_data is a required field");
}

#[tokio::test]
async fn an_icon_needs_a_host_a_fragment_or_an_opaque_part() {
    let h = start().await;
    for (icon, ok) in [
        ("foo:", false),
        ("http://", false),
        ("https://example.com:port/x", false),
        ("/relative.png", false),
        ("https://example.com/a.png", true),
        ("mailto:someone", true),
        ("foo:#fragment", true),
        ("file:/tmp/a.png", true),
    ] {
        let r = h
            .post_key(
                "/registration/initialize",
                &json!({"user_id": "u", "username": "u", "icon": icon}),
            )
            .await;
        assert_eq!(r.status() == 200, ok, "{icon}");
    }
}

#[tokio::test]
async fn a_credential_id_in_the_body_overrides_the_path() {
    let h = start().await;
    let id = h.register_id("alice").await;
    let r = h
        .request_key(Method::PATCH, "/credentials/not-this-one")
        .json(&json!({"name": "Renamed", "CREDENTIALID": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = h
        .request_key(Method::GET, "/credentials/not-this-one")
        .json(&json!({"credentialId": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(r).await["name"], "Renamed");
}

#[tokio::test]
async fn pretty_indents_token_responses_too() {
    let h = start().await;
    let credential = h.registration_by(&h.auth, "alice").await;
    let text = h
        .request(Method::POST, "/registration/finalize?pretty")
        .json(&credential)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("{\n  \"token\": \"ey"), "{text}");
}

#[tokio::test]
async fn an_audit_log_page_below_one_stays_in_the_link_header() {
    let h = start().await;
    h.register("alice").await;
    let r = h.get_key("/audit_logs?page=-1&per_page=1").await;
    let link = r.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("page=1&per_page=1>; rel=\"first\""), "{link}");
    assert!(link.contains("page=0&per_page=1>; rel=\"next\""), "{link}");
    // The rows are page 1's.
    assert_eq!(ok_json(r).await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn actor_user_id_is_a_like_pattern() {
    let h = start().await;
    h.register("alice").await;
    for (pattern, hits) in [("a_i", true), ("a%e", true), ("x_y", false)] {
        let logs = ok_json(
            h.get_key(&format!("/audit_logs?actor_user_id={pattern}"))
                .await,
        )
        .await;
        assert_eq!(!logs.as_array().unwrap().is_empty(), hits, "{pattern}");
    }
}

#[tokio::test]
async fn a_single_forwarded_for_value_is_stored_verbatim() {
    let h = start().await;
    for (forwarded, stored) in [("[::1]", "[::1]"), (" [::1] , 10.0.0.1", "::1")] {
        let r = h
            .request_key(Method::POST, "/registration/initialize")
            .header("x-forwarded-for", forwarded)
            .json(&json!({"user_id": "u", "username": "u"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let logs = ok_json(h.get_key("/audit_logs?per_page=1").await).await;
        assert_eq!(logs[0]["meta_source_ip"], stored, "{forwarded}");
    }
}

#[tokio::test]
async fn a_quote_in_an_audit_log_type_breaks_the_servers_sql() {
    let h = start().await;
    let r = h.get_key("/audit_logs?type=x'y").await;
    expect_error(r, 500, "Internal Server Error").await;
}
