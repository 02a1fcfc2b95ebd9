//! The Okta Workflows export reader and translator (`flow-import`): on any bytes, reading
//! never panics and says why in one line; an export that reads translates without a
//! panic, and every flow file it gives is YAML the runtime's parser reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match flow_import::parse_export(data) {
        Err(why) => assert!(!why.0.contains('\n'), "{why}"),
        Ok(export) => {
            for (name, text, _) in flow_import::translate(&export, "fuzz.flopack") {
                assert!(name.ends_with(".yaml"));
                if text.len() < connector_runtime::flows::MAX_FLOW_BYTES {
                    if let Err(errors) = connector_runtime::flows::parse(&text) {
                        // Nesting and node bounds are the parser's limits, not a broken file.
                        let bounded = errors.iter().all(|e| {
                            e.message.contains("nest") || e.message.contains("nodes")
                        });
                        assert!(bounded, "{name} does not parse: {errors:?}\n{text}");
                    }
                }
            }
        }
    }
});
