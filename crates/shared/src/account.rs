//! Accounts, roles and what each role may see and file, plus the login
//! messages. The server enforces these rules on every request; the phone uses
//! the same types to show who is logged in and which forms they may file.

use crate::form;
use crate::village::{Gazetteer, VillageCode};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a user does in Kabar Desa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The sangadi of a desa or the lurah of a kelurahan: one village.
    VillageHead,
    /// A Kelompok Informasi Masyarakat volunteer: one village.
    KimVolunteer,
    /// Command Center staff: every village, or those of one kecamatan.
    Reviewer,
    /// Diskominfo staff who manage accounts: every village.
    Admin,
}

/// Why a string is not a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRole(pub String);

impl fmt::Display for InvalidRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown role {:?} (expected village-head, kim-volunteer, reviewer or admin)",
            self.0
        )
    }
}

impl std::error::Error for InvalidRole {}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::VillageHead,
        Role::KimVolunteer,
        Role::Reviewer,
        Role::Admin,
    ];

    /// The stored and JSON spelling, e.g. `village_head`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::VillageHead => "village_head",
            Role::KimVolunteer => "kim_volunteer",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// Accepts the JSON spelling and the command line's `village-head`.
    pub fn parse(text: &str) -> Result<Role, InvalidRole> {
        let normalized = text.trim().replace('-', "_");
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == normalized)
            .ok_or_else(|| InvalidRole(text.to_owned()))
    }

    /// Village-bound roles file reports; the others read and review them.
    pub fn is_village_bound(self) -> bool {
        matches!(self, Role::VillageHead | Role::KimVolunteer)
    }

    /// The role a form's `filed_by` names, for the roles that file reports.
    pub fn form_role(self) -> Option<form::Filer> {
        match self {
            Role::VillageHead => Some(form::Filer::VillageHead),
            Role::KimVolunteer => Some(form::Filer::KimVolunteer),
            Role::Reviewer | Role::Admin => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kecamatan code such as `71.74.02`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DistrictCode(String);

/// Why a string is not a kecamatan code of Kotamobagu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidDistrictCode(pub String);

impl fmt::Display for InvalidDistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a kecamatan code of Kotamobagu: {:?}", self.0)
    }
}

impl std::error::Error for InvalidDistrictCode {}

impl DistrictCode {
    /// Accepts only kecamatan the gazetteer knows, so a typo cannot create a
    /// reviewer who sees nothing.
    pub fn parse(text: &str) -> Result<DistrictCode, InvalidDistrictCode> {
        let known = Gazetteer::kotamobagu()
            .districts
            .iter()
            .any(|district| district.code == text);
        if known {
            Ok(DistrictCode(text.to_owned()))
        } else {
            Err(InvalidDistrictCode(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn contains(&self, village: &VillageCode) -> bool {
        village.district_code() == self.0
    }
}

impl TryFrom<String> for DistrictCode {
    type Error = InvalidDistrictCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        DistrictCode::parse(&value)
    }
}

impl From<DistrictCode> for String {
    fn from(code: DistrictCode) -> String {
        code.0
    }
}

impl fmt::Display for DistrictCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which villages a user sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Scope {
    Village(VillageCode),
    District(DistrictCode),
    All,
}

impl Scope {
    pub fn contains(&self, village: &VillageCode) -> bool {
        match self {
            Scope::Village(code) => code == village,
            Scope::District(district) => district.contains(village),
            Scope::All => true,
        }
    }

    /// The villages of the gazetteer inside this scope.
    pub fn villages(&self, gazetteer: &Gazetteer) -> Vec<crate::village::Village> {
        gazetteer
            .villages()
            .filter(|village| self.contains(&village.code))
            .cloned()
            .collect()
    }
}

/// Why a role and a scope do not go together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidAccess {
    /// Village heads and KIM volunteers are bound to exactly one village.
    NeedsVillage,
    /// The village code is not one of Kotamobagu's.
    UnknownVillage(VillageCode),
    /// Reviewers see all villages or one kecamatan, never one village.
    ReviewerNeedsDistrictOrAll,
    /// Admins see everything.
    AdminSeesAll,
}

impl fmt::Display for InvalidAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidAccess::NeedsVillage => {
                f.write_str("village heads and KIM volunteers need exactly one --village")
            }
            InvalidAccess::UnknownVillage(code) => {
                write!(f, "{code} is not a village of Kotamobagu")
            }
            InvalidAccess::ReviewerNeedsDistrictOrAll => {
                f.write_str("reviewers see all villages or one --district, not one village")
            }
            InvalidAccess::AdminSeesAll => f.write_str("admins see all villages"),
        }
    }
}

