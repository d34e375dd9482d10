//! The signals a type holds, by the names serde gives them: what `#[derive(Signals)]` records so
//! that `#[fragment(signals = T)]` can check the markup's signals against `T` at compile time.

use std::collections::{BTreeMap, HashMap};

/// The signals of a value, as Datastar names them: its fields, or a leaf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A value with no signals below it (a string, a number, a boolean).
    Leaf,
    /// A value whose keys are only known at run time (a map, a list, `serde_json::Value`):
    /// any path below it is accepted.
    Any,
    /// A struct: each field by its serde name, with its own shape. A field named `""` is
    /// `#[serde(flatten)]`ed: its fields are this struct's.
    Fields(&'static [(&'static str, &'static Shape)]),
}

/// A type whose signals are known at compile time. `#[derive(Signals)]` implements it for a
/// struct; it is implemented here for the standard library's leaves, lists and maps.
#[diagnostic::on_unimplemented(
    message = "the signals of `{Self}` are not known at compile time",
    label = "a field of this type",
    note = "derive `Signals` on `{Self}` (beside `Deserialize`) to name its signals"
)]
pub trait SignalShape {
    /// The signals of the type.
    const SHAPE: Shape;
}

macro_rules! shape {
    ($shape:ident: $($ty:ty),*) => {
        $(impl SignalShape for $ty {
            const SHAPE: Shape = Shape::$shape;
        })*
    };
}

shape!(Leaf: bool, char, str, String, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, ());
shape!(Any: serde_json::Value, serde_json::Map<String, serde_json::Value>);

impl<T: SignalShape + ?Sized> SignalShape for Box<T> {
    const SHAPE: Shape = T::SHAPE;
}

impl<T: SignalShape> SignalShape for Option<T> {
    const SHAPE: Shape = T::SHAPE;
}

impl<T> SignalShape for Vec<T> {
    const SHAPE: Shape = Shape::Any;
}

impl<T, const N: usize> SignalShape for [T; N] {
    const SHAPE: Shape = Shape::Any;
}

impl<K, V, S> SignalShape for HashMap<K, V, S> {
    const SHAPE: Shape = Shape::Any;
}

impl<K, V> SignalShape for BTreeMap<K, V> {
    const SHAPE: Shape = Shape::Any;
}

impl Shape {
    /// Whether the dotted signal `path` (`address.city`) names a signal of this shape.
    pub const fn has(&self, path: &str) -> bool {
        self.has_bytes(path.as_bytes())
    }

    const fn has_bytes(&self, path: &[u8]) -> bool {
        match self {
            Shape::Any => true,
            Shape::Leaf => path.is_empty(),
            Shape::Fields(_) if path.is_empty() => true,
            Shape::Fields(fields) => {
                let (head, rest) = split_first_segment(path);
                let mut i = 0;
                while i < fields.len() {
                    let (name, shape) = fields[i];
                    if name.is_empty() {
                        if shape.has_bytes(path) {
                            return true;
                        }
                    } else if bytes_eq(name.as_bytes(), head) && shape.has_bytes(rest) {
                        return true;
                    }
                    i += 1;
                }
                false
            }
        }
    }
}

/// `a.b.c` as `a` and `b.c`.
const fn split_first_segment(path: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'.' {
            let (head, rest) = path.split_at(i);
            return (head, rest.split_at(1).1);
        }
        i += 1;
    }
    (path, &[])
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADDRESS: Shape = Shape::Fields(&[("city", &Shape::Leaf)]);
    const CONTACT: Shape = Shape::Fields(&[
        ("firstName", &Shape::Leaf),
        ("address", &ADDRESS),
        ("tags", &Shape::Any),
        ("", &Shape::Fields(&[("flat", &Shape::Leaf)])),
    ]);

    #[test]
    fn paths_follow_the_fields() {
        const { assert!(CONTACT.has("address.city")) };
        assert!(CONTACT.has("firstName"));
        assert!(CONTACT.has("address"));
        assert!(CONTACT.has("tags.0.name"));
        assert!(CONTACT.has("flat"));
        assert!(!CONTACT.has("first-name"));
        assert!(!CONTACT.has("address.zip"));
        assert!(!CONTACT.has("firstName.x"));
        assert!(!CONTACT.has("addres"));
    }
}
