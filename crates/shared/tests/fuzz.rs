//! Property tests: no input makes the sync protocol or the expression parser
//! panic, and valid messages survive a trip through JSON unchanged.
//!
//! The server feeds whatever a phone sends to serde and then to `admit` and
//! `judge_push`, and every form's expressions go through `Expr::parse` and
//! `evaluate` on the phone and the server alike, so a panic in any of them
//! is a dead request on the server and a frozen screen on the phone. The
//! inputs are arbitrary bytes, arbitrary JSON values and valid messages with
//! one part replaced by arbitrary JSON, which reaches far deeper into the
//! code than random bytes do. Case counts are kept small enough for the
//! whole file to run in a few seconds in `cargo test --workspace`. Native
//! only: proptest's random source does not build for wasm32.
#![cfg(not(target_arch = "wasm32"))]

use kabar_shared::acceptance::decide_filing;
use kabar_shared::account::{Access, Authorship, Role, Scope};
use kabar_shared::form::{Context, Date, Expr, FormCatalog, builtin_forms};
use kabar_shared::report::{Answers, FieldError, ReviewStatus};
use kabar_shared::sync::{
    Delivery, IncompleteReport, PROTOCOL_VERSION, PullQuery, PullResponse, PushItem, PushOutcome,
    PushRequest, PushResponse, PushResult, ReviewEvent, StoredVersion, admit, apply_push_response,
    judge, judge_push,
};
use kabar_shared::village::Gazetteer;
use kabar_shared::{ContentHash, Report, ReportBody, ReportId, ReportTitle, VillageCode};
use proptest::prelude::*;
use serde_json::{Value as Json, json};

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // A failure is shrunk, but never for long: the point is to report it.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    }
}

/// Any JSON value, up to a few levels deep, with the keys the protocol uses
/// mixed in so objects sometimes look like the real thing.
fn any_json() -> impl Strategy<Value = Json> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("form".to_owned()),
        Just("village".to_owned()),
        Just("answers".to_owned()),
        Just("outcome".to_owned()),
        Just("errors".to_owned()),
        Just("state".to_owned()),
        Just("problem".to_owned()),
        Just("field".to_owned()),
        Just("version".to_owned()),
        "[a-z_]{0,12}",
    ];
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(|n| serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number)),
        ".{0,40}".prop_map(Json::from),
        Just(json!("71.74.02.1003")),
        Just(json!("accepted")),
        Just(json!("rejected")),
        Just(json!("0197a5b0-0000-7000-8000-000000000000")),
        Just(json!(
            "sha256:0000000000000000000000000000000000000000000000000000000000000000"
        )),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Json::Object(pairs.into_iter().collect())),
        ]
    })
}

fn villages() -> Vec<VillageCode> {
    Gazetteer::kotamobagu()
        .villages()
        .map(|village| village.code.clone())
        .collect()
}

prop_compose! {
    /// A short report as a phone files it, in one of the real villages.
    fn valid_report()(
        village in prop::sample::select(villages()),
        millis in 1_700_000_000_000u64..1_900_000_000_000,
        random in any::<[u8; 10]>(),
        title in "[A-Za-z0-9 ]{3,60}",
        body in ".{1,200}",
    ) -> Option<Report> {
        let title = ReportTitle::parse(&title).ok()?;
        let body = ReportBody::parse(&body).ok()?;
        Some(Report::short(
            ReportId::new_v7(millis, random),
            village,
            millis as i64,
            &title,
            &body,
        ))
    }
}

fn some_report() -> impl Strategy<Value = Report> {
    valid_report().prop_filter_map("title or body refused", |report| report)
}

/// Every node of `value` by its path, so a mutation can pick any of them.
fn paths(value: &Json, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(at.clone());
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                at.push(key.clone());
                paths(child, at, out);
                at.pop();
            }
        }
        Json::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                at.push(index.to_string());
                paths(child, at, out);
                at.pop();
            }
        }
        _ => {}
    }
}