impl std::error::Error for InvalidAccess {}

/// A role with the scope it works in, checked to go together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AccessParts", into = "AccessParts")]
pub struct Access {
    role: Role,
    scope: Scope,
}

#[derive(Serialize, Deserialize)]
struct AccessParts {
    role: Role,
    scope: Scope,
}

impl TryFrom<AccessParts> for Access {
    type Error = InvalidAccess;
    fn try_from(parts: AccessParts) -> Result<Access, InvalidAccess> {
        Access::new(parts.role, parts.scope)
    }
}

impl From<Access> for AccessParts {
    fn from(access: Access) -> AccessParts {
        AccessParts {
            role: access.role,
            scope: access.scope,
        }
    }
}

impl Access {
    pub fn new(role: Role, scope: Scope) -> Result<Access, InvalidAccess> {
        match (role, &scope) {
            (Role::VillageHead | Role::KimVolunteer, Scope::Village(code)) => {
                if Gazetteer::kotamobagu().village(code).is_none() {
                    return Err(InvalidAccess::UnknownVillage(code.clone()));
                }
            }
            (Role::VillageHead | Role::KimVolunteer, _) => return Err(InvalidAccess::NeedsVillage),
            (Role::Reviewer, Scope::District(_) | Scope::All) => {}
            (Role::Reviewer, Scope::Village(_)) => {
                return Err(InvalidAccess::ReviewerNeedsDistrictOrAll);
            }
            (Role::Admin, Scope::All) => {}
            (Role::Admin, _) => return Err(InvalidAccess::AdminSeesAll),
        }
        Ok(Access { role, scope })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The one village a village-bound user files for.
    pub fn village(&self) -> Option<&VillageCode> {
        match (&self.scope, self.role.is_village_bound()) {
            (Scope::Village(code), true) => Some(code),
            _ => None,
        }
    }

    /// Whether this user may read reports and data of `village`.
    pub fn can_read(&self, village: &VillageCode) -> bool {
        self.scope.contains(village)
    }

    /// Whether this user may file reports for `village`: only village-bound
    /// roles, and only for their own village.
    pub fn can_file_for(&self, village: &VillageCode) -> bool {
        self.village() == Some(village)
    }

    /// Whether this user may review reports of `village`.
    pub fn can_review(&self, village: &VillageCode) -> bool {
        matches!(self.role, Role::Reviewer | Role::Admin) && self.scope.contains(village)
    }

    /// Whether this user may replace a stored report of `village` with a new
    /// version. The author may edit their own report. A village head's
    /// report is the village's official word: besides its author only a
    /// village head of the same village (the sangadi or lurah who took over
    /// the office) may edit it, never a KIM volunteer. A volunteer's report
    /// is edited only by that volunteer. Nobody edits for another village.
    /// Whether the report's review status still allows an edit is the review
    /// table's business ([`crate::review::edit_moves_to`]).
    pub fn may_edit(&self, village: &VillageCode, authorship: Authorship) -> bool {
        self.can_file_for(village)
            && (authorship.by_this_user
                || (authorship.author_role == Some(Role::VillageHead)
                    && self.role == Role::VillageHead))
    }

    /// Whether this user's role may file `form` at all.
    pub fn may_file_form(&self, form: &form::FormDefinition) -> bool {
        self.may_file(&form.filed_by)
    }

    /// Whether this user's role is among a form's `filed_by`.
    pub fn may_file(&self, filed_by: &[form::Filer]) -> bool {
        self.role
            .form_role()
            .is_some_and(|role| filed_by.contains(&role))
    }
}

/// Who filed a stored report, seen from the user who wants to change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authorship {
    /// The user asking is the report's author.
    pub by_this_user: bool,
    /// The author's role, when the account is known.
    pub author_role: Option<Role>,
}

/// A login name: 3 to 32 characters of lowercase ASCII letters, digits, `.`,
/// `_` and `-`, so it reads the same on every keyboard and in every log.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

/// Why a string is not a username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidUsername(pub String);

impl fmt::Display for InvalidUsername {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a username (3-32 of a-z, 0-9, '.', '_', '-'): {:?}",
            self.0
        )
    }
}

impl std::error::Error for InvalidUsername {}

