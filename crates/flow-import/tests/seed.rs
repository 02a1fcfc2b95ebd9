//! The seed template's export ("Intro to Custom API Actions"), card by card.

mod common;

use common::{Temp, cards, seed};

#[test]
fn the_seed_imports_whole() {
    let out = Temp::new("seed");
    let import = flow_import::import(&[seed()], &out.0, cards);
    for (name, text) in import.files() {
        println!("=== {name}\n{text}");
    }
    assert!(import.report.all_written(), "{}", import.report.as_text());
}
