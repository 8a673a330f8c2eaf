//! Header names as a description writes them: checked, and lower case,
//! as every lookup makes them.

use super::error::DescriptionError;

/// A header's name, lower case, if it is one.
pub(super) fn header_name(name: &str) -> Result<String, DescriptionError> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if valid {
        Ok(name.to_ascii_lowercase())
    } else {
        Err(DescriptionError::new(format!("{name:?} is not a header name")))
    }
}
