//! Every user-facing text comes from the Fluent files in `portal/locales/{de,en}/`.
//! German is the default; English is prepared and falls back to German key by key.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "de",
        // No Unicode isolation marks around arguments: they would end up in <title> and values.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

// The loader reads every `.ftl` file of a language folder at compile time, but cargo does not
// know; including them here makes an edit rebuild the crate, and gives the key lists below.
// A new Fluent file is added to both lists.
const GERMAN: &[&str] = &[
    include_str!("../../locales/de/main.ftl"),
    include_str!("../../locales/de/journey.ftl"),
    include_str!("../../locales/de/fields.ftl"),
    include_str!("../../locales/de/admin.ftl"),
    include_str!("../../locales/de/demo_op.ftl"),
    include_str!("../../locales/de/login.ftl"),
    include_str!("../../locales/de/staff_login.ftl"),
    include_str!("../../locales/de/payment.ftl"),
    include_str!("../../locales/de/delivery.ftl"),
];
const ENGLISH: &[&str] = &[
    include_str!("../../locales/en/main.ftl"),
    include_str!("../../locales/en/journey.ftl"),
    include_str!("../../locales/en/fields.ftl"),
    include_str!("../../locales/en/admin.ftl"),
    include_str!("../../locales/en/demo_op.ftl"),
    include_str!("../../locales/en/login.ftl"),
    include_str!("../../locales/en/staff_login.ftl"),
    include_str!("../../locales/en/payment.ftl"),
    include_str!("../../locales/en/delivery.ftl"),
];

static DE: LanguageIdentifier = langid!("de");
static EN: LanguageIdentifier = langid!("en");

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    De,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "de" => Some(Self::De),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::De => &DE,
            Self::En => &EN,
        }
    }

    /// The text for `key`. Texts without arguments are formatted once per language and kept,
    /// so a page pays a hash lookup per text, not a Fluent formatting run.
    pub fn t(self, key: &str) -> &'static str {
        let cache = match self {
            Self::De => &CACHE_DE,
            Self::En => &CACHE_EN,
        };
        let cache = cache.get_or_init(|| plain_messages(self));
        match cache.get(key) {
            Some(text) => text.as_str(),
            // A key with arguments, or an unknown one: Fluent's own answer, kept as well so
            // that a missing key cannot grow memory per request.
            None => missing(self, key),
        }
    }

    /// The text for `key` with Fluent arguments (`{ $name }`).
    pub fn t_args(self, key: &str, args: &[(&'static str, FluentValue<'_>)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), v.clone()))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// "Schritt 2 von 5": formatted once per language and pair of numbers and kept, like the
    /// plain texts, since every step page shows one. Pairs beyond 100 steps are formatted
    /// each time, so the kept texts stay bounded.
    pub fn step_of(self, number: usize, total: usize) -> Cow<'static, str> {
        const KEY: &str = "journey-step-of";
        let format = || {
            self.t_args(
                KEY,
                &[("number", Arg::from(number)), ("total", Arg::from(total))],
            )
        };
        if number > 100 || total > 100 {
            return Cow::Owned(format());
        }
        type Kept = std::sync::RwLock<HashMap<(Lang, usize, usize), &'static str>>;
        static KEPT: OnceLock<Kept> = OnceLock::new();
        let kept = KEPT.get_or_init(Default::default);
        let id = (self, number, total);
        if let Some(text) = kept.read().ok().and_then(|m| m.get(&id).copied()) {
            return Cow::Borrowed(text);
        }
        let text: &'static str = Box::leak(format().into_boxed_str());
        if let Ok(mut m) = kept.write() {
            m.entry(id).or_insert(text);
        }
        Cow::Borrowed(text)
    }
}

static CACHE_DE: OnceLock<HashMap<String, String>> = OnceLock::new();
static CACHE_EN: OnceLock<HashMap<String, String>> = OnceLock::new();

/// Every message of the Fluent file that formats without arguments.
fn plain_messages(lang: Lang) -> HashMap<String, String> {
    let files = match lang {
        Lang::De => GERMAN,
        Lang::En => ENGLISH,
    };
    files
        .iter()
        .flat_map(|src| message_keys(src))
        .filter_map(|key| LOCALES.try_lookup(lang.id(), &key).map(|text| (key, text)))
        .collect()
}

/// The message identifiers of a Fluent file (lines `key = ...` at the start of a line).
fn message_keys(src: &str) -> Vec<String> {
    src.lines()
        .filter(|l| !l.starts_with([' ', '#', '-']) && l.contains(" ="))
        .filter_map(|l| l.split(" =").next().map(|k| k.trim().to_owned()))
        .collect()
}

fn missing(lang: Lang, key: &str) -> &'static str {
    static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let map = MISSING.get_or_init(Default::default);
    let mut map = match map.lock() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    let id = format!("{}:{key}", lang.code());
    if let Some(text) = map.get(&id) {
        return text;
    }
    let text: &'static str = Box::leak(LOCALES.lookup(lang.id(), key).into_boxed_str());
    // Only keys from the code reach here, a fixed set: the leak is bounded.
    map.insert(id, text);
    text
}

/// Re-exported so views can build arguments without naming the Fluent crates.
pub type Arg<'a> = FluentValue<'a>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Both languages define the same keys, so no page ever shows a raw key.
    #[test]
    fn german_and_english_define_the_same_keys() {
        let keys = |files: &[&str]| -> std::collections::BTreeSet<String> {
            files.iter().flat_map(|src| message_keys(src)).collect()
        };
        let de = keys(GERMAN);
        let en = keys(ENGLISH);
        let missing_en: Vec<_> = de.difference(&en).collect();
        let missing_de: Vec<_> = en.difference(&de).collect();
        assert!(missing_en.is_empty(), "missing in en: {missing_en:?}");
        assert!(missing_de.is_empty(), "missing in de: {missing_de:?}");
        assert!(de.len() > 20);
    }

    #[test]
    fn arguments_are_filled_in_without_isolation_marks() {
        let s = Lang::De.t_args(
            "error-too-long",
            &[("label", Arg::from("Name")), ("max", Arg::from(200))],
        );
        assert!(s.contains("200"), "{s}");
        assert!(!s.contains('\u{2068}'));
    }

    #[test]
    fn the_step_counter_reads_the_same_kept_or_formatted() {
        assert_eq!(Lang::De.step_of(2, 5), "Schritt 2 von 5");
        assert_eq!(Lang::De.step_of(2, 5), "Schritt 2 von 5");
        assert_eq!(Lang::En.step_of(2, 5), "Step 2 of 5");
        assert_eq!(Lang::De.step_of(101, 120), "Schritt 101 von 120");
    }
}
