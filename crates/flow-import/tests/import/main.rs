//! The importer's tests, one binary: each card and control form (`cards`), and the seed
//! template's two flows imported and run (`seed`).

mod cards;
mod common;
mod seed;
