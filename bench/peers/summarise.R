# Summarises a peer-benchmark run folder: every <model>__<side>__r<k>.csv (draws: chain, then one column per scalar)
# with its .meta (timings), for side = ours, JAGS, Stan. ESS and R-hat come from `posterior` for all three alike
# (ess_bulk, ess_tail, rhat: rank-normalised, split chains), over the scalars all present sides have in common
# (constant scalars skipped). Writes runs.csv (one row per run), summary.csv and summary.md (median and range over
# repeats of each side's min bulk-ESS/s and of the paired ratios).
# Usage: Rscript summarise.R <run folder> <title>
suppressMessages(library(posterior))
a <- commandArgs(trailingOnly = TRUE)
dir <- a[1]; title <- if (length(a) >= 2) a[2] else basename(dir)
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
spec <- read.csv(file.path(here, "models.csv"), stringsAsFactors = FALSE)
files <- list.files(dir, pattern = "__r[0-9]+\\.csv$")
if (!length(files)) stop("no draws in ", dir)
key <- do.call(rbind, strsplit(sub("\\.csv$", "", files), "__"))
runs <- data.frame(model = key[, 1], side = key[, 2], rep = as.integer(sub("r", "", key[, 3])), file = files,
                   stringsAsFactors = FALSE)
read_meta <- function(f) {
  l <- strsplit(readLines(f), " ", fixed = TRUE)
  setNames(lapply(l, function(x) paste(x[-1], collapse = " ")), sapply(l, `[`, 1))
}
# Scalar names such as b[3,2] hold a comma and are written unquoted: split the header on commas outside brackets.
read_draws <- function(f) {
  head <- readLines(f, n = 1)
  nm <- regmatches(head, gregexpr("[^,\\[]+(\\[[^]]*\\])?", head))[[1]]
  d <- read.csv(f, header = FALSE, skip = 1)
  if (ncol(d) != length(nm)) stop(f, ": ", length(nm), " names in the header but ", ncol(d), " columns")
  names(d) <- nm
  d
}
num <- function(m, k) if (is.null(m[[k]])) NA_real_ else suppressWarnings(as.numeric(m[[k]]))
diag_of <- function(d, cols) {
  ch <- split(d[, cols, drop = FALSE], d$chain)
  t(sapply(cols, function(v) {
    x <- sapply(ch, function(c) c[[v]])
    c(bulk = ess_bulk(x), tail = ess_tail(x), rhat = rhat(x))
  }))
}
rows <- list()
for (g in split(runs, paste(runs$model, runs$rep))) {
  draws <- lapply(g$file, function(f) read_draws(file.path(dir, f)))
  names(draws) <- g$side
  # scalars every side has, and not constant on any side
  common <- Reduce(intersect, lapply(draws, function(d) setdiff(names(d), "chain")))
  varying <- Reduce(`&`, lapply(draws, function(d) sapply(common, function(v) sd(d[[v]]) > 0)))
  common <- common[varying]
  for (i in seq_len(nrow(g))) {
    d <- draws[[i]]; m <- read_meta(file.path(dir, sub("\\.csv$", ".meta", g$file[i])))
    dg <- diag_of(d, common)
    own <- setdiff(names(d), "chain"); own <- own[sapply(own, function(v) sd(d[[v]]) > 0)]
    r <- data.frame(model = g$model[i], side = g$side[i], rep = g$rep[i], compared = length(common),
                    own_scalars = length(own), seconds = num(m, "seconds"), cpu_s = num(m, "cpu_s"),
                    setup_s = num(m, "setup_s"), compile_s = num(m, "compile_s"),
                    min_bulk = min(dg[, "bulk"]), worst = common[which.min(dg[, "bulk"])],
                    min_tail = min(dg[, "tail"]), max_rhat = max(dg[, "rhat"]),
                    divergences = num(m, "divergences"), fs_min_bulk = num(m, "fs_min_bulk"),
                    r_min_bulk_own = NA_real_, load = num(m, "load"), stringsAsFactors = FALSE)
    # our own diagnostics (Posterior/Diagnostics.fs) were computed over all our scalars: compare like with like
    if (g$side[i] == "ours") r$r_min_bulk_own <- min(diag_of(d, own)[, "bulk"])
    rows[[length(rows) + 1]] <- r
  }
}
runs <- do.call(rbind, rows)
runs$ess_s <- runs$min_bulk / runs$seconds
runs$ess_cpu_s <- runs$min_bulk / runs$cpu_s
runs$flag <- ifelse(runs$max_rhat >= 1.01, "Rhat", "")
runs$flag <- ifelse(!is.na(runs$divergences) & runs$divergences > 0,
                    trimws(paste(runs$flag, paste0(runs$divergences, "div"))), runs$flag)
