//! The `dossier` binary: a thin wrapper over the library's CLI.

use clap::Parser;

/// mimalloc instead of the system allocator: a build makes millions of small,
/// short-lived allocations across threads, where glibc's malloc costs about a
/// sixth of the run time and holds on to freed memory.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: allocator::MiMalloc = allocator::MiMalloc;

#[cfg(feature = "mimalloc")]
mod allocator {
    use libmimalloc_sys as mi;
    use std::alloc::{GlobalAlloc, Layout};
    use std::ffi::c_void;

    /// Alignment of every block `mi_malloc` returns: its size classes are
    /// whole words.
    const WORD: usize = std::mem::size_of::<usize>();

    /// mimalloc through its plain entry points wherever the alignment allows.
    /// The `mimalloc` crate calls the aligned ones for every allocation, and
    /// those take a slow path for blocks over 1 KiB (page buffers, event
    /// lists, strings being built): a fifth of all allocator time here.
    pub struct MiMalloc;

    // SAFETY: each function forwards to the mimalloc function that meets the
    // `GlobalAlloc` contract for the layout: the plain ones return blocks
    // aligned to at least a word, so they serve layouts aligned to a word or
    // less; stricter layouts go to the aligned ones. `mi_free` frees both.
    unsafe impl GlobalAlloc for MiMalloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            mi::mi_free(ptr.cast::<c_void>());
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            if layout.align() <= WORD {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

fn main() {
    std::process::exit(dossier::cli::run(dossier::cli::Cli::parse()));
}
