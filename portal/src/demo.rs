//! The demo federation: four municipalities of the Kyffhäuser/Nordhausen area, three
//! services from form definitions in `portal/demo/forms/`, and staff accounts with the
//! password `demo`. Seeded only in demo mode, and only into a database without real data.

use anyhow::Context;
use chrono::NaiveDate;
use forms::FormDefinition;
use store::{
    AccentColour, ExternalUrl, NewForm, NewService, NewStaff, NewTenant, ParameterChanges, Role,
    RoleKind, Store, TenantProfile,
};

/// A demo municipality. Addresses, phone numbers (Erfurt's area code with the 555 range used
/// for fiction) and `example.org` mailboxes are invented; no real office or person is named.
#[derive(Clone, Copy)]
pub struct DemoTenant {
    pub slug: &'static str,
    pub name: &'static str,
    pub code: &'static str,
    pub accent: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub address: &'static str,
    pub imprint: Option<&'static str>,
    pub privacy: Option<&'static str>,
    /// (year, month, day) of the last accessibility review.
    pub reviewed: (i32, u32, u32),
}

pub const TENANTS: &[DemoTenant] = &[
    DemoTenant {
        slug: "ellrich",
        name: "Ellrich",
        code: "ELL",
        accent: "#a4262c",
        email: "barrierefreiheit-ellrich@example.org",
        phone: "0361 5550-110",
        address: "Stadtverwaltung Ellrich\nRathausgasse 3\n99755 Ellrich",
        imprint: Some("https://www.example.org/ellrich/impressum"),
        privacy: Some("https://www.example.org/ellrich/datenschutz"),
        reviewed: (2026, 11, 2),
    },
    DemoTenant {
        slug: "heringen-helme",
        name: "Heringen/Helme",
        code: "HEH",
        accent: "#1c5f8a",
        email: "barrierefreiheit-heringen@example.org",
        phone: "0361 5550-120",
        address: "Stadtverwaltung Heringen/Helme\nAm Helmeufer 7\n99765 Heringen/Helme",
        imprint: Some("https://www.example.org/heringen-helme/impressum"),
        privacy: None,
        reviewed: (2026, 11, 9),
    },
    DemoTenant {
        slug: "werther",
        name: "Werther",
        code: "WER",
        accent: "#2f6b2f",
        email: "barrierefreiheit-werther@example.org",
        phone: "0361 5550-130",
        address: "Gemeindeverwaltung Werther\nLindenplatz 12\n99735 Werther",
        imprint: Some("https://www.example.org/werther/impressum"),
        privacy: Some("https://www.example.org/werther/datenschutz"),
        reviewed: (2026, 11, 16),
    },
    DemoTenant {
        slug: "kyffhaeuserland",
        name: "Kyffhäuserland",
        code: "KYF",
        accent: "#6b3fa0",
        email: "barrierefreiheit-kyffhaeuserland@example.org",
        phone: "0361 5550-140",
        address: "Gemeindeverwaltung Kyffhäuserland\nBarbarossastraße 21\n99707 Kyffhäuserland",
        imprint: None,
        privacy: None,
        reviewed: (2026, 11, 23),
    },
];

impl DemoTenant {
    /// The profile, checked as any municipality's would be: a colour with too little contrast
    /// stops the demo from starting, with the reason.
    pub fn profile(&self) -> anyhow::Result<TenantProfile> {
        let url = |u: Option<&str>| u.map(ExternalUrl::parse).transpose();
        Ok(TenantProfile {
            accent_colour: AccentColour::parse(self.accent)
                .with_context(|| format!("demo municipality {}", self.name))?,
            feedback_email: self.email.to_owned(),
            feedback_phone: self.phone.to_owned(),
            town_hall_address: self.address.to_owned(),
            imprint_url: url(self.imprint)?,
            privacy_url: url(self.privacy)?,
            accessibility_reviewed_on: NaiveDate::from_ymd_opt(
                self.reviewed.0,
                self.reviewed.1,
                self.reviewed.2,
            ),
        })
    }
}

/// First dog, each further dog, dangerous dog: cents a year.
type DogTaxRates = (i64, i64, i64);

/// Each demo municipality's dog-tax rates in cents a year (first dog, each further dog,
/// dangerous dog). The amounts are invented, in the range Thuringian towns charge. Werther
/// keeps the form's defaults (48/96/600 €), which the walking-skeleton tests file against.
/// `None`: no value stored, the default applies.
const DOG_TAX_RATES: &[(&str, Option<DogTaxRates>)] = &[
    ("ellrich", Some((6000, 12000, 72000))),
    ("heringen-helme", Some((5400, 10800, 54000))),
    ("werther", None),
    ("kyffhaeuserland", Some((4500, 9000, 60000))),
];

const FORMS: &[&str] = &[
    include_str!("../demo/forms/hundesteuer-anmeldung.json"),
    include_str!("../demo/forms/gewerbeanmeldung.json"),
    include_str!("../demo/forms/grabnutzungsrecht-verlaengerung.json"),
];