/// `value` with the node chosen by `pick` replaced by `with` (or, for
/// objects, that key removed when `remove` is set).
fn mutate(mut value: Json, pick: prop::sample::Index, with: Json, remove: bool) -> Json {
    let mut all = Vec::new();
    paths(&value, &mut Vec::new(), &mut all);
    let path = pick.get(&all).clone();
    let Some((last, parent_path)) = path.split_last() else {
        return with;
    };
    let mut parent = &mut value;
    for step in parent_path {
        parent = match parent {
            Json::Object(map) => map.get_mut(step).expect("path exists"),
            Json::Array(items) => &mut items[step.parse::<usize>().expect("index")],
            _ => unreachable!("paths only descend into containers"),
        };
    }
    match parent {
        Json::Object(map) if remove => {
            map.remove(last);
        }
        Json::Object(map) => {
            map.insert(last.clone(), with);
        }
        Json::Array(items) => items[last.parse::<usize>().expect("index")] = with,
        _ => unreachable!("paths only descend into containers"),
    }
    value
}

/// The people the server judges a push for: every role, in the report's own
/// village and in another, and staff of every scope.
fn accesses(report: &Report) -> Vec<Access> {
    let other = VillageCode::parse("71.74.01.2001").expect("a Kotamobagu village");
    let mut out = Vec::new();
    for village in [report.village.clone(), other] {
        for role in [Role::VillageHead, Role::KimVolunteer] {
            out.extend(Access::new(role, Scope::Village(village.clone())).ok());
        }
    }
    out.extend(Access::new(Role::Reviewer, Scope::All).ok());
    out.extend(Access::new(Role::Admin, Scope::All).ok());
    out
}

/// Everything the server does with one pushed item, for every kind of
/// pusher and every stored state: none of it may panic.
fn judge_everything(item: &PushItem) {
    let catalog = FormCatalog::builtin();
    let stored_hashes = [
        None,
        Some(item.content_hash.clone()),
        Some(ContentHash::of_bytes(b"other")),
    ];
    for pusher in accesses(&item.report) {
        let accepted = admit(&catalog, &pusher, item);
        for form in builtin_forms() {
            let _ = decide_filing(&pusher, &form, &item.report);
        }
        let Ok(accepted) = accepted else { continue };
        for hash in stored_hashes.iter().flatten() {
            for status in [ReviewStatus::Received, ReviewStatus::Approved] {
                let stored = StoredVersion {
                    content_hash: hash.clone(),
                    status,
                    village: item.report.village.clone(),
                    authorship: Authorship {
                        by_this_user: status == ReviewStatus::Received,
                        author_role: Some(Role::VillageHead),
                    },
                };
                let _ = judge_push(&pusher, item, &accepted, Some(&stored), None);
                let _ = judge_push(&pusher, item, &accepted, None, Some(item.report.id));
            }
        }
        let _ = judge_push(&pusher, item, &accepted, None, None);
    }
    for hash in &stored_hashes {
        let _ = judge(item, hash.as_ref());
    }
}

/// Deserialises `value` as every message of the protocol, and judges every
/// push that reads.
fn read_as_every_message(value: &Json) {
    if let Ok(request) = serde_json::from_value::<PushRequest>(value.clone()) {
        for item in &request.items {
            judge_everything(item);
        }
    }
    if let Ok(item) = serde_json::from_value::<PushItem>(value.clone()) {
        judge_everything(&item);
    }
    if let Ok(report) = serde_json::from_value::<Report>(value.clone()) {
        judge_everything(&PushItem::new(report));
    }
    let _ = serde_json::from_value::<PushResponse>(value.clone());
    let _ = serde_json::from_value::<PushResult>(value.clone());
    let _ = serde_json::from_value::<PullQuery>(value.clone());
    let _ = serde_json::from_value::<PullResponse>(value.clone());
    let _ = serde_json::from_value::<Delivery>(value.clone());
    let _ = serde_json::from_value::<FieldError>(value.clone());
}

fn push_of(reports: &[Report]) -> PushRequest {
    PushRequest {
        protocol_version: PROTOCOL_VERSION,
        device_id: Some("hp-relawan-01".into()),
        items: reports.iter().cloned().map(PushItem::new).collect(),
    }
}

