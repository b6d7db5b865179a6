//! The demo federation: four municipalities of the Kyffhäuser/Nordhausen area, three
//! services from form definitions in `portal/demo/forms/`, and staff accounts with the
//! password `demo`. Seeded only in demo mode, and only into a database without real data.

use anyhow::Context;
use forms::FormDefinition;
use store::{NewForm, NewService, NewStaff, NewTenant, Role, RoleKind, Store};

pub const TENANTS: &[(&str, &str, &str)] = &[
    ("ellrich", "Ellrich", "ELL"),
    ("heringen-helme", "Heringen/Helme", "HEH"),
    ("werther", "Werther", "WER"),
    ("kyffhaeuserland", "Kyffhäuserland", "KYF"),
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
    for (slug, name, code) in TENANTS {
        let tenant = store
            .create_tenant(&NewTenant {
                slug: (*slug).to_owned(),
                name: (*name).to_owned(),
                code: (*code).to_owned(),
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
