//! The importer's tests, one binary: each card and control form (`cards`), and the seed
//! template's two flows imported and run (`seed`), and the cards that became the runtime's
//! pattern, list, object, random and calendar functions (`more_cards`).

mod cards;
mod common;
mod more_cards;
mod seed;