/// What the server answers for `request`, by the in-memory judge.
fn answer(request: &PushRequest) -> PushResponse {
    PushResponse {
        protocol_version: PROTOCOL_VERSION,
        results: request
            .items
            .iter()
            .map(|item| PushResult {
                id: item.report.id,
                outcome: match judge(item, None) {
                    kabar_shared::sync::Judgement::Answer(outcome) => outcome,
                    _ => PushOutcome::Accepted,
                },
            })
            .collect(),
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn arbitrary_bytes_never_panic_a_message_reader(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<PushRequest>(&bytes);
        let _ = serde_json::from_slice::<PushResponse>(&bytes);
        let _ = serde_json::from_slice::<PullResponse>(&bytes);
        let _ = serde_json::from_slice::<PullQuery>(&bytes);
        let _ = serde_json::from_slice::<Delivery>(&bytes);
        if let Ok(value) = serde_json::from_slice::<Json>(&bytes) {
            read_as_every_message(&value);
        }
    }

    #[test]
    fn arbitrary_json_never_panics_a_message_reader_or_the_judge(value in any_json()) {
        read_as_every_message(&value);
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn a_valid_push_with_one_part_replaced_never_panics_the_judge(
        reports in prop::collection::vec(some_report(), 1..4),
        pick in any::<prop::sample::Index>(),
        with in any_json(),
        remove in any::<bool>(),
    ) {
        let request = serde_json::to_value(push_of(&reports)).expect("serializes");
        read_as_every_message(&mutate(request, pick, with, remove));
    }

    #[test]
    fn a_valid_answer_with_one_part_replaced_never_panics_the_phone(
        reports in prop::collection::vec(some_report(), 1..4),
        pick in any::<prop::sample::Index>(),
        with in any_json(),
        remove in any::<bool>(),
    ) {
        let request = push_of(&reports);
        let response = serde_json::to_value(answer(&request)).expect("serializes");
        let mutated = mutate(response, pick, with, remove);
        if let Ok(response) = serde_json::from_value::<PushResponse>(mutated) {
            // A confused answer may delay a report, never mark another sent.
            if let Ok(updates) = apply_push_response(&request, &response) {
                for (id, _) in updates {
                    prop_assert!(request.items.iter().any(|item| item.report.id == id));
                }
            }
        }
    }

    #[test]
    fn valid_push_messages_round_trip(reports in prop::collection::vec(some_report(), 0..5)) {
        let request = push_of(&reports);
        let text = serde_json::to_string(&request).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PushRequest>(&text).expect("reads"), request.clone());

        let response = answer(&request);
        let text = serde_json::to_string(&response).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PushResponse>(&text).expect("reads"), response.clone());
        let updates = apply_push_response(&request, &response).expect("same version");
        prop_assert_eq!(updates.len(), reports.len());
        for (_, delivery) in updates {
            let text = serde_json::to_string(&delivery).expect("serializes");
            prop_assert_eq!(serde_json::from_str::<Delivery>(&text).expect("reads"), delivery);
        }
    }

    #[test]
    fn valid_pull_messages_round_trip(
        reports in prop::collection::vec(some_report(), 0..4),
        cursor in "[A-Za-z0-9._-]{0,40}",
        limit in prop::option::of(0usize..1_000),
        comment in prop::option::of(".{0,80}"),
        reviewer in ".{0,30}",
        at_ms in any::<i64>(),
        has_more in any::<bool>(),
    ) {
        let query = PullQuery { cursor: Some(cursor.clone()).filter(|c| !c.is_empty()), limit, approved: None };
        let text = serde_json::to_string(&query).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PullQuery>(&text).expect("reads"), query);

        let statuses = [
            None,
            Some(ReviewStatus::Received),
            Some(ReviewStatus::InReview),
            Some(ReviewStatus::Approved),
            Some(ReviewStatus::NeedsRevision),
            Some(ReviewStatus::Rejected),
        ];
        let response = PullResponse {
            protocol_version: PROTOCOL_VERSION,
            cursor,
            has_more,
            forms: has_more.then(builtin_forms),
            villages: (!has_more).then(|| Gazetteer::kotamobagu().villages().take(3).cloned().collect()),
            reviews: reports
                .iter()
                .zip(statuses.iter().cycle())
                .map(|(report, status)| ReviewEvent {
                    report_id: report.id,
                    status: *status,
                    comment: comment.clone(),
                    reviewer: reviewer.clone(),
                    at_ms,
                })
                .collect(),
            incomplete: reports
                .iter()
                .map(|report| IncompleteReport {
                    report_id: report.id,
                    missing_photos: vec![report.content_hash()],
                })
                .collect(),
            approved: None,
        };
        let text = serde_json::to_string(&response).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PullResponse>(&text).expect("reads"), response);
    }
}

