//! A template's refusals ([`TemplateError`]) and a start form's ([`ValueError`]) as messages in
//! the reader's language. The domain words them in English as plain text; each known wording
//! is read back into its message key here (the English of each key is the domain's text, so
//! the API answers as before), and a wording not known here (a JSON reader's or a regular
//! expression's own words) is shown as it is inside a translated frame.

use domain::template::{TemplateError, ValueError};

use crate::i18n::Msg;
use crate::msg;

/// A problem the domain (or the editor's form) names as text, as a message.
pub fn problem(text: &str) -> Msg {
    let fixed = match text {
        "give the test a name of 1-100 characters" => Some("template-name-length"),
        "at most 2000 characters" => Some("template-description-length"),
        "a command of 1-200 characters" => Some("template-command-length"),
        "at most 100 parameters" => Some("template-too-many-parameters"),
        "a second parameter of this name" => Some("template-parameter-twice"),
        "at most 100 limits" => Some("template-too-many-limits"),
        "1-64 characters, no spaces around" => Some("template-parameter-name"),
        "at most 16 characters" => Some("template-unit-length"),
        "an integer field's bound is a whole number" => Some("template-integer-bound"),
        "a positive step (whole for an integer)" => Some("template-step"),
        "a choice needs at least one value" => Some("template-choice-empty"),
        "text with a NUL character cannot be stored" | "text with a NUL character" => {
            Some("template-nul")
        }
        "required" => Some("template-value-required"),
        "a number" => Some("template-value-number"),
        "a whole number" => Some("template-value-whole-number"),
        "text" => Some("template-value-text"),
        "true or false" => Some("template-value-boolean"),
        _ => None,
    };
    if let Some(key) = fixed {
        return Msg::new(key);
    }
    let after = |prefix: &str| text.strip_prefix(prefix).map(str::to_owned);
    if let Some(rest) = after("only ")
        && let Some((kinds, key)) = rest.split_once(" fields have a ")
    {
        let kinds = match kinds {
            "number and integer" => msg!("template-kinds-numeric"),
            "text" => msg!("template-kind-text"),
            "choice" => msg!("template-kind-choice"),
            other => msg!("template-detail", detail = other),
        };
        return msg!("template-only-kinds", kinds = kinds, key = key);
    }
    if let Some(rest) = after("max ")
        && let Some((hi, lo)) = rest.split_once(" is below min ")
    {
        return msg!("template-max-below-min", max = hi, min = lo);
    }
    if let Some(e) = after("not a regular expression: ") {
        return msg!("template-bad-pattern", detail = e);
    }
    if let Some(rest) = after("value ") {
        if let Some(i) = rest.strip_suffix(" is neither text nor a number") {
            return msg!("template-choice-kind", i = i);
        }
        if let Some(v) = rest.strip_suffix(" twice") {
            return msg!("template-choice-twice", value = v);
        }
    }
    if let Some(e) = after("not JSON: ") {
        return msg!("template-not-json", detail = e);
    }
    if let Some(t) = after("no type ") {
        return msg!("template-no-type", kind = t.trim_matches('"'));
    }
    if let Some(t) = text.strip_suffix(" is not a number") {
        return msg!("template-not-a-number", value = t.trim_matches('"'));
    }
    if let Some(n) = after("at least ") {
        return msg!("template-value-at-least", bound = n);
    }
    if let Some(n) = after("at most ")
        && let Some(n) = n.strip_suffix(" characters")
    {
        return msg!("template-value-text-length", n = n);
    }
    if let Some(n) = after("at most ") {
        return msg!("template-value-at-most", bound = n);
    }
    if let Some(s) = after("in steps of ") {
        return msg!("template-value-steps", step = s);
    }
    if let Some(p) = after("must match ") {
        return msg!("template-value-pattern", pattern = p);
    }
    if let Some(e) = after("the pattern is unusable: ") {
        return msg!("template-value-pattern-unusable", detail = e);
    }
    if let Some(list) = after("one of ") {
        return msg!("template-value-one-of", list = list);
    }
    if let Some(rest) = after("the test ")
        && let Some((test, name)) = rest.split_once(" has no parameter ")
    {
        return msg!(
            "template-value-no-such-parameter",
            test = test.trim_matches('"'),
            name = name.trim_matches('"')
        );
    }
    msg!("template-detail", detail = text)
}

/// A template's refusal with its place: `place: problem`.
pub fn template_error(e: &TemplateError) -> Msg {
    msg!(
        "template-place-problem",
        place = &e.place,
        problem = problem(&e.problem)
    )
}

/// A start form's refused value, as shown next to its field.
pub fn value_error(e: &ValueError) -> Msg {
    problem(&e.message)
}

/// The refusals of [`domain::template::Template::values`] as one message naming each field
/// (the API's answer; English as [`super::fields::refusals`] words it).
pub fn refusals(errors: &[ValueError]) -> Msg {
    let each = errors
        .iter()
        .map(|e| {
            msg!(
                "template-field-problem",
                field = &e.field,
                problem = value_error(e)
            )
        })
        .reduce(|first, second| msg!("template-problems-joined", first = first, second = second))
        .unwrap_or_else(|| msg!("template-detail", detail = ""));
    msg!("template-values-refused", problems = each)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_domains_wordings_are_read_back_with_the_same_english() {
        for text in [
            "give the test a name of 1-100 characters",
            "only number and integer fields have a unit",
            "only text fields have a pattern",
            "max 1 is below min 5",
            "value 2 is neither text nor a number",
            "value \"x\" twice",
            "not a regular expression: regex parse error",
            "at least 0.5 g",
            "at most 5",
            "at most 500 characters",
            "in steps of 2 mm",
            "must match [a-z]+",
            "one of 1, 2, \"x\"",
            "required",
            "something new",
        ] {
            let m = problem(text);
            assert_eq!(m.english(), text, "{}", m.key());
        }
        assert_eq!(problem("required").key(), "template-value-required");
        assert_eq!(problem("something new").key(), "template-detail");
        let e = problem("the test \"vib\" has no parameter \"x\"");
        assert_eq!(e.english(), "the test \"vib\" has no parameter \"x\"");
        assert_eq!(problem("no type \"list\"").english(), "no type \"list\"");
        assert_eq!(
            problem("\"x\" is not a number").english(),
            "\"x\" is not a number"
        );
    }

    #[test]
    fn refusals_read_in_danish() {
        use crate::i18n::{DEFAULT_TIME_ZONE, Lang, Tr};
        let da = Tr::new(Lang::Da, DEFAULT_TIME_ZONE);
        assert_eq!(da.msg(&problem("required")), "skal udfyldes");
        assert_eq!(da.msg(&problem("at most 60 s")), "højst 60 s");
        assert_eq!(
            da.msg(&problem("only text fields have a pattern")),
            "kun tekstfelter har pattern"
        );
        let errors = [ValueError {
            field: "duration".into(),
            message: "at least 1 s".into(),
        }];
        assert_eq!(
            refusals(&errors).english(),
            "parameter values refused: duration: at least 1 s"
        );
        assert_eq!(
            da.msg(&refusals(&errors)),
            "parameterværdier afvist: duration: mindst 1 s"
        );
    }
}
