# Cross-checks the long JAGS references against the classic-bugs test suite's own summaries (bench-test1.R, shorter
# JAGS runs shipped with the examples). Prints, per node both report, the two means and |difference| in reference sds.
# Run from the repository root: Rscript tests/HierFunctional.Conformance/references/crosscheck.R
root <- file.path("tests", "HierFunctional.Conformance", "references")
for (case in list.dirs(file.path(root, "bugs"), full.names = FALSE, recursive = FALSE)) {
  bench <- file.path(root, "bugs", case, "bench-test1.R")
  ref <- file.path(root, paste0(case, ".csv"))
  if (!file.exists(bench) || !file.exists(ref)) next
  e <- new.env(); sys.source(bench, e)
  b <- e$benchstats
  r <- read.csv(ref)
  common <- intersect(rownames(b), r$source_name)
  for (n in common) {
    i <- match(n, r$source_name)
    cat(sprintf("%-9s %-16s ours %12.5g  bench %12.5g (sd %10.4g, bench SE %8.3g)  |diff| = %.3f sd\n", case, n,
                r$mean[i], b[n, "Mean"], r$sd[i], b[n, "Time-series SE"], abs(r$mean[i] - b[n, "Mean"]) / r$sd[i]))
  }
}
