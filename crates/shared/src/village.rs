//! Kotamobagu's administrative units, identified by their Kemendagri codes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Kemendagri village code such as `71.74.02.1003`: province, city,
/// kecamatan and village, the last part starting with 1 for a kelurahan and
/// 2 for a desa.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VillageCode(String);

/// Why a string is not a village code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidVillageCode(pub String);

impl fmt::Display for InvalidVillageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a village code (expected NN.NN.NN.NNNN): {:?}",
            self.0
        )
    }
}

impl std::error::Error for InvalidVillageCode {}

impl VillageCode {
    pub fn parse(text: &str) -> Result<VillageCode, InvalidVillageCode> {
        let parts: Vec<&str> = text.split('.').collect();
        let widths = [2, 2, 2, 4];
        let well_formed = parts.len() == widths.len()
            && parts.iter().zip(widths).all(|(part, width)| {
                part.len() == width && part.bytes().all(|b| b.is_ascii_digit())
            });
        if well_formed {
            Ok(VillageCode(text.to_owned()))
        } else {
            Err(InvalidVillageCode(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kecamatan part of the code, e.g. `71.74.02`.
    pub fn district_code(&self) -> &str {
        &self.0[..8]
    }

    pub fn kind(&self) -> VillageKind {
        if self.0.as_bytes()[9] == b'1' {
            VillageKind::Kelurahan
        } else {
            VillageKind::Desa
        }
    }
}

impl TryFrom<String> for VillageCode {
    type Error = InvalidVillageCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        VillageCode::parse(&value)
    }
}

impl From<VillageCode> for String {
    fn from(code: VillageCode) -> String {
        code.0
    }
}

impl fmt::Display for VillageCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A desa is headed by a sangadi, a kelurahan by a lurah.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VillageKind {
    Desa,
    Kelurahan,
}

impl VillageKind {
    /// The head's title as villagers use it: in Bolaang Mongondow a desa is
    /// headed by a sangadi.
    pub fn head_title(self) -> &'static str {
        match self {
            VillageKind::Desa => "Sangadi",
            VillageKind::Kelurahan => "Lurah",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    pub code: VillageCode,
    pub name: String,
    pub kind: VillageKind,
    /// Other spellings seen in documents, for search.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the phone shows about the village. Optional so older caches and
    /// servers without profiles still read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<VillageProfile>,
}

/// A village's profile. Every figure is optional: an unknown value stays
/// `null` rather than a guess, because officials will quote what the app
/// shows. A figure is filled in only together with its `source` and `as_of`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageProfile {
    #[serde(default)]
    pub population: Option<u32>,
    #[serde(default)]
    pub households: Option<u32>,
    /// In hectares, a whole number, so the profile stays `Eq` and exact.
    #[serde(default)]
    pub area_ha: Option<u32>,
    /// The current sangadi or lurah.
    #[serde(default)]
    pub head_name: Option<String>,
    #[serde(default)]
    pub facilities: Vec<Facility>,
    /// When the figures were true, e.g. `2024` or `2024-12-31`.
    #[serde(default)]
    pub as_of: Option<String>,
    /// Where the figures come from, e.g. a BPS publication.
    #[serde(default)]
    pub source: Option<String>,
}

impl VillageProfile {
    pub fn has_figures(&self) -> bool {
        self.population.is_some()
            || self.households.is_some()
            || self.area_ha.is_some()
            || self.head_name.is_some()
            || !self.facilities.is_empty()
    }
}

/// A public facility in a village, e.g. `{"kind": "posyandu", "count": 2}`.
/// Kinds are snake_case codes kept open (not an enum) so the server can add
/// one without breaking phones that cache an older app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facility {
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    pub code: String,
    pub name: String,
    pub villages: Vec<Village>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct City {
    pub code: String,
    pub name: String,
}

/// The reference data of one city: its kecamatan and their villages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gazetteer {
    pub city: City,
    pub districts: Vec<District>,
}

/// Kotamobagu's reference data, compiled in from `data/kotamobagu.json`.
pub const KOTAMOBAGU_JSON: &str = include_str!("../data/kotamobagu.json");

impl Gazetteer {
    /// Parsed once per process: every pushed report, every session check and
    /// every form on the phone asks for it, and the data never changes at
    /// run time.
    pub fn kotamobagu() -> &'static Gazetteer {
        static KOTAMOBAGU: std::sync::OnceLock<Gazetteer> = std::sync::OnceLock::new();
        KOTAMOBAGU.get_or_init(|| {
            serde_json::from_str(KOTAMOBAGU_JSON).expect("data/kotamobagu.json is checked by tests")
        })
    }

    pub fn villages(&self) -> impl Iterator<Item = &Village> {
        self.districts
            .iter()
            .flat_map(|district| district.villages.iter())
    }

    pub fn village(&self, code: &VillageCode) -> Option<&Village> {
        self.villages().find(|village| &village.code == code)
    }

    /// The village with this name or one of its other spellings, ignoring
    /// case and extra spaces: documents write "Bilalang Satu", "BILALANG I"
    /// and "Bilalang 1" for the same desa.
    pub fn village_named(&self, name: &str) -> Option<&Village> {
        let wanted = normalize_name(name);
        self.villages().find(|village| {
            std::iter::once(&village.name)
                .chain(&village.aliases)
                .any(|spelling| normalize_name(spelling) == wanted)
        })
    }
}

fn normalize_name(name: &str) -> String {
    crate::text::lowercase(&name.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn villages_carry_their_official_names_and_other_spellings_as_aliases() {
        let gazetteer = Gazetteer::kotamobagu();
        let named = |name: &str| gazetteer.village_named(name).map(|v| v.code.as_str());
        assert_eq!(named("Bilalang I"), Some("71.74.01.2001"));
        assert_eq!(named("bilalang  satu"), Some("71.74.01.2001"));
        assert_eq!(named("BILALANG II"), Some("71.74.01.2002"));
        assert_eq!(named("Poyowa Besar 2"), Some("71.74.03.2002"));
        assert_eq!(named("Kopandakan I"), Some("71.74.03.2005"));
        assert_eq!(named("Kotobangon"), Some("71.74.02.1003"));
        assert_eq!(named("Bilalang III"), None, "a desa of Bolaang Mongondow");
        let code = |text: &str| VillageCode::parse(text).unwrap();
        assert_eq!(
            gazetteer
                .village(&code("71.74.01.2001"))
                .map(|v| v.name.as_str()),
            Some("Bilalang I")
        );
        // No spelling names two villages.
        let mut spellings: Vec<String> = gazetteer
            .villages()
            .flat_map(|v| std::iter::once(&v.name).chain(&v.aliases))
            .map(|s| normalize_name(s))
            .collect();
        let count = spellings.len();
        spellings.sort();
        spellings.dedup();
        assert_eq!(spellings.len(), count);
    }

    #[test]
    fn kotamobagu_has_33_villages_in_4_districts() {
        let gazetteer = Gazetteer::kotamobagu();
        assert_eq!(gazetteer.city.code, "71.74");
        assert_eq!(gazetteer.districts.len(), 4);
        assert_eq!(gazetteer.villages().count(), 33);
        let kelurahan = gazetteer
            .villages()
            .filter(|v| v.kind == VillageKind::Kelurahan)
            .count();
        assert_eq!(kelurahan, 18);
        for village in gazetteer.villages() {
            assert_eq!(village.code.kind(), village.kind, "{}", village.name);
        }
    }

    #[test]
    fn every_village_has_a_profile_and_no_figure_without_its_source() {
        let gazetteer = Gazetteer::kotamobagu();
        for village in gazetteer.villages() {
            let profile = village
                .profile
                .as_ref()
                .expect("every village has a profile");
            if profile.has_figures() {
                assert!(
                    profile.source.is_some() && profile.as_of.is_some(),
                    "{}: figures need a source and a date",
                    village.name
                );
            }
        }
    }

    #[test]
    fn a_village_without_a_profile_still_reads_and_keeps_its_json_shape() {
        let json = r#"{"code":"71.74.02.1003","name":"Kotobangun","kind":"kelurahan"}"#;
        let village: Village = serde_json::from_str(json).unwrap();
        assert_eq!(village.profile, None);
        assert_eq!(
            serde_json::to_string(&village).unwrap(),
            r#"{"code":"71.74.02.1003","name":"Kotobangun","kind":"kelurahan","aliases":[]}"#
        );
        let with_profile = r#"{"code":"71.74.02.2001","name":"Moyag","kind":"desa","aliases":[],"profile":{"population":null,"households":null,"area_ha":null,"head_name":null,"facilities":[{"kind":"posyandu","name":null,"count":null}],"as_of":null,"source":null}}"#;
        let village: Village = serde_json::from_str(with_profile).unwrap();
        assert_eq!(serde_json::to_string(&village).unwrap(), with_profile);
        assert_eq!(village.kind.head_title(), "Sangadi");
    }

    #[test]
    fn village_codes_parse_strictly() {
        fn check(input: &str, valid: bool) {
            assert_eq!(VillageCode::parse(input).is_ok(), valid, "{input:?}");
        }
        check("71.74.02.1003", true);
        check("71.74.02.2010", true);
        check("71.74.02", false);
        check("71.74.02.100", false);
        check("71.74.02.10033", false);
        check("71-74-02-1003", false);
        check("71.74.0a.1003", false);
        check("", false);
    }

    #[test]
    fn village_code_knows_its_district() {
        let code = VillageCode::parse("71.74.03.2006").unwrap();
        assert_eq!(code.district_code(), "71.74.03");
        assert_eq!(code.kind(), VillageKind::Desa);
    }
}
