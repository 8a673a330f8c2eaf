//! JSON read the way every consumer's parser reads it alike: the strict
//! body reader every scheme uses ([`reader`]), and the strict document tree
//! receeve's two copies are compared with ([`tree`]).

pub(crate) mod reader;
pub(crate) mod tree;
