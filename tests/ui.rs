//! Compile errors are part of the product: every `#[fragment]` and `patch!` error has a case
//! here with its `.stderr` snapshot, and every mode and return shape a case that must compile.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/fail/*.rs");
    t.pass("ui/pass/*.rs");
}
