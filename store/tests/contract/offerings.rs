//! Contract stories of setting up a real installation without the demo: a federation
//! administrator's municipality profile edits, and offering a stored form as a municipality's
//! service (docs/admin.md), run on both backends through `contract!` in `contract.rs`.

use store::{AccentColour, FormScope, NewService, Store, StoreError, TenantProfile};

use super::harness::Db;
use super::{assert_conflict, new_form, profile, tenant};

fn assert_foreign<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::ForeignForm) => {}
        other => panic!("expected ForeignForm, got {other:?}"),
    }
}

async fn service_slugs(store: &dyn Store, tenant: store::TenantId) -> Vec<String> {
    store
        .services(tenant)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.slug)
        .collect()
}

/// A municipality offers a shared form once, as its newest version, under an address of its
/// own; the same address or the same form again is refused, and another municipality is not
/// touched.
pub async fn a_shared_form_is_offered_once_as_its_newest_version(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    store
        .create_form(&new_form("hunde", 1, false))
        .await
        .unwrap();
    let v2 = store
        .create_form(&new_form("hunde", 2, false))
        .await
        .unwrap();
    let trade = store
        .create_form(&new_form("gewerbe", 1, false))
        .await
        .unwrap();

    let offered = store
        .offer_form(a.id, "hundesteuer", "hunde", FormScope::All)
        .await
        .unwrap()
        .expect("the key is stored");
    assert_eq!(offered.form_id, v2, "the newest version");
    assert_eq!(offered.tenant_id, a.id);
    assert_eq!(
        store.service(a.id, "hundesteuer").await.unwrap(),
        Some(offered.clone())
    );

    assert_conflict(
        store
            .offer_form(a.id, "hunde-zwei", "hunde", FormScope::All)
            .await,
        "form already offered",
    );
    assert_conflict(
        store
            .offer_form(a.id, "hundesteuer", "gewerbe", FormScope::Tenant(a.id))
            .await,
        "service slug",
    );
    assert_eq!(
        store
            .offer_form(a.id, "unbekannt", "unbekannt", FormScope::All)
            .await
            .unwrap(),
        None,
        "no such key"
    );
    assert_eq!(service_slugs(store, a.id).await, ["hundesteuer"]);
    assert!(service_slugs(store, b.id).await.is_empty(), "B untouched");

    // B's own admin offers the same shared form under the same address: addresses are per
    // municipality.
    let in_b = store
        .offer_form(b.id, "hundesteuer", "hunde", FormScope::Tenant(b.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_b.form_id, v2);
    let gewerbe = store
        .offer_form(b.id, "gewerbe", "gewerbe", FormScope::Tenant(b.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(gewerbe.form_id, trade);
    assert_eq!(service_slugs(store, b.id).await, ["gewerbe", "hundesteuer"]);
    assert_eq!(service_slugs(store, a.id).await, ["hundesteuer"]);
}

/// A form a municipality's admin published belongs to that municipality: no other
/// municipality offers it, neither through its own admin nor through a federation admin nor
/// by id, and an admin acting for one municipality cannot offer in another.
pub async fn a_municipalitys_own_form_is_offered_only_by_it(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let own = store
        .publish_form(&new_form("eigen", 1, false), FormScope::Tenant(a.id))
        .await
        .unwrap();

    assert_foreign(
        store
            .offer_form(b.id, "eigen", "eigen", FormScope::Tenant(b.id))
            .await,
    );
    assert_foreign(
        store
            .offer_form(b.id, "eigen", "eigen", FormScope::All)
            .await,
    );
    assert_foreign(
        store
            .create_service(
                b.id,
                &NewService {
                    slug: "eigen".into(),
                    form_id: own.id,
                },
            )
            .await,
    );
    // Acting for A, in B.
    assert_foreign(
        store
            .offer_form(b.id, "eigen", "eigen", FormScope::Tenant(a.id))
            .await,
    );
    assert!(
        service_slugs(store, b.id).await.is_empty(),
        "nothing written"
    );

    let mine = store
        .offer_form(a.id, "eigen", "eigen", FormScope::Tenant(a.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mine.form_id, own.id);

    // A federation admin publishes a version for everyone: B may now offer it through a
    // federation admin, but B's own admin still not, since older versions are A's.
    let shared = store
        .publish_form(&new_form("eigen", 2, false), FormScope::All)
        .await
        .unwrap();
    assert_foreign(
        store
            .offer_form(b.id, "eigen", "eigen", FormScope::Tenant(b.id))
            .await,
    );
    let in_b = store
        .offer_form(b.id, "eigen", "eigen", FormScope::All)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_b.form_id, shared.id);
}

/// An administrator changes a municipality's name and profile; its slug and code stay, and
/// another municipality is not touched.
pub async fn a_municipalitys_name_and_profile_are_updated_and_no_other(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let changed = TenantProfile {
        accent_colour: AccentColour::parse("#1d4f91").unwrap(),
        feedback_email: "barrierefrei@aach.example".into(),
        feedback_phone: "07771 100".into(),
        town_hall_address: "Rathaus Aach\nHauptstraße 16\n78267 Aach".into(),
        imprint_url: None,
        privacy_url: None,
        accessibility_reviewed_on: None,
    };
    assert!(
        store
            .update_tenant(a.id, "Stadt Aach", &changed)
            .await
            .unwrap()
    );
    let read = store.tenant_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(read.name, "Stadt Aach");
    assert_eq!(read.profile, changed);
    assert_eq!((read.slug.as_str(), read.code.as_str()), ("aach", "AAC"));
    let other = store.tenant_by_id(b.id).await.unwrap().unwrap();
    assert_eq!(other, b, "B untouched");
    assert_eq!(other.profile, profile("bebra"));

    // Back to every optional part given, and an unknown municipality.
    assert!(
        store
            .update_tenant(a.id, "Aach", &profile("aach"))
            .await
            .unwrap()
    );
    assert_eq!(
        store.tenant_by_id(a.id).await.unwrap().unwrap().profile,
        profile("aach")
    );
    assert!(
        !store
            .update_tenant(store::TenantId(i64::MAX), "Niemand", &changed)
            .await
            .unwrap()
    );
}
