use datastar_runtime::prelude::*;

#[derive(Signals)]
struct Generic<T> {
    value: T,
}

#[derive(Signals)]
struct Tuple(String);

#[derive(Signals)]
enum NotAStruct {
    A,
}

#[derive(Signals)]
#[serde(rename_all = "kebab")]
struct BadRule {
    first_name: String,
}

fn main() {}
