//! Contract stories of staff accounts managed by administrators, and of staff identity
//! providers per municipality (issue 5 item 5), run on both backends through `contract!` in
//! `contract.rs`.

use store::{NewStaff, Role, RoleKind, TenantId};

use super::harness::Db;
use super::{clerk_of, cookie, oidc_staff, tenant};

fn admin_of(tenant: TenantId) -> Role {
    Role {
        kind: RoleKind::TenantAdmin,
        tenant: Some(tenant),
    }
}

/// A provider whose roles an administrator assigns: the first login only records the account
/// (no role, no session); once an administrator gave it a role, the next login keeps that
/// role and starts a session with the login's amr and ID token.
pub async fn an_administrator_assigns_the_roles_a_login_keeps(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let mut first = oidc_staff("karl-sub", "karl@aach.example", Vec::new(), "k0", "k1");
    first.roles = None;
    first.key_hash = None;
    first.provider_tenant = Some(a.id);
    let id = store.oidc_staff_login(&first).await.unwrap();
    let karl = store
        .staff_by_subject(&first.subject)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(karl.id, id);
    assert!(karl.roles.is_empty());
    assert!(karl.oidc);
    assert_eq!(karl.oidc_tenant, Some(a.id));
    assert_eq!(store.session(&cookie("k1")).await.unwrap(), None);
    let listed: Vec<_> = store
        .staff_accounts(a.id, false)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(
        listed,
        vec![id],
        "the municipality's administrator sees the new account"
    );

    assert!(
        store
            .set_tenant_roles(a.id, id, &[RoleKind::Clerk, RoleKind::FederationAdmin])
            .await
            .unwrap()
    );
    let karl = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        karl.roles,
        vec![clerk_of(&a)],
        "a federation role is never set here"
    );

    let mut second = oidc_staff("karl-sub", "karl@aach.example", Vec::new(), "k1", "k2");
    second.roles = None;
    second.provider_tenant = Some(a.id);
    assert_eq!(store.oidc_staff_login(&second).await.unwrap(), id);
    let karl = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(
        karl.roles,
        vec![clerk_of(&a)],
        "the login keeps the assigned role"
    );
    let session = store.session(&cookie("k2")).await.unwrap().unwrap();
    assert_eq!(session.staff_id, Some(id));
    let oidc = session.staff_oidc.expect("an identity provider's session");
    assert_eq!(oidc.amr, vec!["pwd".to_owned(), "otp".to_owned()]);
    assert_eq!(oidc.id_token.as_deref(), Some("id-token-k2"));

    // Both roles, then none: each call replaces the account's roles in the municipality.
    assert!(
        store
            .set_tenant_roles(a.id, id, &[RoleKind::TenantAdmin, RoleKind::Clerk])
            .await
            .unwrap()
    );
    let karl = store.staff_by_id(id).await.unwrap().unwrap();
    assert_eq!(karl.roles, vec![clerk_of(&a), admin_of(a.id)]);
    assert!(store.set_tenant_roles(a.id, id, &[]).await.unwrap());
    assert!(
        store
            .staff_by_id(id)
            .await
            .unwrap()
            .unwrap()
            .roles
            .is_empty()
    );
    assert!(
        !store
            .set_tenant_roles(a.id, store::StaffId(id.0 + 1000), &[RoleKind::Clerk])
            .await
            .unwrap(),
        "an unknown account"
    );
}

/// Cross-tenant: an account of one municipality's provider is listed and changed only by
/// that municipality; setting roles in one municipality leaves the others' (and a federation
/// role) alone; accounts without any role are listed only when asked for (federation
/// administrators).
pub async fn other_tenant_cannot_see_or_change_its_staff_accounts(db: Db) {
    let store = &*db.store;
    let a = tenant(store, "aach", "AAC").await;
    let b = tenant(store, "bebra", "BEB").await;
    let mut own = oidc_staff("uta-sub", "uta@aach.example", Vec::new(), "u0", "u1");
    own.roles = None;
    own.provider_tenant = Some(a.id);
    let uta = store.oidc_staff_login(&own).await.unwrap();
    let mut pending = oidc_staff("new-sub", "neu@kreis.example", Vec::new(), "n0", "n1");
    pending.roles = None;
    pending.key_hash = None;
    let neu = store.oidc_staff_login(&pending).await.unwrap();
    let federation = Role {
        kind: RoleKind::FederationAdmin,
        tenant: None,
    };
    let lena = store
        .create_staff(&NewStaff {
            username: "lena".into(),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            roles: vec![clerk_of(&a), clerk_of(&b), federation],
            demo: false,
        })
        .await
        .unwrap();
    let ids = |accounts: Vec<store::StaffUser>| accounts.into_iter().map(|s| s.id).collect();
    let listed_b: Vec<_> = ids(store.staff_accounts(b.id, false).await.unwrap());
    assert_eq!(listed_b, vec![lena]);
    let listed_b_all: Vec<_> = ids(store.staff_accounts(b.id, true).await.unwrap());
    assert_eq!(listed_b_all, vec![lena, neu]);
    let listed_a: Vec<_> = ids(store.staff_accounts(a.id, false).await.unwrap());
    assert_eq!(listed_a, vec![lena, uta]);

    assert!(
        !store
            .set_tenant_roles(b.id, uta, &[RoleKind::TenantAdmin])
            .await
            .unwrap(),
        "another municipality's provider account"
    );
    assert!(
        store
            .staff_by_id(uta)
            .await
            .unwrap()
            .unwrap()
            .roles
            .is_empty()
    );
    assert!(
        !store
            .set_tenant_roles(TenantId(a.id.0 + b.id.0 + 1000), lena, &[RoleKind::Clerk])
            .await
            .unwrap(),
        "a municipality that does not exist"
    );

    assert!(
        store
            .set_tenant_roles(b.id, lena, &[RoleKind::TenantAdmin])
            .await
            .unwrap()
    );
    let lena_now = store.staff_by_id(lena).await.unwrap().unwrap();
    assert_eq!(
        lena_now.roles,
        vec![federation, clerk_of(&a), admin_of(b.id)],
        "only the roles in that municipality changed"
    );
    assert!(
        store
            .set_tenant_roles(b.id, neu, &[RoleKind::Clerk])
            .await
            .unwrap()
    );
    let listed_b: Vec<_> = ids(store.staff_accounts(b.id, false).await.unwrap());
    assert_eq!(listed_b, vec![lena, neu]);
    let listed_a_all: Vec<_> = ids(store.staff_accounts(a.id, true).await.unwrap());
    assert_eq!(
        listed_a_all,
        vec![lena, uta],
        "an account with a role elsewhere is not unassigned"
    );
}
