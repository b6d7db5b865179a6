//! The demo provider's test identities and the trust levels (`acr`) they reach.
//!
//! All three people are invented; their addresses lie in the demo municipalities, and their
//! e-mail addresses in the reserved domain `example.org`, so no message can reach anyone.
//! The claims follow the project's PROTOCOLS notes (BundID attributes as OIDC claims): the standard
//! profile and address claims, plus `birth_name`, `place_of_birth` and `nationality`.

use serde_json::{Map, Value, json};

/// The trust levels the portal knows (PROTOCOLS notes): STORK-QAA levels 1 and 2 and eIDAS low
/// are `Low`, level 3 and eIDAS substantial are `Substantial`, level 4 and eIDAS high `High`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    Low,
    Substantial,
    High,
}

/// Every `acr` value the provider understands, as it announces them in its discovery document.
pub(super) const ACR_VALUES: [&str; 7] = [
    "STORK-QAA-Level-1",
    "STORK-QAA-Level-2",
    "STORK-QAA-Level-3",
    "STORK-QAA-Level-4",
    "http://eidas.europa.eu/LoA/low",
    "http://eidas.europa.eu/LoA/substantial",
    "http://eidas.europa.eu/LoA/high",
];

impl Level {
    pub(super) fn of_acr(acr: &str) -> Option<Self> {
        match acr {
            "STORK-QAA-Level-1" | "STORK-QAA-Level-2" | "http://eidas.europa.eu/LoA/low" => {
                Some(Self::Low)
            }
            "STORK-QAA-Level-3" | "http://eidas.europa.eu/LoA/substantial" => {
                Some(Self::Substantial)
            }
            "STORK-QAA-Level-4" | "http://eidas.europa.eu/LoA/high" => Some(Self::High),
            _ => None,
        }
    }

    /// The level an `acr_values` request asks for: the lowest level among the values it
    /// names that are known (any of them satisfies the request), `None` if it names none.
    pub(super) fn requested(acr_values: &str) -> Option<Self> {
        acr_values.split_whitespace().filter_map(Self::of_acr).min()
    }

    /// The Fluent key of the level's name.
    pub(super) fn key(self) -> &'static str {
        match self {
            Self::Low => "demo-op-level-low",
            Self::Substantial => "demo-op-level-substantial",
            Self::High => "demo-op-level-high",
        }
    }
}

/// What a full BundID account delivers beyond name and e-mail.
#[derive(Debug)]
pub(super) struct Details {
    /// `YYYY-MM-DD`, as the `birthdate` claim.
    pub birthdate: &'static str,
    pub street_address: &'static str,
    pub postal_code: &'static str,
    pub locality: &'static str,
    /// ISO 3166-1 alpha-2, as BundID sends it.
    pub country: &'static str,
    /// Only when it differs from the family name.
    pub birth_name: Option<&'static str>,
    pub place_of_birth: &'static str,
    /// ISO 3166-1 alpha-2.
    pub nationality: &'static str,
}

/// One test identity.
#[derive(Debug)]
pub(super) struct Persona {
    /// The value its button posts.
    pub id: &'static str,
    /// The stable pseudonym (BundID's bPK2 stands behind it in real life).
    pub sub: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub email: &'static str,
    pub acr: &'static str,
    pub level: Level,
    /// The `amr` value: `pwd` (password), `swk` (software key: ELSTER), `eid` (eID card).
    pub amr: &'static str,
    /// The Fluent key naming the sign-in method.
    pub method_key: &'static str,
    /// `None` for the low-level account, which knows only name and e-mail.
    pub details: Option<Details>,
}

