//! Contract stories of the citizen login's review leftovers (issue 5), run on both backends
//! through `contract!` in `contract.rs`: a login takes along only the draft it was begun
//! from, and a case records the trust level of the login it was submitted with.

use payments::{Cents, FeeItem};
use serde_json::json;
use store::{CaseFee, LoginKind, NewCitizenSession, Store};
use uuid::Uuid;

use super::harness::Db;
use super::{
    case_from_draft, citizen_login, cookie, in_one_hour, login_flow, new_case, new_draft,
    new_session, state, tenant_with_service, token,
};

/// Browser `browser` logs in as the citizen `sub`, the login begun from `draft`; returns the
/// citizen's owner hash.
async fn log_in_from(store: &dyn Store, browser: &str, sub: &str, draft: Option<Uuid>) -> String {
    let flow = login_flow(&state(&format!("{sub} in {browser}")), browser);
    store.begin_login(&flow).await.unwrap();
    assert!(
        store
            .take_login_flow(&flow.state_hash, browser, LoginKind::Citizen)
            .await
            .unwrap()
            .is_some()
    );
    let login = citizen_login(sub);
    let owner = login.owner.clone();
    store
        .complete_login(
            browser,
            &NewCitizenSession {
                key_hash: cookie(&format!("{sub} after login in {browser}")),
                login,
                expires_at: in_one_hour(),
                draft,
            },
        )
        .await
        .unwrap();
    owner
}

/// A library computer: X began an application without logging in, saved it (and was shown
/// its resume link), and left. Y, in the same browser, begins her own and logs in from it:
/// only Y's draft passes to her. X's draft is not Y's, and X's link still opens it.
pub async fn a_login_takes_along_only_the_draft_it_was_begun_from(db: Db) {
    let store = &*db.store;
    let (a, service) = tenant_with_service(store, "aach", "AAC").await;
    let library = cookie("library computer");
    let x = new_draft(&service, &library, json!({"vorname": "Xaver"}));
    let y = new_draft(&service, &library, json!({"vorname": "Yvonne"}));
    for draft in [&x, &y] {
        store.create_draft(a.id, draft).await.unwrap();
    }
    for (draft, link) in [(&x, "x-link"), (&y, "y-link")] {
        assert!(
            store
                .set_resume_token(a.id, draft.id, &library, &token(link))
                .await
                .unwrap()
        );
    }

    let yvonne = log_in_from(store, &library, "yvonne-sub", Some(y.id)).await;

    // Y's draft is hers, and opens only with her login now.
    let mine = store.draft(a.id, y.id, &yvonne).await.unwrap().unwrap();
    assert_eq!(mine.answers, y.answers);
    assert_eq!(
        store
            .claim_draft(a.id, &token("y-link"), &cookie("anyone"))
            .await
            .unwrap(),
        None
    );
    let listed: Vec<Uuid> = store
        .citizen_drafts(&yvonne)
        .await
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(listed, [y.id], "Meine Anträge lists only Y's draft");

    // X's draft is not Y's: it stays where it was, and X's link hands it to X's browser.
    assert_eq!(store.draft(a.id, x.id, &yvonne).await.unwrap(), None);
    assert!(store.draft(a.id, x.id, &library).await.unwrap().is_some());
    let at_home = cookie("xaver at home");
    let resumed = store
        .claim_draft(a.id, &token("x-link"), &at_home)
        .await
        .unwrap()
        .expect("X's resume link still works");
    assert_eq!(resumed.id, x.id);
    assert_eq!(resumed.answers, x.answers);
    assert_eq!(resumed.owner, at_home);
}

