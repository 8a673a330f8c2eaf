//! Why a description can't be used.

/// Why a description can't be used. Its text says what to fix; it never
/// quotes a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DescriptionError(String);

impl DescriptionError {
    pub(super) fn new(problem: impl Into<String>) -> Self {
        DescriptionError(problem.into())
    }
}
