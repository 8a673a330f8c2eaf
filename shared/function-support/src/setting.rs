//! The one reader of a setting's value. Every function reads its settings
//! through [`value`], so that a blank variable means what an unset one
//! does everywhere, and through a lookup rather than the process
//! environment itself, so that tests pass settings of their own (parallel
//! tests share one environment).

/// The process environment as a settings lookup: what production reads,
/// where tests pass a lookup of their own. A variable that isn't Unicode
/// reads as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A setting's value as `lookup` gives it, trimmed: `None` when unset or
/// blank, which every setting treats alike.
pub fn value(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_setting_is_an_unset_one_and_values_are_trimmed() {
        let lookup = |name: &str| match name {
            "BLANK" => Some(" \n".to_owned()),
            "PADDED" => Some(" kaunt\n".to_owned()),
            _ => None,
        };
        assert_eq!(value(&lookup, "BLANK"), None);
        assert_eq!(value(&lookup, "UNSET"), None);
        assert_eq!(value(&lookup, "PADDED").as_deref(), Some("kaunt"));
    }
}
