# Compiles the Stan programs of the peer benchmark once, into a cache folder (rstan's auto_write keeps <name>.rds
# beside the copied .stan file), and records each fresh compile's wall seconds in <cache>/compile_<name>.csv.
# Usage: Rscript compile_stan.R <cache dir> <model.stan> [...]
# Do not sample from a program while the R process that compiled it is still running: rstan then finds that
# process's temporary DSO on disk and compiles the program again ("recompiling to avoid crashing R session").
# run.sh compiles each program in its own process, which ends before the first run.
suppressMessages(library(rstan))
rstan_options(auto_write = TRUE)
# Debian's r-cran-bh ships no include/ folder; rstan then needs the system Boost headers.
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
Sys.setenv(MAKEFLAGS = "-j1")
a <- commandArgs(trailingOnly = TRUE)
cache <- a[1]; dir.create(cache, showWarnings = FALSE, recursive = TRUE)
for (f in a[-1]) {
  nm <- sub("\\.stan$", "", basename(f))
  dst <- file.path(cache, basename(f)); rds <- file.path(cache, paste0(nm, ".rds"))
  stale <- !file.exists(dst) || !identical(readLines(f), readLines(dst))
  if (stale) { file.copy(f, dst, overwrite = TRUE); unlink(rds) }
  fresh <- !file.exists(rds)
  t <- system.time(m <- stan_model(file = dst, model_name = nm))[["elapsed"]]
  if (fresh) write.csv(data.frame(model = nm, compile_s = round(t, 1)), file.path(cache, paste0("compile_", nm, ".csv")),
                       row.names = FALSE)
  cat(nm, "compile", round(t, 1), "s", if (fresh) "(fresh)" else "(cached)", "\n")
}