/// A login names a draft only to take it from this browser: a draft of another browser (or
/// none at all) passes to nobody.
pub async fn a_login_never_takes_another_browsers_draft(db: Db) {
    let store = &*db.store;
    let (a, service) = tenant_with_service(store, "aach", "AAC").await;
    let home = cookie("max at home");
    let maxs = new_draft(&service, &home, json!({"vorname": "Max"}));
    store.create_draft(a.id, &maxs).await.unwrap();
    let shared = cookie("shared computer");
    let left = new_draft(&service, &shared, json!({"vorname": "Erika"}));
    store.create_draft(a.id, &left).await.unwrap();

    // The way back named Max's draft (a link copied from somewhere): it stays Max's.
    let mallory = log_in_from(store, &shared, "mallory-sub", Some(maxs.id)).await;
    assert_eq!(store.draft(a.id, maxs.id, &mallory).await.unwrap(), None);
    assert!(store.draft(a.id, maxs.id, &home).await.unwrap().is_some());
    // Nor did the browser's own draft pass, which the way back did not name.
    assert_eq!(store.draft(a.id, left.id, &mallory).await.unwrap(), None);
    assert!(store.draft(a.id, left.id, &shared).await.unwrap().is_some());

    // A login from no draft at all (e.g. from "Meine Anträge") takes nothing either.
    let erika = log_in_from(store, &home, "erika-sub", None).await;
    assert_eq!(store.draft(a.id, maxs.id, &erika).await.unwrap(), None);
    assert!(store.draft(a.id, maxs.id, &home).await.unwrap().is_some());
    assert!(store.citizen_drafts(&erika).await.unwrap().is_empty());
    assert!(store.citizen_drafts(&mallory).await.unwrap().is_empty());
}

fn fee(cents: i64, pay_later: bool) -> CaseFee {
    CaseFee {
        amount: Cents(cents),
        currency: "EUR".into(),
        items: vec![FeeItem {
            description: "Gebühr".into(),
            quantity: 1,
            unit_amount: Cents(cents),
        }],
        pay_later,
    }
}

/// Each way of submitting writes the login's level with the case (free, from a draft, with a
/// fee to pay now or later); a case without a login has none; a level the portal does not
/// know is refused and writes nothing.
pub async fn a_case_records_the_login_level_it_was_submitted_with(db: Db) {
    let store = &*db.store;
    let (a, service) = tenant_with_service(store, "aach", "AAC").await;
    let erika = citizen_login("erika-sub").owner;

    let anonymous = new_case(&service, "AAC-2026-LVL00", Some("anonymous browser"));
    store
        .submit_case(a.id, &anonymous, Some(&new_session("anonymous browser")))
        .await
        .unwrap();

    let low = store::NewCase {
        login_level: Some("low".into()),
        ..new_case(&service, "AAC-2026-LVL01", Some(&erika))
    };
    store.submit_case(a.id, &low, None).await.unwrap();

    let draft = new_draft(&service, &erika, json!({"vorname": "Erika"}));
    store.create_draft(a.id, &draft).await.unwrap();
    let substantial = store::NewCase {
        login_level: Some("substantial".into()),
        ..case_from_draft(&service, "AAC-2026-LVL02", draft.id, &erika)
    };
    store.submit_case(a.id, &substantial, None).await.unwrap();

    let high = store::NewCase {
        login_level: Some("high".into()),
        ..new_case(&service, "AAC-2026-LVL03", Some(&erika))
    };
    store
        .submit_case_with_fee(a.id, &high, &fee(3500, false), None)
        .await
        .unwrap();
    let later = store::NewCase {
        login_level: Some("substantial".into()),
        ..new_case(&service, "AAC-2026-LVL04", Some(&erika))
    };
    store
        .submit_case_with_fee(a.id, &later, &fee(1200, true), None)
        .await
        .unwrap();

    for (case, level) in [
        (&anonymous, None),
        (&low, Some("low")),
        (&substantial, Some("substantial")),
        (&high, Some("high")),
        (&later, Some("substantial")),
    ] {
        let stored = store.case(a.id, case.id).await.unwrap().unwrap();
        assert_eq!(stored.login_level.as_deref(), level, "{}", case.reference);
        let submitter = case.submitter_session.as_deref().unwrap();
        let seen = store
            .case_for_submitter(a.id, case.id, submitter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.login_level.as_deref(), level, "{}", case.reference);
    }

    let cases = store.count_cases(a.id).await.unwrap();
    let unknown = store::NewCase {
        login_level: Some("very high".into()),
        ..new_case(&service, "AAC-2026-LVL05", Some(&erika))
    };
    assert!(store.submit_case(a.id, &unknown, None).await.is_err());
    assert_eq!(store.case(a.id, unknown.id).await.unwrap(), None);
    assert_eq!(store.count_cases(a.id).await.unwrap(), cases);
}