write.csv(runs, file.path(dir, "runs.csv"), row.names = FALSE)

# Paired ratios per repeat: ours over each peer, and over the better peer among those with R-hat < 1.01.
pair <- do.call(rbind, lapply(split(runs, paste(runs$model, runs$rep)), function(g) {
  get <- function(s, k) { x <- g[g$side == s, k]; if (length(x)) x[1] else NA }
  ok <- function(s) !is.na(get(s, "max_rhat")) && get(s, "max_rhat") < 1.01
  # a peer that ran in some repeat of this model but not in this one leaves "the better peer" undefined here
  peers <- intersect(c("JAGS", "Stan"), runs$side[runs$model == g$model[1]])
  good <- if (all(peers %in% g$side)) peers[vapply(peers, ok, logical(1))] else character(0)
  best <- if (length(good)) good[which.max(sapply(good, function(s) get(s, "ess_s")))] else NA
  data.frame(model = g$model[1], rep = g$rep[1], ours = get("ours", "ess_s"), jags = get("JAGS", "ess_s"),
             stan = get("Stan", "ess_s"), vs_jags = get("ours", "ess_s") / get("JAGS", "ess_s"),
             vs_stan = get("ours", "ess_s") / get("Stan", "ess_s"),
             best = best, vs_best = if (is.na(best)) NA else get("ours", "ess_s") / get(best, "ess_s"),
             vs_best_cpu = if (is.na(best)) NA else get("ours", "ess_cpu_s") / get(best, "ess_cpu_s"),
             vs_jags_cpu = get("ours", "ess_cpu_s") / get("JAGS", "ess_cpu_s"),
             vs_before_cpu = get("ours", "ess_cpu_s") / get("before", "ess_cpu_s"),
             ours_ok = ok("ours"), before = get("before", "ess_s"),
             vs_before = get("ours", "ess_s") / get("before", "ess_s"), stringsAsFactors = FALSE)
}))
mr <- function(x) {
  x <- x[!is.na(x)]
  if (!length(x)) return("–")
  f <- function(v) if (v >= 100) sprintf("%.0f", v) else if (v >= 10) sprintf("%.1f", v) else if (v >= 0.1) sprintf("%.2f", v) else sprintf("%.2g", v)
  if (length(x) == 1) f(x) else sprintf("%s [%s–%s]", f(median(x)), f(min(x)), f(max(x)))
}
rh <- function(m, s) { x <- runs$max_rhat[runs$model == m & runs$side == s]; if (length(x)) sprintf("%.3f", max(x)) else "–" }
order_m <- spec$model[spec$model %in% runs$model]
summ <- do.call(rbind, lapply(order_m, function(m) {
  p <- pair[pair$model == m, ]; r <- runs[runs$model == m, ]
  flags <- unique(unlist(lapply(split(r, r$side), function(x) {
    f <- x$flag[x$flag != ""]; if (length(f)) paste0(x$side[1], ": ", paste(unique(f), collapse = ", "))
  })))
  data.frame(model = m, set = spec$set[spec$model == m], repeats = nrow(p),
             ours = mr(p$ours), jags = mr(p$jags), stan = mr(p$stan),
             vs_best = mr(p$vs_best), better_peer = paste(unique(na.omit(p$best)), collapse = "/"),
             vs_jags = mr(p$vs_jags), vs_stan = mr(p$vs_stan), vs_best_cpu = mr(p$vs_best_cpu),
             vs_jags_cpu = mr(p$vs_jags_cpu), vs_before_cpu = mr(p$vs_before_cpu),
             load = if (all(is.na(r$load))) "–" else sprintf("%.0f–%.0f", min(r$load, na.rm = TRUE), max(r$load, na.rm = TRUE)),
             rhat = paste(rh(m, "ours"), rh(m, "JAGS"), rh(m, "Stan"), sep = " / "),
             compared = max(r$compared), flags = paste(flags, collapse = "; "), before = mr(p$before),
             vs_before = mr(p$vs_before), stringsAsFactors = FALSE)
}))
write.csv(summ, file.path(dir, "summary.csv"), row.names = FALSE)

