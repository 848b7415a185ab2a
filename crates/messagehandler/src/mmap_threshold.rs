//! Keeping the handler's resident memory under its documented ceiling with glibc's allocator.
//!
//! glibc serves a large allocation with its own `mmap` and gives it back to the system when it
//! is freed, but each such free raises the size from which it does so to the freed block's
//! size ("dynamic mmap threshold", up to 32 MiB). After the first 2 MB payload, every later
//! payload, parsed text and encoded batch comes from the heaps of the threads that touched it,
//! and those heaps keep what they once held: a flood of 200 results of 2 MB reached 230 MiB of
//! resident memory, above the documented 224 MiB, where a fixed 1 MiB threshold keeps it at
//! ~150 MiB at the same speed (`BENCH_SCALE=5 cargo bench -p messagehandler --bench ingest`,
//! README, "Benchmarks"). The threshold can only be set before the process starts (the
//! `MALLOC_MMAP_THRESHOLD_` variable; the workspace forbids the `unsafe` a `mallopt` call
//! needs), so the process starts itself again with it set.

/// The variable glibc reads at start-up, and the threshold set when it is absent.
const VAR: &str = "MALLOC_MMAP_THRESHOLD_";
const THRESHOLD: &str = "1048576";

/// Replaces this process by the same program with the same arguments and a fixed mmap
/// threshold, unless the variable is already set (by an earlier start, or by the operator,
/// whose value is kept) or the C library is not glibc. Call it first in `main`. If the new
/// start fails, this one goes on with glibc's default after saying so.
pub fn restart_with_a_fixed_mmap_threshold() {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) || std::env::var_os(VAR).is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut command = std::process::Command::new(program);
        if let Some(arg0) = args.next() {
            command.arg0(arg0);
        }
        let error = command.args(args).env(VAR, THRESHOLD).exec();
        eprintln!(
            "cannot start again with {VAR}={THRESHOLD} ({error}); going on with glibc's default, \
             which lets memory grow past the documented ceiling under large results"
        );
    }
}