/// Every expression the built-in forms carry, as written.
fn form_expressions() -> Vec<String> {
    fn walk(value: &Json, out: &mut Vec<String>) {
        match value {
            Json::Object(map) => {
                for (key, child) in map {
                    match (key.as_str(), child) {
                        ("relevant" | "calculate" | "expr", Json::String(source)) => {
                            out.push(source.clone());
                        }
                        _ => walk(child, out),
                    }
                }
            }
            Json::Array(items) => items.iter().for_each(|child| walk(child, out)),
            _ => {}
        }
    }
    let mut out = vec![
        "1 + 2 * 3".to_owned(),
        "coalesce(${a}, 'x') = 'lainnya' and length(${a}) > day(today())".to_owned(),
        "sum(${r.c}) / count(${r}) * 7 - 1".to_owned(),
        "-(-(-1)) != 'x' and not(true) or 1 <= 2 or null".to_owned(),
    ];
    for form in builtin_forms() {
        walk(&serde_json::to_value(form).expect("serializes"), &mut out);
    }
    out
}

/// The tokens expressions are made of, for splicing into valid ones.
const TOKENS: &[&str] = &[
    "(",
    ")",
    ",",
    ".",
    "${",
    "}",
    "${x}",
    "${r.c}",
    "'",
    "\"",
    "+",
    "-",
    "*",
    "/",
    "div",
    "mod",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "not(",
    "if(",
    "sum(",
    "count(",
    "selected(",
    "today()",
    "year(",
    "length(",
    "coalesce(",
    "true",
    "null",
    "number(",
    "1e308",
    "9999999999999999999999",
    "0.",
    "-0",
    "\u{0}",
    "é",
    "🙂",
    " ",
];

/// Answers for evaluation: numbers, text, lists and rows under the codes the
/// mutated expressions name.
fn answers() -> Answers {
    serde_json::from_value(json!({
        "x": 5,
        "a": "lainnya",
        "r": [{"c": 1}, {"c": "dua"}, {"c": null}, {}],
        "kerusakan": ["rumah", "jalan"],
        "tahun": 2025,
        "bulan": "11",
        "persen_selesai": 1e308,
        "anggaran_rp": -1,
    }))
    .expect("answers")
}

fn evaluate_everywhere(source: &str) {
    let Ok(expr) = Expr::parse(source) else {
        return;
    };
    let _ = expr.references();
    let _ = expr.source();
    let answers = answers();
    let today = Date::parse("2025-11-24").expect("a date");
    for current in [
        json!(7),
        json!("rumah"),
        json!(["a", "b"]),
        json!(null),
        json!({"k": 1}),
    ] {
        let context = Context {
            current: Some(&current),
            ..Context::new(&answers, today)
        };
        let _ = expr.evaluate(&context).to_json();
        let row = answers.clone();
        let context = Context {
            row: Some(&row),
            ..context
        };
        let _ = expr.evaluate(&context).is_truthy();
    }
    let empty = Answers::new();
    let _ = expr.evaluate(&Context::new(&empty, today));
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn arbitrary_text_never_panics_the_expression_parser(source in ".{0,80}") {
        evaluate_everywhere(&source);
    }

    #[test]
    fn token_soup_never_panics_the_expression_parser(
        tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..24),
    ) {
        evaluate_everywhere(&tokens.concat());
    }

    #[test]
    fn a_mutated_form_expression_never_panics_the_parser(
        source in prop::sample::select(form_expressions()),
        at in any::<prop::sample::Index>(),
        cut in 0usize..6,
        insert in prop::sample::select(TOKENS),
    ) {
        let chars: Vec<char> = source.chars().collect();
        let at = at.index(chars.len() + 1);
        let end = (at + cut).min(chars.len());
        let mutated: String = chars[..at]
            .iter()
            .chain(insert.chars().collect::<Vec<_>>().iter())
            .chain(chars[end..].iter())
            .collect();
        evaluate_everywhere(&mutated);
    }

    #[test]
    fn nesting_never_overflows_the_stack(depth in 0usize..400, open in prop::sample::select(&["(", "not(", "-", "if(1,", "sum("][..])) {
        evaluate_everywhere(&format!("{}1{}", open.repeat(depth), ")".repeat(depth)));
    }
}

#[test]
fn every_form_expression_parses() {
    for source in form_expressions() {
        assert!(Expr::parse(&source).is_ok(), "{source:?} does not parse");
    }
}