md <- c(paste0("# ", title), "",
  "min bulk-ESS/s (wall time, warm-up included), median [range] over repeats; ratios are formed repeat by repeat.",
  "\"better peer\" is the faster of JAGS and Stan among those with max R̂ < 1.01 in that repeat.", "",
  "| model | set | ours ESS/s | JAGS ESS/s | Stan ESS/s | ours / better peer | better peer | ours / JAGS | ours / Stan | ours / better peer, per CPU-second | ours / JAGS, per CPU-second | max R̂ ours / JAGS / Stan | scalars compared | load | flags |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for (i in seq_len(nrow(summ))) with(summ[i, ], md <<- c(md, sprintf("| %s | %s | %s | %s | %s | **%s** | %s | %s | %s | %s | %s | %s | %d | %s | %s |",
  model, set, ours, jags, stan, vs_best, better_peer, vs_jags, vs_stan, vs_best_cpu, vs_jags_cpu, rhat, compared, load, flags)))
# with a "before" side (run.sh BEFORE_DLL=...): the same build before a change, side by side with ours
if (any(runs$side == "before")) md <- c(md, "", "Before/after (side \"before\": the build in env.txt; same repeats and load):", "",
  "| model | before ESS/s | ours ESS/s | ours / before | ours / before, per CPU-second | max R̂ before / ours |", "|---|---|---|---|---|---|",
  sprintf("| %s | %s | %s | **%s** | %s | %s / %s |", summ$model, summ$before, summ$ours, summ$vs_before, summ$vs_before_cpu,
          sapply(summ$model, rh, s = "before"), sapply(summ$model, rh, s = "ours")))
ours <- runs[runs$side == "ours", ]
dev <- max(abs(ours$fs_min_bulk - ours$r_min_bulk_own) / ours$r_min_bulk_own, na.rm = TRUE)
md <- c(md, "",
  sprintf("ESS check: our own min bulk-ESS (Posterior/Diagnostics.fs) against posterior::ess_bulk on the same draws: largest relative difference %.2g over %d runs.",
          dev, nrow(ours)), "",
  "## Runs", "",
  "| model | side | repeat | wall s | CPU s | setup s | compile s | min bulk-ESS (worst) | min tail-ESS | max R̂ | ESS/s | ESS/CPU-s | load | flag |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
runs <- runs[order(match(runs$model, order_m), runs$rep, runs$side), ]
for (i in seq_len(nrow(runs))) with(runs[i, ], md <<- c(md, sprintf("| %s | %s | %d | %.2f | %.2f | %.2f | %s | %.0f (%s) | %.0f | %.3f | %.1f | %.1f | %s | %s |",
  model, side, rep, seconds, cpu_s, setup_s, ifelse(is.na(compile_s), "–", sprintf("%.0f", compile_s)), min_bulk, worst,
  min_tail, max_rhat, ess_s, ess_cpu_s, ifelse(is.na(load), "–", sprintf("%.1f", load)), flag)))
writeLines(md, file.path(dir, "summary.md"))
cat(md[1:(8 + nrow(summ))], sep = "\n")