pub(super) static PERSONAS: [Persona; 3] = [
    Persona {
        id: "jonas",
        sub: "demo-jonas-4b1e",
        given_name: "Jonas",
        family_name: "Weber",
        email: "jonas.weber@example.org",
        acr: "STORK-QAA-Level-1",
        level: Level::Low,
        amr: "pwd",
        method_key: "demo-op-method-pwd",
        details: None,
    },
    Persona {
        id: "leonie",
        sub: "demo-leonie-9c07",
        given_name: "Leonie",
        family_name: "Fischer",
        email: "leonie.fischer@example.org",
        acr: "http://eidas.europa.eu/LoA/substantial",
        level: Level::Substantial,
        amr: "swk",
        method_key: "demo-op-method-swk",
        details: Some(Details {
            birthdate: "1991-08-23",
            street_address: "Am Mühlberg 7",
            postal_code: "99765",
            locality: "Heringen/Helme",
            country: "DE",
            birth_name: None,
            place_of_birth: "Sondershausen",
            nationality: "DE",
        }),
    },
    Persona {
        id: "anna",
        sub: "demo-anna-2d5f",
        given_name: "Anna",
        family_name: "Schmidt",
        email: "anna.schmidt@example.org",
        acr: "STORK-QAA-Level-4",
        level: Level::High,
        amr: "eid",
        method_key: "demo-op-method-eid",
        details: Some(Details {
            birthdate: "1984-03-12",
            street_address: "Bahnhofstraße 12",
            postal_code: "99755",
            locality: "Ellrich",
            country: "DE",
            birth_name: Some("Meier"),
            place_of_birth: "Nordhausen",
            nationality: "DE",
        }),
    },
];

impl Persona {
    pub(super) fn by_id(id: &str) -> Option<&'static Self> {
        PERSONAS.iter().find(|p| p.id == id)
    }

    pub(super) fn name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// The profile claims (everything but `sub`), for the ID token and the userinfo answer.
    pub(super) fn claims(&self) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert("given_name".into(), json!(self.given_name));
        claims.insert("family_name".into(), json!(self.family_name));
        claims.insert("email".into(), json!(self.email));
        if let Some(d) = &self.details {
            claims.insert("email_verified".into(), json!(true));
            claims.insert("birthdate".into(), json!(d.birthdate));
            claims.insert(
                "address".into(),
                json!({
                    "street_address": d.street_address,
                    "postal_code": d.postal_code,
                    "locality": d.locality,
                    "country": d.country,
                }),
            );
            if let Some(birth_name) = d.birth_name {
                claims.insert("birth_name".into(), json!(birth_name));
            }
            claims.insert("place_of_birth".into(), json!(d.place_of_birth));
            claims.insert("nationality".into(), json!(d.nationality));
        }
        claims
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_persona_announces_a_known_acr_of_its_own_level() {
        for p in &PERSONAS {
            assert!(ACR_VALUES.contains(&p.acr), "{}", p.id);
            assert_eq!(Level::of_acr(p.acr), Some(p.level), "{}", p.id);
            assert!(Persona::by_id(p.id).is_some());
        }
    }

    #[test]
    fn a_request_naming_several_levels_is_met_by_the_lowest() {
        assert_eq!(
            Level::requested("STORK-QAA-Level-4 http://eidas.europa.eu/LoA/substantial"),
            Some(Level::Substantial)
        );
        assert_eq!(Level::requested("STORK-QAA-Level-2"), Some(Level::Low));
        assert_eq!(Level::requested("urn:unknown"), None);
        assert_eq!(Level::requested(""), None);
    }

    #[test]
    fn the_low_level_account_has_only_name_and_email() {
        let jonas = Persona::by_id("jonas").map(Persona::claims);
        let keys: Vec<&str> = jonas
            .iter()
            .flat_map(|c| c.keys().map(String::as_str))
            .collect();
        assert_eq!(keys.len(), 3, "{keys:?}");
        let anna = Persona::by_id("anna")
            .map(Persona::claims)
            .unwrap_or_default();
        assert_eq!(anna.get("birth_name"), Some(&json!("Meier")));
        assert_eq!(anna.get("nationality"), Some(&json!("DE")));
        assert_eq!(anna["address"]["postal_code"], json!("99755"));
    }
}
