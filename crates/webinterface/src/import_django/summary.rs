//! What an import did ([`Summary`]), and the progress lines it prints on the way.

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Results stored now.
    pub results_imported: usize,
    /// Results an earlier import stored.
    pub results_already: usize,
    /// Old packages that had failed validation (no data): not imported.
    pub failed_validation: usize,
    /// Old results that cannot be read as a v1.1 data message: (table and id, why).
    pub unreadable: Vec<(String, String)>,
    /// Imported results whose old timestamp was unreadable (stored with the import time).
    pub undated: usize,
    /// Status rows stored now (as one status history entry each).
    pub statuses_imported: usize,
    /// Status history entries stored now.
    pub status_codes_imported: usize,
    /// Status rows an earlier import stored.
    pub statuses_already: usize,
    /// `RETENTION_DAYS` as this process sees it (the scheduler's setting, default 30).
    pub retention_days: i64,
    /// Imported results the next retention run deletes (not kept, older than that).
    pub expiring: i64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "results: {} imported, {} already imported before, {} skipped (failed validation \
             in the old stack, no data), {} unreadable",
            self.results_imported,
            self.results_already,
            self.failed_validation,
            self.unreadable.len()
        )?;
        if self.undated > 0 {
            writeln!(
                f,
                "         {} without a readable timestamp were stored with the import time",
                self.undated
            )?;
        }
        for (what, why) in &self.unreadable {
            writeln!(f, "         unreadable {what}: {why}")?;
        }
        write!(
            f,
            "status:  {} rows imported as {} status history entries, {} already imported before",
            self.statuses_imported, self.status_codes_imported, self.statuses_already
        )?;
        if self.expiring > 0 {
            write!(
                f,
                "\nwarning: {} imported results are not kept and older than RETENTION_DAYS ({} \
                 days): the scheduler's next retention run deletes them. To keep them, set \
                 RETENTION_DAYS on the scheduler above their age before it runs, or mark them \
                 kept (Keep on each result page, or PATCH /api/results/{{id}} with \
                 {{\"keep\": true}}).",
                self.expiring, self.retention_days
            )?;
        }
        Ok(())
    }
}

/// Prints `what: done/total` every hundred rows and at the end.
pub(super) fn progress(what: &str, done: usize, total: usize) {
    if done.is_multiple_of(100) || done == total {
        println!("{what}: {done}/{total}");
    }
}
