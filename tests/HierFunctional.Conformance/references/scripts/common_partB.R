# Shared helpers for the part-B conformance references (BUGS vol2, posteriordb, lme4 data sets).
# Run from the repository root. Each reference is a long JAGS run of the model exactly as the case writes it
# (same data, same priors), summarised with R's posterior package; see references/partB/README.md.
suppressPackageStartupMessages({ library(rjags); library(coda); library(posterior) })
ref_dir <- file.path("tests", "HierFunctional.Conformance", "references", "partB")
data_dir <- file.path("tests", "HierFunctional.Conformance", "data")          # data/<case>.csv, read by the F# cases
input_dir <- file.path(ref_dir)                                                # partB/bugs-vol2, partB/posteriordb
dir.create(ref_dir, showWarnings = FALSE, recursive = TRUE)
dir.create(data_dir, showWarnings = FALSE, recursive = TRUE)

# Writes data/<case>.csv for every case that reads this data set.
write_data <- function(cases, df) {
  for (name in cases) write.csv(df, file.path(data_dir, paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
}

# 4 chains; chain k starts from `inits` (if given) plus RNG seed k; adapt 1000, burn-in `burn`, then n_iter
# iterations per chain thinned by `thin`.
run_jags <- function(name, code, data, monitor, n_iter = 50000, thin = 1, burn = 5000, inits = NULL,
                     note = "") {
  t0 <- proc.time()[["elapsed"]]
  init_list <- lapply(1:4, function(k) c(if (is.null(inits)) list() else inits,
                                         list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = k)))
  m <- jags.model(textConnection(code), data = data, inits = init_list, n.chains = 4, n.adapt = 1000, quiet = TRUE)
  update(m, burn, progress.bar = "none")
  s <- coda.samples(m, monitor, n.iter = n_iter, thin = thin, progress.bar = "none")
  secs <- proc.time()[["elapsed"]] - t0
  summ <- summarise_draws(as_draws_df(s), "mean", "sd", "mcse_mean", "mcse_sd", "ess_bulk", "rhat")
  out <- data.frame(name = summ$variable,
                    mean = sprintf("%.17g", summ$mean), sd = sprintf("%.17g", summ$sd),
                    mcse_mean = sprintf("%.17g", summ$mcse_mean), mcse_sd = sprintf("%.17g", summ$mcse_sd),
                    ess_bulk = sprintf("%.17g", summ$ess_bulk), rhat = sprintf("%.17g", summ$rhat))
  write.csv(out, file.path(ref_dir, paste0(name, ".csv")), row.names = FALSE, quote = 1)  # names like Omega[1,2]
  worst <- max(summ$mcse_mean / summ$sd, na.rm = TRUE)
  line <- sprintf("%s: JAGS 4 x %d (thin %d, burn-in %d) in %.0f s; max mcse_mean/sd %.4f; max rhat %.5f; min ess_bulk %.0f; min bulk-ESS/s %.1f %s",
                  name, n_iter, thin, burn, secs, worst, max(summ$rhat, na.rm = TRUE), min(summ$ess_bulk, na.rm = TRUE),
                  min(summ$ess_bulk, na.rm = TRUE) / secs, note)
  cat(line, "\n")
  cat(line, "\n", file = file.path(ref_dir, "run_log.txt"), append = TRUE)
  invisible(summ)
}

selected <- function(all) {
  args <- commandArgs(trailingOnly = TRUE)
  if (length(args) == 0) all else intersect(all, args)
}
