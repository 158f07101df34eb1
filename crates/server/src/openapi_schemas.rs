//! The JSON Schemas of the API's request and response bodies, for
//! `components/schemas` of `/api/openapi.json`, and which operation and
//! status carries which.
//!
//! They are written by hand as JSON Schema rather than derived from the
//! shared types: several of those have hand-written serde (the push result,
//! field errors, the delivery state) or flatten and tag their fields, which a
//! derive would describe wrongly, and deriving would put utoipa into the
//! field app's wasm. What keeps the schemas honest is Schemathesis: `cargo
//! xtask test` runs it against a live server with
//! `response_schema_conformance`, so a schema that disagrees with what the
//! server sends fails the build. Open parts (a report's answers, a form
//! definition, an audit entry's detail) are left open on purpose: their
//! shapes are pinned by the shared crate's own tests.

use serde_json::{Value, json};
use utoipa::openapi::HttpMethod;

/// Every error answer: `{"error": {"code", "message", "message_en"}}`.
pub const ERROR: &str = "Error";

/// The named schemas, as JSON Schema (OpenAPI 3.1).
pub fn components() -> Vec<(&'static str, Value)> {
    let nullable_string = json!({"type": ["string", "null"]});
    vec![
        (
            ERROR,
            json!({
                "type": "object",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message", "message_en"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string", "description": "Bahasa Indonesia"},
                        "message_en": {"type": "string"},
                        "detail": {"type": "string"}
                    }
                }}
            }),
        ),
        (
            "Health",
            json!({
                "type": "object",
                "required": ["status", "protocol_version"],
                "properties": {
                    "status": {"type": "string"},
                    "protocol_version": {"type": "integer"}
                }
            }),
        ),
        (
            "LoginRequest",
            json!({
                "type": "object",
                "required": ["username", "password", "device_id"],
                "additionalProperties": false,
                "properties": {
                    "username": {"type": "string"},
                    "password": {"type": "string"},
                    "device_id": {"type": "string", "description": "8 to 64 ASCII letters, digits and -"},
                    "device_name": {"type": "string"}
                }
            }),
        ),
        (
            "Scope",
            json!({
                "type": "object",
                "required": ["kind"],
                "properties": {
                    "kind": {"type": "string", "enum": ["village", "district", "all"]},
                    "code": {"type": "string"}
                }
            }),
        ),
        (
            "Me",
            json!({
                "type": "object",
                "required": ["username", "display_name", "role", "scope", "device_id", "session_expires_at_ms"],
                "properties": {
                    "username": {"type": "string"},
                    "display_name": {"type": "string"},
                    "role": {"type": "string", "enum": ["village_head", "kim_volunteer", "reviewer", "admin"]},
                    "scope": {"$ref": "#/components/schemas/Scope"},
                    "device_id": {"type": "string"},
                    "session_expires_at_ms": {"type": "integer"}
                }
            }),
        ),
        (
            "ContentHash",
            json!({"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"}),
        ),
        (
            "ReviewStatus",
            json!({
                "type": "string",
                "enum": ["received", "in_review", "approved", "needs_revision", "rejected"]
            }),
        ),
        (
            "Report",
            json!({
                "type": "object",
                "required": ["id", "form", "village", "created_at_ms", "answers"],
                "additionalProperties": false,
                "properties": {
                    "id": {"type": "string", "description": "a UUID v7"},
                    "form": {
                        "type": "object",
                        "required": ["id", "version"],
                        "properties": {
                            "id": {"type": "string"},
                            "version": {"type": "integer", "minimum": 0}
                        }
                    },
                    "village": {"type": "string", "description": "a Kemendagri village code"},
                    "created_at_ms": {"type": "integer"},
                    "answers": {"type": "object", "description": "answers by field code, as the form defines them"}
                }
            }),
        ),
        (
            "PushRequest",
            json!({
                "type": "object",
                "required": ["protocol_version", "items"],
                "additionalProperties": false,
                "properties": {
                    "protocol_version": {"type": "integer", "minimum": 0},
                    "device_id": {"type": "string"},
                    "items": {
                        "type": "array",
                        "maxItems": 100,
                        "items": {
                            "type": "object",
                            "required": ["report", "content_hash"],
                            "additionalProperties": false,
                            "properties": {
                                "report": {"$ref": "#/components/schemas/Report"},
                                "content_hash": {"$ref": "#/components/schemas/ContentHash"},
                                "replaces": {"$ref": "#/components/schemas/ContentHash"}
                            }
                        }
                    }
                }
            }),
        ),
        (
            "FieldError",
            json!({
                "type": "object",
                "required": ["field", "problem"],
                "properties": {
                    "field": {"type": "string"},
                    "problem": {"type": "string"}
                }
            }),
        ),
        (
            "PushResponse",
            json!({
                "type": "object",
                "required": ["protocol_version", "results"],
                "properties": {
                    "protocol_version": {"type": "integer"},
                    "results": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "outcome"],
                        "properties": {
                            "id": {"type": "string"},
                            "outcome": {"type": "string", "enum": ["accepted", "duplicate", "conflict", "rejected"]},
                            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}}
                        }
                    }}
                }
            }),
        ),
        (
            "PullResponse",
            json!({
                "type": "object",
                "required": ["protocol_version", "cursor", "has_more", "reviews", "incomplete"],
                "properties": {
                    "protocol_version": {"type": "integer"},
                    "cursor": {"type": "string"},
                    "has_more": {"type": "boolean"},
                    "forms": {"type": "array", "items": {"type": "object"}},
                    "villages": {"type": "array", "items": {"type": "object"}},
                    "reviews": {"type": "array", "items": {
                        "type": "object",
                        "required": ["report_id", "reviewer", "at_ms"],
                        "properties": {
                            "report_id": {"type": "string"},
                            "status": {"$ref": "#/components/schemas/ReviewStatus"},
                            "comment": {"type": "string"},
                            "reviewer": {"type": "string"},
                            "at_ms": {"type": "integer"}
                        }
                    }},
                    "incomplete": {"type": "array", "items": {
                        "type": "object",
                        "required": ["report_id", "missing_photos"],
                        "properties": {
                            "report_id": {"type": "string"},
                            "missing_photos": {"type": "array", "items": {"$ref": "#/components/schemas/ContentHash"}}
                        }
                    }},
                    "approved": {"type": "array", "items": {
                        "type": "object",
                        "required": ["report_id", "form_id", "village", "period", "answers"],
                        "properties": {
                            "report_id": {"type": "string"},
                            "form_id": {"type": "string"},
                            "village": {"type": "string"},
                            "period": {"type": "string"},
                            "answers": {"type": "object"}
                        }
                    }}
                }
            }),
        ),
        (
            "StoredReport",
            json!({
                "type": "object",
                "required": ["report", "content_hash", "received_at_ms", "status", "submitted_by", "version", "missing_photos"],
                "properties": {
                    "report": {"$ref": "#/components/schemas/Report"},
                    "content_hash": {"$ref": "#/components/schemas/ContentHash"},
                    "received_at_ms": {"type": "integer"},
                    "status": {"$ref": "#/components/schemas/ReviewStatus"},
                    "submitted_by": nullable_string,
                    "version": {"type": "integer", "minimum": 1},
                    "missing_photos": {"type": "array", "items": {"$ref": "#/components/schemas/ContentHash"}}
                }
            }),
        ),
        (
            "ReportPage",
            json!({
                "type": "object",
                "required": ["reports", "next_before"],
                "properties": {
                    "reports": {"type": "array", "items": {"$ref": "#/components/schemas/StoredReport"}},
                    "next_before": nullable_string
                }
            }),
        ),
        (
            "ReviewRequest",
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "status": {"oneOf": [{"$ref": "#/components/schemas/ReviewStatus"}, {"type": "null"}]},
                    "comment": nullable_string
                }
            }),
        ),
        (
            "Reviewed",
            json!({
                "type": "object",
                "required": ["report"],
                "properties": {"report": {"$ref": "#/components/schemas/StoredReport"}}
            }),
        ),
        (
            "Versions",
            json!({
                "type": "object",
                "required": ["versions"],
                "properties": {"versions": {"type": "array", "items": {
                    "type": "object",
                    "required": ["version", "report", "content_hash", "received_at_ms", "submitted_by"],
                    "properties": {
                        "version": {"type": "integer", "minimum": 1},
                        "report": {"$ref": "#/components/schemas/Report"},
                        "content_hash": {"$ref": "#/components/schemas/ContentHash"},
                        "received_at_ms": {"type": "integer"},
                        "submitted_by": nullable_string
                    }
                }}}
            }),
        ),
        (
            "Uploaded",
            json!({
                "type": "object",
                "required": ["sha256", "stored"],
                "properties": {
                    "sha256": {"$ref": "#/components/schemas/ContentHash"},
                    "stored": {"type": "boolean"}
                }
            }),
        ),
        (
            "Sessions",
            json!({
                "type": "object",
                "required": ["sessions"],
                "properties": {
                    "sessions": {"type": "array", "items": {
                        "type": "object",
                        "required": ["id", "username", "device_id", "device_name", "client", "created_at_ms", "last_seen_ms", "expires_at_ms", "revoked_at_ms"],
                        "properties": {
                            "id": {"type": "string"},
                            "username": {"type": "string"},
                            "device_id": {"type": "string"},
                            "device_name": {"type": "string"},
                            "client": {"type": "string"},
                            "created_at_ms": {"type": "integer"},
                            "last_seen_ms": {"type": "integer"},
                            "expires_at_ms": {"type": "integer"},
                            "revoked_at_ms": {"type": ["integer", "null"]}
                        }
                    }},
                    "next": {"type": "string"}
                }
            }),
        ),
        (
            "Audit",
            json!({
                "type": "object",
                "required": ["entries"],
                "properties": {"entries": {"type": "array", "items": {
                    "type": "object",
                    "required": ["id", "at_ms", "actor", "action", "target", "client", "detail", "repeats", "last_at_ms"],
                    "properties": {
                        "id": {"type": "integer"},
                        "at_ms": {"type": "integer"},
                        "actor": nullable_string,
                        "action": {"type": "string"},
                        "target": nullable_string,
                        "client": nullable_string,
                        "detail": {"description": "what the event was about, by action"},
                        "repeats": {"type": "integer", "minimum": 1},
                        "last_at_ms": {"type": "integer"}
                    }
                }}}
            }),
        ),
        (
            "PublicFlag",
            json!({
                "type": "object",
                "required": ["public"],
                "properties": {"public": {"type": "boolean"}}
            }),
        ),
    ]
}

