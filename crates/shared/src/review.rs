//! Who may move a report from which review status to which: one table, read
//! by the server's review handler, by the server's push judge (a report's
//! author resubmits an edit) and by the Command Center (which buttons to
//! show).
//!
//! | from            | to              | by       | needs    |
//! |-----------------|-----------------|----------|----------|
//! | received        | in_review       | reviewer |          |
//! | received        | approved        | reviewer |          |
//! | received        | needs_revision  | reviewer | comment  |
//! | received        | rejected        | reviewer | reason   |
//! | in_review       | received        | reviewer |          |
//! | in_review       | approved        | reviewer |          |
//! | in_review       | needs_revision  | reviewer | comment  |
//! | in_review       | rejected        | reviewer | reason   |
//! | needs_revision  | rejected        | reviewer | reason   |
//! | approved        | needs_revision  | reviewer | comment  |
//! | received        | received        | author   | (edit)   |
//! | needs_revision  | received        | author   | (edit)   |
//!
//! Rejected reports are settled: nobody moves them again. An approval can be
//! taken back only by sending the report back with a comment saying why (a
//! mistake found before or after the mayor's mail left: a mail not yet sent
//! is then not sent). The author can edit neither an approved nor a rejected
//! report. A reviewer is a reviewer or admin
//! whose scope holds the report's village ([`Access::can_review`]); an
//! author is whoever [`Access::may_edit`] allows. A comment without a status
//! change is always allowed to a reviewer.

use crate::account::Access;
use crate::form::{Lang, Text};
use crate::report::{ReviewRequest, ReviewStatus};
use crate::village::VillageCode;

/// Who makes a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Actor {
    /// Command Center staff whose scope holds the village.
    Reviewer,
    /// The report's author (or whoever may edit it), by pushing a new
    /// version of the report.
    Author,
}

/// What a transition needs besides the new status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Needs {
    Nothing,
    /// A comment saying what to fix.
    Comment,
    /// A comment saying why the report is refused.
    Reason,
}

/// One allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    pub from: ReviewStatus,
    pub to: ReviewStatus,
    pub by: Actor,
    pub needs: Needs,
}

const fn move_(from: ReviewStatus, to: ReviewStatus, by: Actor, needs: Needs) -> Transition {
    Transition {
        from,
        to,
        by,
        needs,
    }
}

use Actor::{Author, Reviewer};
use ReviewStatus::{Approved, InReview, NeedsRevision, Received, Rejected};

/// Every allowed move; anything else is refused.
pub const TRANSITIONS: &[Transition] = &[
    move_(Received, InReview, Reviewer, Needs::Nothing),
    move_(Received, Approved, Reviewer, Needs::Nothing),
    move_(Received, NeedsRevision, Reviewer, Needs::Comment),
    move_(Received, Rejected, Reviewer, Needs::Reason),
    move_(InReview, Received, Reviewer, Needs::Nothing),
    move_(InReview, Approved, Reviewer, Needs::Nothing),
    move_(InReview, NeedsRevision, Reviewer, Needs::Comment),
    move_(InReview, Rejected, Reviewer, Needs::Reason),
    move_(NeedsRevision, Rejected, Reviewer, Needs::Reason),
    move_(Approved, NeedsRevision, Reviewer, Needs::Comment),
    move_(Received, Received, Author, Needs::Nothing),
    move_(NeedsRevision, Received, Author, Needs::Nothing),
];

/// The allowed move from `from` to `to` by `by`, if there is one.
pub fn transition(from: ReviewStatus, to: ReviewStatus, by: Actor) -> Option<&'static Transition> {
    TRANSITIONS
        .iter()
        .find(|t| t.from == from && t.to == to && t.by == by)
}

/// The statuses a reviewer may move a report in `from` to: the Command
/// Center's buttons.
pub fn reviewer_moves(from: ReviewStatus) -> impl Iterator<Item = &'static Transition> {
    TRANSITIONS
        .iter()
        .filter(move |t| t.from == from && t.by == Actor::Reviewer)
}

/// Whether the author may still replace a report in `status` with an edited
/// version, and what status the edit puts it in.
pub fn edit_moves_to(status: ReviewStatus) -> Option<ReviewStatus> {
    TRANSITIONS
        .iter()
        .find(|t| t.from == status && t.by == Actor::Author)
        .map(|t| t.to)
}

/// The latest review status among a report's review events (oldest first),
/// if a reviewer has set one.
pub fn latest_status(events: &[crate::sync::ReviewEvent]) -> Option<ReviewStatus> {
    events.iter().rev().find_map(|event| event.status)
}

/// Whether the phone offers the author to fix a sent report and send it
/// again: when the Command Center sent it back. (The table also lets the
/// author replace a report nobody has reviewed yet, which is how a second
/// phone's copy of the same edit is settled; the phone does not offer it.)
pub fn offered_for_revision(latest: Option<ReviewStatus>) -> bool {
    latest == Some(NeedsRevision)
}

