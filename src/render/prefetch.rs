//! Loading what a note page shows of other notes before the templates read it.
//!
//! A note page prints the titles and links of dozens of other notes (its
//! backlinks, mentions, timeline and relations) and the sentences around
//! their links. Each of those sits in allocations of its own, scattered over
//! a heap of hundreds of megabytes, so each is a trip to memory; and read by
//! the template engine one after another, the trips come one after another.
//! A page therefore asks for them in [`Step`]s, spaced by its other work:
//! each step starts the loads of one level at once, so that they overlap,
//! and leaves the addresses the next level needs in the cache. This matters
//! more the larger the site: at 10k notes most of what pages share stays in
//! the processor's cache anyway, at 30k it does not.

use crate::markdown::Snippet;

/// How far along the chain of pointers a pass goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// A note reference's map and a snippet's header: their addresses are at hand.
    Headers,
    /// The entries of a note reference (its title and URL come first), and
    /// a snippet's text.
    Entries,
    /// The title and URL text of a note reference, when too long to sit in
    /// its entry.
    Text,
}

/// Asks the processor to start loading the cache line at `p`.
#[inline(always)]
pub(super) fn line<T: ?Sized>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint: it reads nothing the program sees and
    // cannot fault, whatever the address. `sse` is part of x86_64.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Up to `lines` cache lines from `p` on.
fn lines(p: *const u8, bytes: usize, lines: usize) {
    for i in 0..bytes.div_ceil(64).min(lines) {
        line(p.wrapping_add(i * 64));
    }
}

/// One step for a note reference ([`super::Renderer::note_ref`]).
pub(super) fn note_ref(value: &tera::Value, step: Step) {
    let Some(map) = value.as_map() else { return };
    match step {
        Step::Headers => line(map),
        Step::Entries => {
            if let Some((key, _)) = map.first() {
                // Title and URL, the first two entries, span three lines at most.
                lines((key as *const tera::value::Key).cast(), 192, 3);
            }
        }
        Step::Text => {
            for (_, field) in map.iter().take(2) {
                if let Some(text) = field.as_str() {
                    lines(text.as_ptr(), text.len(), 2);
                }
            }
        }
    }
}

/// One step for a snippet.
pub(super) fn snippet(snippet: &Snippet, step: Step) {
    match step {
        Step::Headers => line(snippet),
        Step::Entries => lines(snippet.text().as_ptr(), snippet.text().len(), 4),
        Step::Text => {}
    }
}