/// The schema of an operation's JSON request body, by name.
pub fn request(method: &HttpMethod, path: &str) -> Option<&'static str> {
    Some(match (method, path) {
        (HttpMethod::Post, "/api/v1/auth/login") => "LoginRequest",
        (HttpMethod::Post, "/api/v1/sync/push") => "PushRequest",
        (HttpMethod::Post, "/api/v1/reports/{id}/review") => "ReviewRequest",
        (HttpMethod::Post, "/api/v1/reports/{id}/public") => "PublicFlag",
        _ => return None,
    })
}

/// What an operation's answer with `status` carries: its media type and,
/// for JSON, the schema by name (`None` for JSON whose shape the document
/// leaves open). Every error is the [`ERROR`] object; `None` overall means
/// the answer has no body.
pub fn response(
    method: &HttpMethod,
    path: &str,
    status: &str,
) -> Option<(&'static str, Option<&'static str>)> {
    if status.starts_with('4') || status.starts_with('5') {
        return Some(("application/json", Some(ERROR)));
    }
    if status == "204" {
        return None;
    }
    let schema = match (method, path) {
        (HttpMethod::Get, "/api/health") => Some("Health"),
        (HttpMethod::Get, "/api/openapi.json") => None,
        (HttpMethod::Post, "/api/v1/auth/login") | (HttpMethod::Get, "/api/v1/auth/me") => {
            Some("Me")
        }
        (HttpMethod::Post, "/api/v1/sync/push") => Some("PushResponse"),
        (HttpMethod::Get, "/api/v1/sync/pull") => Some("PullResponse"),
        (HttpMethod::Get, "/api/v1/reports") => Some("ReportPage"),
        (HttpMethod::Get, "/api/v1/reports/{id}") => Some("StoredReport"),
        (HttpMethod::Post, "/api/v1/reports/{id}/review") => Some("Reviewed"),
        (HttpMethod::Get, "/api/v1/reports/{id}/versions") => Some("Versions"),
        (HttpMethod::Post, "/api/v1/reports/{id}/public") => Some("PublicFlag"),
        (HttpMethod::Put, "/api/v1/photos/{sha256}") => Some("Uploaded"),
        (HttpMethod::Get, "/api/v1/photos/{sha256}") => return Some(("image/*", None)),
        // A CSV or spreadsheet file, by the requested format.
        (HttpMethod::Get, "/api/v1/pusat/export") => return None,
        (HttpMethod::Get, "/api/v1/admin/sessions") => Some("Sessions"),
        (HttpMethod::Get, "/api/v1/admin/audit") => Some("Audit"),
        _ => None,
    };
    Some(("application/json", schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` of the served document, in paths and schemas alike,
    /// names a component, and every request and response body that names a
    /// schema got one.
    #[test]
    fn every_reference_names_a_component() {
        let document = crate::openapi::document();
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("components/schemas");
        assert_eq!(schemas.len(), components().len());
        let text = document.to_string();
        let mut references = 0;
        for reference in text.split("#/components/schemas/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(schemas.contains_key(name), "{name}");
            references += 1;
        }
        assert!(references > 20, "{references} references");
        let push = &document["paths"]["/api/v1/sync/push"]["post"];
        assert_eq!(
            push["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PushRequest"
        );
        assert_eq!(
            push["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PushResponse"
        );
        assert_eq!(
            push["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Error"
        );
    }

    /// The schemas describe what the server sends: real answers, made by
    /// the same types the handlers serialize, validate against them.
    #[test]
    fn the_shared_messages_fit_their_schemas() {
        use kabar_shared::sync::{PROTOCOL_VERSION, PushOutcome, PushResponse, PushResult};
        let id = kabar_shared::ReportId::new_v7(1_764_000_000_000, [1; 10]);
        let response = PushResponse {
            protocol_version: PROTOCOL_VERSION,
            results: vec![
                PushResult {
                    id,
                    outcome: PushOutcome::Accepted,
                },
                PushResult {
                    id,
                    outcome: PushOutcome::Rejected {
                        errors: vec![kabar_shared::report::FieldError {
                            field: "title".into(),
                            problem: kabar_shared::report::FieldErrorKind::Required,
                        }],
                    },
                },
            ],
        };
        let json = serde_json::to_value(&response).unwrap();
        let results = json["results"].as_array().unwrap();
        assert_eq!(results[1]["errors"][0]["problem"], "required");
        let schema = &components()
            .into_iter()
            .find(|(name, _)| *name == "PushResponse")
            .unwrap()
            .1;
        for key in schema["required"].as_array().unwrap() {
            assert!(json.get(key.as_str().unwrap()).is_some(), "{key}");
        }
    }
}
