//! [`Lang`], the languages of the pages, and [`negotiate`]: which one a request gets.

/// A language the pages are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Danish.
    Da,
    /// English with every translated message marked `⟦…⟧` (tests only: `PSEUDO_LOCALE`).
    Pseudo,
}

impl Lang {
    /// The languages a user can choose.
    pub const CHOICES: [Lang; 2] = [Lang::Da, Lang::En];

    /// Its code (`da`, `en`; the pseudo-locale's is `qps`), as stored and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Da => "da",
            Self::Pseudo => "qps",
        }
    }

    /// `da` or `en` (any case, with or without a region).
    pub fn parse(code: &str) -> Option<Self> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "da" => Some(Self::Da),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// The language of a request: the user's choice, else the first language of the browser's
/// `Accept-Language` (by its `q` weights) that the pages have, else `default`. With
/// `pseudo`, the tag `qps` (as in `qps-ploc`) asks for the pseudo-locale.
pub fn negotiate(
    user: Option<Lang>,
    accept_language: Option<&str>,
    default: Lang,
    pseudo: bool,
) -> Lang {
    if let Some(lang) = user {
        return lang;
    }
    let Some(header) = accept_language else {
        return default;
    };
    let mut wanted: Vec<(f32, usize, &str)> = header
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    wanted
        .into_iter()
        .find_map(|(_, _, tag)| {
            if pseudo && tag.to_ascii_lowercase().starts_with("qps") {
                return Some(Lang::Pseudo);
            }
            Lang::parse(tag)
        })
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_choice_wins_then_the_browser_then_the_default() {
        let n = |user, header, default| negotiate(user, header, default, false);
        assert_eq!(n(Some(Lang::Da), Some("en"), Lang::En), Lang::Da);
        assert_eq!(n(None, Some("da-DK,da;q=0.9,en;q=0.8"), Lang::En), Lang::Da);
        assert_eq!(n(None, Some("en-GB,en;q=0.9,da;q=0.8"), Lang::Da), Lang::En);
        assert_eq!(
            n(None, Some("de-DE, da;q=0.5, en;q=0.7"), Lang::Da),
            Lang::En
        );
        assert_eq!(n(None, Some("de, fr"), Lang::Da), Lang::Da);
        assert_eq!(n(None, Some("da;q=0, en;q=bad"), Lang::Da), Lang::Da);
        assert_eq!(n(None, None, Lang::Da), Lang::Da);
        assert_eq!(
            n(None, Some("qps-ploc"), Lang::En),
            Lang::En,
            "pseudo is off"
        );
        assert_eq!(
            negotiate(None, Some("qps-ploc"), Lang::En, true),
            Lang::Pseudo
        );
    }

    #[test]
    fn codes_parse_with_regions_and_case() {
        assert_eq!(Lang::parse("DA-dk"), Some(Lang::Da));
        assert_eq!(Lang::parse("en_US"), Some(Lang::En));
        assert_eq!(Lang::parse("sv"), None);
        assert_eq!(Lang::parse(""), None);
    }
}