/// Whether a sent report may still be replaced by its author: its photos
/// must stay on the phone until then. A report no reviewer has touched yet
/// is received.
pub fn may_still_be_revised(latest: Option<ReviewStatus>) -> bool {
    edit_moves_to(latest.unwrap_or(Received)).is_some()
}

/// The forms whose approved reports a reviewer may show on the public page:
/// KIM activity logs and development progress reports.
pub const PUBLISHABLE_FORMS: &[&str] = &["catatan-kegiatan-kim", "laporan-kemajuan-pembangunan"];

/// Whether a report of `form_id` in `status` may be made public now.
pub fn may_publish(form_id: &str, status: ReviewStatus) -> bool {
    PUBLISHABLE_FORMS.contains(&form_id) && status == Approved
}

/// A review request the table allows, with its comment trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDecision {
    pub status: Option<ReviewStatus>,
    pub comment: Option<String>,
}

/// Why a review request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// The user does not review this village's reports.
    NotReviewer,
    /// Neither a status nor a comment.
    Empty,
    CommentTooLong {
        max_chars: usize,
    },
    /// The table has no such move.
    NotAllowed {
        from: ReviewStatus,
        to: ReviewStatus,
    },
    /// Sending a report back needs a comment saying what to fix.
    CommentRequired,
    /// Rejecting a report needs a reason.
    ReasonRequired,
}

impl ReviewRefusal {
    /// A stable code for the API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewRefusal::NotReviewer => "forbidden",
            ReviewRefusal::Empty => "review_empty",
            ReviewRefusal::CommentTooLong { .. } => "review_comment_too_long",
            ReviewRefusal::NotAllowed { .. } => "review_transition_not_allowed",
            ReviewRefusal::CommentRequired => "review_comment_required",
            ReviewRefusal::ReasonRequired => "review_reason_required",
        }
    }

    /// What went wrong and what to do, in both languages.
    pub fn message(&self) -> Text {
        let status = |status: ReviewStatus, lang: Lang| status.label(lang);
        match self {
            ReviewRefusal::NotReviewer => Text::new(
                "Anda tidak meninjau laporan desa/kelurahan ini.",
                "You do not review this village's reports.",
            ),
            ReviewRefusal::Empty => Text::new(
                "Pilih status baru, tulis komentar, atau keduanya.",
                "Choose a new status, write a comment, or both.",
            ),
            ReviewRefusal::CommentTooLong { max_chars } => Text {
                id: format!("Komentar paling banyak {max_chars} karakter."),
                en: format!("A comment has at most {max_chars} characters."),
            },
            ReviewRefusal::NotAllowed { from, to } => Text {
                id: format!(
                    "Laporan berstatus \"{}\" tidak dapat diubah menjadi \"{}\".",
                    status(*from, Lang::Id),
                    status(*to, Lang::Id)
                ),
                en: format!(
                    "A report that is \"{}\" cannot be made \"{}\".",
                    status(*from, Lang::En),
                    status(*to, Lang::En)
                ),
            },
            ReviewRefusal::CommentRequired => Text::new(
                "Tulis apa yang perlu diperbaiki sebelum mengembalikan laporan.",
                "Write what needs fixing before sending the report back.",
            ),
            ReviewRefusal::ReasonRequired => Text::new(
                "Tulis alasan penolakan.",
                "Write why the report is rejected.",
            ),
        }
    }
}

