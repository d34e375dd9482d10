//! The ids of a fragment's top-level elements: the 1.0 client finds a fragment sent without a
//! selector by the id of each top-level element, and after an `outer` patch of `#x` the page
//! holds the fragment's root instead of `#x`.

use super::options::Roots;
use super::walk::{Root, RootId};
use crate::ctxt::Ctxt;

pub(crate) fn check(cx: &Ctxt, rule: &Roots, roots: &[Root]) {
    for root in roots.iter().filter(|r| !r.unchecked) {
        match (rule, &root.id) {
            (_, RootId::Dynamic) => {}
            (Roots::Each, RootId::Literal(_)) => {}
            (Roots::Each, RootId::None) => cx.error(
                root.span,
                "this top-level element needs an `id`: the fragment has no selector",
                &[
                    "note: without a selector, the client patches each top-level element into the element with its id".into(),
                    "help: give it one, as in `div #contact_1 { .. }`, or give the fragment a `selector`".into(),
                ],
            ),
            (Roots::Is(id), RootId::Literal(found)) if found == id => {}
            (Roots::Is(id), found) => {
                let has = match found {
                    RootId::Literal(found) => format!("its id is `{found}`"),
                    _ => "it has no id".to_owned(),
                };
                cx.error(
                    root.span,
                    format!("this element replaces `#{id}`, but {has}"),
                    &[
                        format!("note: after the first patch the page has no `#{id}`, so the next one finds nothing"),
                        format!("help: give it the id `{id}`, or put `#[unchecked]` before the element if that is meant"),
                    ],
                );
            }
        }
    }
}
