//! The review actions a reviewer takes and the one place they are sent to
//! the server. Whether an action needs a comment comes from the shared
//! transition table (`kabar_shared::review`), the same one the server's
//! `POST /api/v1/reports/{id}/review` enforces; the phone learns of a review
//! at its next sync.

use crate::api::{self, Failure};
use crate::i18n::{Lang, Text};
use kabar_shared::report::{ReviewRequest, ReviewStatus};
use kabar_shared::review::{Actor, Needs, TRANSITIONS};
use serde::de::IgnoredAny;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewAction {
    /// Diterima: a reviewer has taken the report up.
    Receive,
    /// Perlu perbaikan: back to the village, with what to fix.
    Revise,
    /// Disetujui.
    Approve,
    /// Ditolak, with the reason.
    Reject,
}

impl ReviewAction {
    pub const ALL: [ReviewAction; 4] = [
        ReviewAction::Receive,
        ReviewAction::Revise,
        ReviewAction::Approve,
        ReviewAction::Reject,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        let text = match self {
            ReviewAction::Receive => Text {
                id: "Diterima",
                en: "Received",
            },
            ReviewAction::Revise => Text {
                id: "Perlu perbaikan",
                en: "Needs revision",
            },
            ReviewAction::Approve => Text {
                id: "Disetujui",
                en: "Approved",
            },
            ReviewAction::Reject => Text {
                id: "Ditolak",
                en: "Rejected",
            },
        };
        text.get(lang)
    }

    /// The keyboard shortcut, from the Indonesian verb: terima, perbaiki,
    /// setujui, tolak (X, since T is taken).
    pub fn key(self) -> &'static str {
        match self {
            ReviewAction::Receive => "t",
            ReviewAction::Revise => "p",
            ReviewAction::Approve => "s",
            ReviewAction::Reject => "x",
        }
    }

    pub fn from_key(key: &str) -> Option<ReviewAction> {
        ReviewAction::ALL
            .into_iter()
            .find(|action| action.key().eq_ignore_ascii_case(key))
    }

    /// The status the action sets.
    pub fn status(self) -> Option<ReviewStatus> {
        Some(match self {
            ReviewAction::Receive => ReviewStatus::InReview,
            ReviewAction::Revise => ReviewStatus::NeedsRevision,
            ReviewAction::Approve => ReviewStatus::Approved,
            ReviewAction::Reject => ReviewStatus::Rejected,
        })
    }

    /// Whether the shared table asks for a comment or a reason on every
    /// reviewer move into this action's status (sending back, rejecting).
    pub fn needs_comment(self) -> bool {
        self.status().is_some_and(|to| {
            TRANSITIONS
                .iter()
                .any(|t| t.to == to && t.by == Actor::Reviewer && t.needs != Needs::Nothing)
        })
    }

    pub fn css_class(self) -> &'static str {
        match self {
            ReviewAction::Receive => "action-receive",
            ReviewAction::Revise => "action-revise",
            ReviewAction::Approve => "action-approve",
            ReviewAction::Reject => "action-reject",
        }
    }
}

/// Records `action` on report `id`, with `comment` when given.
pub async fn apply(id: &str, action: ReviewAction, comment: Option<String>) -> Result<(), Failure> {
    let comment = comment.filter(|text| !text.trim().is_empty());
    let request = ReviewRequest {
        status: action.status(),
        comment,
    };
    api::post::<_, IgnoredAny>(&format!("/api/v1/reports/{id}/review"), &request)
        .await
        .map(|_| ())
}

/// Approves every report in `ids`, one after the other, and says which
/// failed and why.
pub async fn approve_all(ids: Vec<String>) -> Vec<(String, Failure)> {
    let mut failures = Vec::new();
    for id in ids {
        if let Err(failure) = apply(&id, ReviewAction::Approve, None).await {
            failures.push((id, failure));
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcuts_name_each_action_once_and_comments_are_required_where_they_must_be() {
        for action in ReviewAction::ALL {
            assert_eq!(ReviewAction::from_key(action.key()), Some(action));
            assert_eq!(
                ReviewAction::from_key(&action.key().to_uppercase()),
                Some(action)
            );
        }
        assert_eq!(ReviewAction::from_key("q"), None);
        let needing: Vec<ReviewAction> = ReviewAction::ALL
            .into_iter()
            .filter(|action| action.needs_comment())
            .collect();
        assert_eq!(needing, [ReviewAction::Revise, ReviewAction::Reject]);
        assert_eq!(ReviewAction::Approve.status(), Some(ReviewStatus::Approved));
        assert_eq!(
            ReviewAction::Revise.status(),
            Some(ReviewStatus::NeedsRevision)
        );
    }
}
