//! Arbitrary bytes as a FIM XDatenfelder message: `fim::import` must answer, never panic, and a
//! definition it produces must load with `FormDefinition::from_json` (as `fim::Imported` promises).
#![no_main]

use forms::FormDefinition;
use forms::fim::import;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(imported) = import(xml) else {
        return;
    };
    let json = serde_json::to_string(&imported.definition).expect("a JSON value serializes");
    if let Err(e) = FormDefinition::from_json(&json) {
        panic!("imported definition does not load: {e}\n{json}");
    }
});