/// Decides a reviewer's request on a report of `village` that is now in
/// `current`, by the table.
pub fn decide_review(
    who: &Access,
    village: &VillageCode,
    current: ReviewStatus,
    request: &ReviewRequest,
) -> Result<ReviewDecision, ReviewRefusal> {
    if !who.can_review(village) {
        return Err(ReviewRefusal::NotReviewer);
    }
    let comment = request
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|comment| !comment.is_empty());
    if request.status.is_none() && comment.is_none() {
        return Err(ReviewRefusal::Empty);
    }
    if comment.is_some_and(|comment| comment.chars().count() > ReviewRequest::MAX_COMMENT_CHARS) {
        return Err(ReviewRefusal::CommentTooLong {
            max_chars: ReviewRequest::MAX_COMMENT_CHARS,
        });
    }
    if let Some(to) = request.status {
        let allowed = transition(current, to, Actor::Reviewer)
            .ok_or(ReviewRefusal::NotAllowed { from: current, to })?;
        match allowed.needs {
            Needs::Comment if comment.is_none() => return Err(ReviewRefusal::CommentRequired),
            Needs::Reason if comment.is_none() => return Err(ReviewRefusal::ReasonRequired),
            _ => {}
        }
    }
    Ok(ReviewDecision {
        status: request.status,
        comment: comment.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{DistrictCode, Role, Scope};

    const KOTOBANGUN: &str = "71.74.02.1003";
    const MONGONDOW: &str = "71.74.03.2006";

    fn village(code: &str) -> VillageCode {
        VillageCode::parse(code).unwrap()
    }

    #[test]
    fn the_review_table_decides_who_moves_what_and_what_it_needs() {
        let reviewer = Access::new(
            Role::Reviewer,
            Scope::District(DistrictCode::parse("71.74.02").unwrap()),
        )
        .unwrap();
        let admin = Access::new(Role::Admin, Scope::All).unwrap();
        let head = Access::new(Role::VillageHead, Scope::Village(village(KOTOBANGUN))).unwrap();
        fn check(
            who: &Access,
            at: &str,
            from: ReviewStatus,
            to: Option<ReviewStatus>,
            comment: Option<&str>,
            expect: Result<(), ReviewRefusal>,
        ) {
            let request = ReviewRequest {
                status: to,
                comment: comment.map(str::to_owned),
            };
            assert_eq!(
                decide_review(who, &village(at), from, &request).map(|_| ()),
                expect,
                "{:?} {from:?} -> {to:?} with {comment:?}",
                who.role()
            );
        }
        use ReviewStatus::*;
        check(
            &reviewer,
            KOTOBANGUN,
            Received,
            Some(Approved),
            None,
            Ok(()),
        );
        check(&admin, KOTOBANGUN, Received, Some(InReview), None, Ok(()));
        check(
            &reviewer,
            KOTOBANGUN,
            InReview,
            Some(Approved),
            None,
            Ok(()),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            Received,
            Some(NeedsRevision),
            Some("Lengkapi jumlah KK"),
            Ok(()),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            Received,
            Some(NeedsRevision),
            Some("   "),
            Err(ReviewRefusal::CommentRequired),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            InReview,
            Some(Rejected),
            None,
            Err(ReviewRefusal::ReasonRequired),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            NeedsRevision,
            Some(Rejected),
            Some("Laporan ganda"),
            Ok(()),
        );
        // Settled reports stay settled, and a returned report waits for its
        // author's fix.
        for (from, to) in [
            (Approved, Received),
            (Approved, Rejected),
            (Rejected, Approved),
            (NeedsRevision, Approved),
            (NeedsRevision, Received),
            (Received, Received),
        ] {
            check(
                &reviewer,
                KOTOBANGUN,
                from,
                Some(to),
                Some("Komentar"),
                Err(ReviewRefusal::NotAllowed { from, to }),
            );
        }
        // A comment alone is always allowed, whatever the status.
        check(
            &reviewer,
            KOTOBANGUN,
            Approved,
            None,
            Some("Terima kasih"),
            Ok(()),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            Approved,
            None,
            None,
            Err(ReviewRefusal::Empty),
        );
        check(
            &reviewer,
            KOTOBANGUN,
            Received,
            None,
            Some(&"x".repeat(ReviewRequest::MAX_COMMENT_CHARS + 1)),
            Err(ReviewRefusal::CommentTooLong {
                max_chars: ReviewRequest::MAX_COMMENT_CHARS,
            }),
        );
        // Out of scope, or not a reviewer at all.
        check(
            &reviewer,
            MONGONDOW,
            Received,
            Some(Approved),
            None,
            Err(ReviewRefusal::NotReviewer),
        );
        check(
            &head,
            KOTOBANGUN,
            Received,
            Some(Approved),
            None,
            Err(ReviewRefusal::NotReviewer),
        );
    }

    #[test]
    fn an_author_edits_only_received_or_returned_reports_and_they_come_back_received() {
        fn check(status: ReviewStatus, expect: Option<ReviewStatus>) {
            assert_eq!(edit_moves_to(status), expect, "{status:?}");
        }
        use ReviewStatus::*;
        check(Received, Some(Received));
        check(NeedsRevision, Some(Received));
        check(InReview, None);
        check(Approved, None);
        check(Rejected, None);
        assert_eq!(
            reviewer_moves(Received).map(|t| t.to).collect::<Vec<_>>(),
            vec![InReview, Approved, NeedsRevision, Rejected]
        );
    }

    #[test]
    fn every_refusal_says_what_to_do_in_both_languages() {
        for refusal in [
            ReviewRefusal::NotReviewer,
            ReviewRefusal::Empty,
            ReviewRefusal::CommentTooLong { max_chars: 2000 },
            ReviewRefusal::NotAllowed {
                from: ReviewStatus::Approved,
                to: ReviewStatus::Received,
            },
            ReviewRefusal::CommentRequired,
            ReviewRefusal::ReasonRequired,
        ] {
            let message = refusal.message();
            assert!(
                !message.id.is_empty() && message.id != message.en,
                "{refusal:?}"
            );
        }
        assert_eq!(
            ReviewRefusal::NotAllowed {
                from: ReviewStatus::Approved,
                to: ReviewStatus::Rejected,
            }
            .message()
            .id,
            "Laporan berstatus \"disetujui\" tidak dapat diubah menjadi \"ditolak\"."
        );
    }
}
