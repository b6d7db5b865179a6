//! Prefill from the citizen's login: a field's `prefill` names a claim of the identity
//! provider, and [`FormDefinition::prefill_values`] turns the login's claims into the values
//! the fields take. Whether a value is shown read-only or only suggested is the portal's call.

use serde_json::Value;

use crate::definition::{Field, FieldKind, FormDefinition};
use crate::values::Date;

/// The claim a `prefill` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClaimPath<'a> {
    /// A claim of its own: `given_name`, `birthdate`, `birth_name`.
    Claim(&'a str),
    /// A part of the address claim (an object): `address.postal_code`.
    Address(&'a str),
}

impl<'a> ClaimPath<'a> {
    /// `name` or `address.<part>`, each name `[a-z][a-z0-9_]*`; else the lint's message.
    pub(crate) fn parse(path: &'a str) -> Result<Self, String> {
        let malformed = || {
            format!(
                "prefill '{path}' must be a claim name (a-z, 0-9 and _, starting with a-z) \
                 or address.<part>"
            )
        };
        match path.split_once('.') {
            None if path == "address" => Err(
                "prefill 'address' names the whole address claim: name one part, e.g. \
                 address.postal_code"
                    .to_owned(),
            ),
            None if is_name(path) => Ok(ClaimPath::Claim(path)),
            Some(("address", part)) if is_name(part) => Ok(ClaimPath::Address(part)),
            Some((claim, part)) if is_name(claim) && is_name(part) => Err(format!(
                "prefill '{path}': only the address claim has parts (address.<part>)"
            )),
            _ => Err(malformed()),
        }
    }

    /// The claim's value in the login's claims (a JSON object), if it is a string.
    fn find(self, claims: &'a Value) -> Option<&'a str> {
        match self {
            ClaimPath::Claim(name) => claims.get(name)?.as_str(),
            ClaimPath::Address(part) => claims.get("address")?.get(part)?.as_str(),
        }
    }

    /// Whether the provider vouches for the claim's value. OpenID Connect (Core, section 5.1)
    /// says separately whether an `email` or `phone_number` was checked (`email_verified`,
    /// `phone_number_verified`); without that flag being `true` the provider may pass on an
    /// address the person merely typed. Every other claim counts as the login's level says.
    fn verified(self, claims: &Value) -> bool {
        let flag = match self {
            ClaimPath::Claim("email") => "email_verified",
            ClaimPath::Claim("phone_number") => "phone_number_verified",
            _ => return true,
        };
        claims.get(flag) == Some(&Value::Bool(true))
    }
}

/// `[a-z][a-z0-9_]*`: the names claims have.
fn is_name(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl FormDefinition {
    /// The values the citizen's login fills in: for every field outside groups with
    /// `prefill`, in form order, `(field id, value)` when the claim is a non-empty string the
    /// field accepts, in the form the field stores it (trimmed; a date `YYYY-MM-DD`, which is
    /// also what the date input takes). A claim the field would refuse (a date that is not
    /// an ISO `YYYY-MM-DD` calendar date, a text beyond `max_length`, an address that is not
    /// an email address, a value that is none of a select's options) fills nothing: it is
    /// never cut to fit. `claims` is the login's claims as a JSON object (OpenID Connect
    /// userinfo: `given_name`, `address: {postal_code, ...}`, ...). Visibility is not
    /// considered: the portal decides what to do with a hidden field's value.
    pub fn prefill_values(&self, claims: &Value) -> Vec<(String, String)> {
        self.fields()
            .filter(|f| f.kind.takes_prefill())
            .filter_map(|field| {
                let path = ClaimPath::parse(field.prefill.as_deref()?).ok()?;
                let claim = path.find(claims)?;
                prefill_value(field, claim).map(|value| (field.id.clone(), value))
            })
            .collect()
    }

    /// Whether the provider vouches for the claim that fills field `id` (outside groups), so
    /// that a login at a level that vouches for its claims may lock the value: `false` for a
    /// field without `prefill`, for an `email` claim unless `email_verified` is `true`, and
    /// for a `phone_number` claim unless `phone_number_verified` is `true`. Such a value is
    /// only a suggestion the citizen may change, as from a low login.
    pub fn prefill_verified(&self, id: &str, claims: &Value) -> bool {
        self.field(id)
            .and_then(|f| f.prefill.as_deref())
            .and_then(|path| ClaimPath::parse(path).ok())
            .is_some_and(|path| path.verified(claims))
    }
}

/// The claim as the field takes it, or `None` when the field would refuse it.
fn prefill_value(field: &Field, claim: &str) -> Option<String> {
    // OpenID Connect's `birthdate` is ISO 8601 `YYYY-MM-DD` (`0000-03-14` when the year is
    // withheld, `1984` for the year alone: neither is a date the field can hold). The date
    // field would also take `14.03.1984`, but a claim in any other shape is malformed.
    if field.kind == FieldKind::Date
        && Date::parse(claim.trim()).is_none_or(|d| d.iso() != claim.trim())
    {
        return None;
    }
    crate::validate::check(field, claim, false).ok().flatten()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_path_is_a_name_or_a_part_of_the_address() {
        assert_eq!(
            ClaimPath::parse("given_name"),
            Ok(ClaimPath::Claim("given_name"))
        );
        assert_eq!(
            ClaimPath::parse("address.postal_code"),
            Ok(ClaimPath::Address("postal_code"))
        );
        for bad in [
            "",
            "Given_name",
            "given-name",
            "1st",
            "_x",
            "address",
            "address.",
            "address.Street",
            "name.part",
            "address.street.nr",
            ".x",
        ] {
            assert!(ClaimPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_email_or_phone_number_is_verified_only_with_its_flag_true() {
        let def = FormDefinition::from_json(
            r#"{
              "id": "t", "version": 1, "title": "T", "summary": "T.", "fee": {"kind": "none"},
              "steps": [{ "title": "Sie", "fields": [
                { "id": "vorname", "type": "text", "label": "Vorname", "prefill": "given_name" },
                { "id": "plz", "type": "postal_code", "label": "PLZ", "prefill": "address.postal_code" },
                { "id": "mail", "type": "email", "label": "E-Mail", "prefill": "email" },
                { "id": "tel", "type": "phone", "label": "Telefon", "prefill": "phone_number" },
                { "id": "frei", "type": "text", "label": "Frei" }
              ]}]
            }"#,
        )
        .unwrap();
        let claims = |extra: Value| {
            let mut c = serde_json::json!({
                "given_name": "Anna", "address": {"postal_code": "99735"},
                "email": "anna@example.de", "phone_number": "+49 3631 123456"
            });
            if let (Some(c), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
                c.extend(extra.clone());
            }
            c
        };
        let verified = |c: &Value| {
            ["vorname", "plz", "mail", "tel", "frei", "unbekannt"]
                .into_iter()
                .filter(|id| def.prefill_verified(id, c))
                .collect::<Vec<_>>()
        };
        // Without the flags (or with anything but `true`) only the other claims count.
        for flags in [
            serde_json::json!({}),
            serde_json::json!({"email_verified": false, "phone_number_verified": false}),
            serde_json::json!({"email_verified": "true", "phone_number_verified": 1}),
            serde_json::json!({"email_verified": null}),
        ] {
            assert_eq!(
                verified(&claims(flags.clone())),
                ["vorname", "plz"],
                "{flags}"
            );
        }
        assert_eq!(
            verified(&claims(serde_json::json!({"email_verified": true}))),
            ["vorname", "plz", "mail"]
        );
        assert_eq!(
            verified(&claims(
                serde_json::json!({"email_verified": true, "phone_number_verified": true})
            )),
            ["vorname", "plz", "mail", "tel"]
        );
        // The values are filled all the same: what to lock is the portal's call.
        assert_eq!(def.prefill_values(&claims(serde_json::json!({}))).len(), 4);
    }
}
