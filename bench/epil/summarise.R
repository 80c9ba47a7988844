# min bulk-ESS and ESS/s from a draws CSV (chain column, then one column per node), through posterior::ess_bulk
# for both samplers. Usage: Rscript summarise.R <label> <seconds> <draws.csv> [<processor seconds>]
suppressMessages(library(posterior))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[3])
names(d) <- sub("_", ".", names(d), fixed = TRUE)
chains <- split(d[, -1], d$chain)
ess <- sapply(names(d)[-1], function(v) ess_bulk(sapply(chains, function(ch) ch[[v]])))
rh <- sapply(names(d)[-1], function(v) rhat(sapply(chains, function(ch) ch[[v]])))
s <- as.numeric(a[2])
if (length(a) >= 4) {
  # with the run's processor time: also min ESS per processor second
  cpu <- as.numeric(a[4])
  cat(sprintf("| %s | %.1f | %.1f | %s (%.0f) | %.2f | %.2f | %.4f |", a[1], s, cpu, names(ess)[which.min(ess)],
    min(ess), min(ess) / s, min(ess) / cpu, max(rh)))
} else {
  cat(sprintf("| %s | %.1f | %s (%.0f) | %.2f | %.4f |\n", a[1], s, names(ess)[which.min(ess)], min(ess), min(ess) / s, max(rh)))
}
