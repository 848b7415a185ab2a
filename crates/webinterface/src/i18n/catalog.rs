//! The Fluent bundles, loaded once from the embedded `locales/` files, and the lookup: a
//! message missing in Danish falls back to English; one missing in English shows its key
//! (and is logged), which the pseudo-locale test catches since a key is never marked.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

use super::lang::Lang;

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

type Bundle = FluentBundle<FluentResource>;

struct Catalog {
    en: Bundle,
    da: Bundle,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| Catalog {
    en: bundle("en"),
    da: bundle("da"),
});

fn bundle(lang: &str) -> Bundle {
    let id = lang.parse().expect("a valid language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the pages are left-to-right HTML.
    bundle.set_use_isolating(false);
    for (_, name, text) in FILES.iter().filter(|(l, _, _)| *l == lang) {
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(file = %format!("locales/{lang}/{name}"), ?errors, "translation file has syntax errors; the rest of it is used");
            partial
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = %format!("locales/{lang}/{name}"), ?errors, "translation file repeats messages");
        }
    }
    bundle
}

/// The start and end marks of a message in the pseudo-locale.
pub const PSEUDO_MARKS: (char, char) = ('⟦', '⟧');

/// Message `key` in `lang` with `args`.
pub(super) fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let catalog = &*CATALOG;
    let first = match lang {
        Lang::Da => &catalog.da,
        Lang::En | Lang::Pseudo => &catalog.en,
    };
    let found = [first, &catalog.en]
        .into_iter()
        .find_map(|b| b.get_message(key).and_then(|m| m.value()).map(|p| (b, p)));
    let Some((bundle, pattern)) = found else {
        tracing::warn!(key, "no such message in the translations");
        return key.to_owned();
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "translation could not be formatted in full");
    }
    match lang {
        Lang::Pseudo => format!("{}{text}{}", PSEUDO_MARKS.0, PSEUDO_MARKS.1),
        Lang::En | Lang::Da => text.into_owned(),
    }
}

/// The message keys of one language's files (`da`, `en`), for the test that both have the same.
pub fn keys(lang: &str) -> BTreeSet<String> {
    FILES
        .iter()
        .filter(|(l, _, _)| *l == lang)
        .flat_map(|(_, _, text)| {
            let resource = match FluentResource::try_new((*text).to_owned()) {
                Ok(r) | Err((r, _)) => r,
            };
            resource
                .entries()
                .filter_map(|e| match e {
                    fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                    fluent_syntax::ast::Entry::Term(t) => Some(format!("-{}", t.id.name)),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
}