impl Username {
    /// Trims and lowercases first: phones capitalize the first letter.
    pub fn parse(text: &str) -> Result<Username, InvalidUsername> {
        let normalized = text.trim().to_ascii_lowercase();
        let well_formed = (3..=32).contains(&normalized.len())
            && normalized
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if well_formed {
            Ok(Username(normalized))
        } else {
            Err(InvalidUsername(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = InvalidUsername;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Username::parse(&value)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> String {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: at least [`NewPassword::MIN_CHARS`] characters (OWASP's
/// minimum for passwords without a second factor is 8; accounts here can
/// file official reports, so 10), at most [`NewPassword::MAX_CHARS`] so
/// hashing stays cheap.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidPassword {
    TooShort { min_chars: usize },
    TooLong { max_chars: usize },
}

impl fmt::Display for InvalidPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidPassword::TooShort { min_chars } => {
                write!(f, "password needs at least {min_chars} characters")
            }
            InvalidPassword::TooLong { max_chars } => {
                write!(f, "password may have at most {max_chars} characters")
            }
        }
    }
}

impl std::error::Error for InvalidPassword {}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(text: &str) -> Result<NewPassword, InvalidPassword> {
        let chars = text.chars().count();
        if chars < Self::MIN_CHARS {
            Err(InvalidPassword::TooShort {
                min_chars: Self::MIN_CHARS,
            })
        } else if chars > Self::MAX_CHARS {
            Err(InvalidPassword::TooLong {
                max_chars: Self::MAX_CHARS,
            })
        } else {
            Ok(NewPassword(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never print a password, not even in a debug log.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// `POST /api/v1/auth/password`: the signed-in user changes their own
/// password. The current one is checked like a login (and counted like
/// one); the new one follows [`NewPassword`]'s rules.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

impl fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangePasswordRequest { .. }")
    }
}

/// `POST /api/v1/auth/login`. The device id is a random id the phone keeps
/// for its install; the session is bound to it, and pushes must name it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub device_id: String,
    #[serde(default)]
    pub device_name: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("password", &"***")
            .field("device_id", &self.device_id)
            .field("device_name", &self.device_name)
            .finish()
    }
}

/// A device id: 8 to 64 characters of ASCII letters, digits and `-`, e.g.
/// a UUID the app generated at install.
pub fn valid_device_id(text: &str) -> bool {
    (8..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Who is logged in: the answer of login and of `GET /api/v1/auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub username: Username,
    pub display_name: String,
    #[serde(flatten)]
    pub access: Access,
    pub device_id: String,
    /// When the session ends unless a sync renews it, in Unix milliseconds.
    pub session_expires_at_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn village(code: &str) -> VillageCode {
        VillageCode::parse(code).unwrap()
    }

    fn district(code: &str) -> DistrictCode {
        DistrictCode::parse(code).unwrap()
    }

    #[test]
    fn roles_parse_from_the_command_line_and_json_spellings() {
        fn check(input: &str, expect: Option<Role>) {
            assert_eq!(Role::parse(input).ok(), expect, "{input:?}");
        }
        check("village-head", Some(Role::VillageHead));
        check("village_head", Some(Role::VillageHead));
        check("kim-volunteer", Some(Role::KimVolunteer));
        check("reviewer", Some(Role::Reviewer));
        check("admin", Some(Role::Admin));
        check("sangadi", None);
        check("", None);
    }

    #[test]
    fn each_role_takes_only_its_kind_of_scope() {
        fn check(role: Role, scope: Scope, expect: Result<(), InvalidAccess>) {
            assert_eq!(
                Access::new(role, scope.clone()).map(|_| ()),
                expect,
                "{role} {scope:?}"
            );
        }
        let kotobangun = Scope::Village(village("71.74.02.1003"));
        check(Role::VillageHead, kotobangun.clone(), Ok(()));
        check(Role::KimVolunteer, kotobangun.clone(), Ok(()));
        check(
            Role::VillageHead,
            Scope::All,
            Err(InvalidAccess::NeedsVillage),
        );
        check(
            Role::VillageHead,
            Scope::Village(village("71.74.09.9999")),
            Err(InvalidAccess::UnknownVillage(village("71.74.09.9999"))),
        );
        check(Role::Reviewer, Scope::All, Ok(()));
        check(
            Role::Reviewer,
            Scope::District(district("71.74.02")),
            Ok(()),
        );
        check(
            Role::Reviewer,
            kotobangun,
            Err(InvalidAccess::ReviewerNeedsDistrictOrAll),
        );
        check(Role::Admin, Scope::All, Ok(()));
        check(
            Role::Admin,
            Scope::District(district("71.74.02")),
            Err(InvalidAccess::AdminSeesAll),
        );
    }

    #[test]
    fn village_users_read_and_file_only_their_village_and_reviewers_read_their_kecamatan() {
        let head =
            Access::new(Role::VillageHead, Scope::Village(village("71.74.02.1003"))).unwrap();
        let reviewer = Access::new(Role::Reviewer, Scope::District(district("71.74.02"))).unwrap();
        let same_district = village("71.74.02.2001");
        assert!(head.can_read(&village("71.74.02.1003")));
        assert!(head.can_file_for(&village("71.74.02.1003")));
        assert!(!head.can_read(&same_district));
        assert!(!head.can_file_for(&same_district));
        assert!(!head.can_review(&village("71.74.02.1003")));
        assert!(reviewer.can_read(&same_district));
        assert!(reviewer.can_review(&same_district));
        assert!(!reviewer.can_file_for(&same_district));
        assert!(!reviewer.can_read(&village("71.74.03.2006")));
    }

    #[test]
    fn authors_edit_their_reports_and_only_a_head_edits_a_heads_report() {
        let kotobangun = village("71.74.02.1003");
        let head = Access::new(Role::VillageHead, Scope::Village(kotobangun.clone())).unwrap();
        let kim = Access::new(Role::KimVolunteer, Scope::Village(kotobangun.clone())).unwrap();
        let neighbour =
            Access::new(Role::VillageHead, Scope::Village(village("71.74.02.2001"))).unwrap();
        let reviewer = Access::new(Role::Reviewer, Scope::All).unwrap();
        let by = |by_this_user: bool, author_role: Role| Authorship {
            by_this_user,
            author_role: Some(author_role),
        };
        fn check(who: &Access, at: &VillageCode, authorship: Authorship, expect: bool) {
            assert_eq!(
                who.may_edit(at, authorship),
                expect,
                "{:?} editing {authorship:?}",
                who.role()
            );
        }
        check(&head, &kotobangun, by(true, Role::VillageHead), true);
        check(&kim, &kotobangun, by(true, Role::KimVolunteer), true);
        // The attack of issue 12.4: a volunteer replacing the head's report.
        check(&kim, &kotobangun, by(false, Role::VillageHead), false);
        // The head's office: a new sangadi corrects the old one's report.
        check(&head, &kotobangun, by(false, Role::VillageHead), true);
        // A volunteer's report is the volunteer's.
        check(&head, &kotobangun, by(false, Role::KimVolunteer), false);
        check(&kim, &kotobangun, by(false, Role::KimVolunteer), false);
        check(&neighbour, &kotobangun, by(false, Role::VillageHead), false);
        check(&reviewer, &kotobangun, by(false, Role::VillageHead), false);
        check(
            &head,
            &kotobangun,
            Authorship {
                by_this_user: false,
                author_role: None,
            },
            false,
        );
    }

    #[test]
    fn usernames_are_normalized_and_bounded() {
        fn check(input: &str, expect: Option<&str>) {
            assert_eq!(
                Username::parse(input).ok().as_ref().map(Username::as_str),
                expect,
                "{input:?}"
            );
        }
        check("Sangadi.Moyag", Some("sangadi.moyag"));
        check("  kim_01 ", Some("kim_01"));
        check("ab", None);
        check(&"a".repeat(33), None);
        check("nama spasi", None);
        check("ünï", None);
    }

    #[test]
    fn passwords_have_a_floor_and_a_ceiling_and_never_print() {
        assert_eq!(
            NewPassword::parse("pendek"),
            Err(InvalidPassword::TooShort { min_chars: 10 })
        );
        assert!(NewPassword::parse("cukup-panjang-sekali").is_ok());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        let password = NewPassword::parse("rahasia-sekali").unwrap();
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
        let login = LoginRequest {
            username: "a".into(),
            password: "rahasia-sekali".into(),
            device_id: "d".into(),
            device_name: String::new(),
        };
        assert!(!format!("{login:?}").contains("rahasia"));
    }

    #[test]
    fn me_keeps_its_json_shape() {
        let me = Me {
            username: Username::parse("sangadi.moyag").unwrap(),
            display_name: "Sangadi Moyag".into(),
            access: Access::new(Role::VillageHead, Scope::Village(village("71.74.02.2001")))
                .unwrap(),
            device_id: "0b7c1c9e-1f1a-4c55-9a53-7f0e2b1d2c3a".into(),
            session_expires_at_ms: 1_766_592_000_000,
        };
        let json = serde_json::to_string(&me).unwrap();
        assert_eq!(
            json,
            r#"{"username":"sangadi.moyag","display_name":"Sangadi Moyag","role":"village_head","scope":{"kind":"village","code":"71.74.02.2001"},"device_id":"0b7c1c9e-1f1a-4c55-9a53-7f0e2b1d2c3a","session_expires_at_ms":1766592000000}"#
        );
        assert_eq!(serde_json::from_str::<Me>(&json).unwrap(), me);
        let all = serde_json::to_string(&Scope::All).unwrap();
        assert_eq!(all, r#"{"kind":"all"}"#);
    }
}