/// Which municipality offers which form. The dog tax and trade registration forms are shared
/// by all four ("Einer für Alle"); not every town runs its own cemetery administration.
fn offers(tenant_slug: &str, form_id: &str) -> bool {
    match form_id {
        "grabnutzungsrecht-verlaengerung" => tenant_slug != "heringen-helme",
        _ => true,
    }
}

pub const PASSWORD: &str = "demo";

pub async fn seed(store: &dyn Store) -> anyhow::Result<()> {
    if store.holds_demo_data().await? {
        return Ok(());
    }
    let mut forms = Vec::new();
    for src in FORMS {
        let def = FormDefinition::from_json(src).context("demo form definition")?;
        let id = store
            .create_form(&NewForm {
                key: def.id.clone(),
                version: i32::try_from(def.version).unwrap_or(1),
                definition: (*src).to_owned(),
                demo: true,
            })
            .await?;
        forms.push((def.id, id));
    }
    // One hash for every demo account: the password is public anyway, and start-up stays fast.
    let hash = tokio::task::spawn_blocking(|| crate::auth::password::hash(PASSWORD)).await??;
    for demo in TENANTS {
        let slug = demo.slug;
        let tenant = store
            .create_tenant(&NewTenant {
                slug: slug.to_owned(),
                name: demo.name.to_owned(),
                code: demo.code.to_owned(),
                profile: demo.profile()?,
                demo: true,
            })
            .await?;
        for (form_key, form_id) in &forms {
            if offers(slug, form_key) {
                store
                    .create_service(
                        tenant.id,
                        &NewService {
                            slug: form_key.clone(),
                            form_id: *form_id,
                        },
                    )
                    .await?;
            }
        }
        if let Some((_, Some((first, further, dangerous)))) =
            DOG_TAX_RATES.iter().find(|(s, _)| *s == slug)
        {
            let rates: ParameterChanges = [
                ("steuer_erster_hund", first),
                ("steuer_weiterer_hund", further),
                ("steuer_gefaehrlicher_hund", dangerous),
            ]
            .into_iter()
            .map(|(id, cents)| (id.to_owned(), Some(serde_json::json!(cents))))
            .collect();
            store
                .set_form_parameters(tenant.id, "hundesteuer-anmeldung", &rates, None)
                .await?;
        }
        for (prefix, kind) in [("clerk", RoleKind::Clerk), ("admin", RoleKind::TenantAdmin)] {
            store
                .create_staff(&NewStaff {
                    username: format!("{prefix}.{slug}"),
                    password_hash: hash.clone(),
                    roles: vec![Role {
                        kind,
                        tenant: Some(tenant.id),
                    }],
                    demo: true,
                })
                .await?;
        }
    }
    store
        .create_staff(&NewStaff {
            username: "federation.admin".to_owned(),
            password_hash: hash,
            roles: vec![Role {
                kind: RoleKind::FederationAdmin,
                tenant: None,
            }],
            demo: true,
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_demo_municipality_has_a_complete_profile_with_its_own_readable_colour() {
        let mut colours = std::collections::HashSet::new();
        for t in TENANTS {
            let p = t.profile().unwrap();
            assert!(
                store::contrast_ratio(p.accent_colour.rgb(), store::Rgb::WHITE) >= 4.5,
                "{}",
                t.name
            );
            assert!(
                colours.insert(p.accent_colour),
                "{} repeats a colour",
                t.name
            );
            assert!(p.feedback_email.ends_with("@example.org"), "{}", t.name);
            assert!(p.feedback_phone.starts_with("0361 555"), "{}", t.name);
            assert!(p.town_hall_address.contains(t.name), "{}", t.name);
            assert!(p.accessibility_reviewed_on.is_some(), "{}", t.name);
        }
    }

    #[test]
    fn the_demo_dog_tax_rates_name_parameters_the_form_declares() {
        let form = FormDefinition::from_json(FORMS[0]).unwrap();
        assert_eq!(form.id, "hundesteuer-anmeldung");
        for id in [
            "steuer_erster_hund",
            "steuer_weiterer_hund",
            "steuer_gefaehrlicher_hund",
        ] {
            assert!(form.parameter(id).is_some(), "{id}");
        }
        assert_eq!(DOG_TAX_RATES.len(), TENANTS.len());
        assert!(
            DOG_TAX_RATES
                .iter()
                .all(|(slug, _)| TENANTS.iter().any(|t| t.slug == *slug))
        );
    }

    #[test]
    fn a_demo_colour_with_too_little_contrast_stops_the_seeding_with_the_reason() {
        let pale = DemoTenant {
            accent: "#f0c000",
            ..TENANTS[0]
        };
        let err = format!("{:#}", pale.profile().unwrap_err());
        assert!(err.contains("Ellrich") && err.contains("4.5:1"), "{err}");
    }
}
