# Part B: turns the raw long-run summaries in references/partB/<run>.csv (every monitored node, tool's names) into
# the harness's references/<case>.csv (node,source_name,mean,sd,mcse_mean,rhat,ess_bulk,seconds,method), one row per
# reference node of the pass rule, named as our model names it. Run after vol2.R, posteriordb.R and lme4.R:
#   Rscript tests/HierFunctional.Conformance/references/scripts/partB_references.R
# Matrix elements (Omega[1,2], r_Subject[3,1]) are left out: the harness's files are plain comma-separated.
ref_root <- file.path("tests", "HierFunctional.Conformance", "references")
raw_dir <- file.path(ref_root, "partB")

read_raw <- function(run) {
  # Older raw files have unquoted names that may contain commas: the last six fields are the numbers.
  lines <- readLines(file.path(raw_dir, paste0(run, ".csv")))[-1]
  rows <- lapply(strsplit(lines, ",", fixed = TRUE), function(f) {
    n <- length(f)
    c(name = gsub('"', "", paste(f[1:(n - 6)], collapse = ",")), f[(n - 5):n])
  })
  m <- do.call(rbind, rows)
  data.frame(name = m[, 1], mean = m[, 2], sd = m[, 3], mcse_mean = m[, 4], ess_bulk = m[, 6], rhat = m[, 7])
}

run_seconds <- function(run) {
  log <- readLines(file.path(raw_dir, "run_log.txt"))
  hit <- grep(paste0("^", run, ": (JAGS|Stan) "), log, value = TRUE)
  if (length(hit) == 0) return(list(seconds = "NA", how = "posteriordb reference draws"))
  first <- hit[1]   # the first run of a case (later lines are repeats on a busier machine)
  list(seconds = sub(".* in ([0-9.]+) s;.*", "\\1", first), how = sub("^[^:]*: (.*) in [0-9.]+ s;.*", "\\1", first))
}

v <- function(prefix, n, src = prefix) setNames(sprintf("%s[%d]", src, seq_len(n)), sprintf("%s[%d]", prefix, seq_len(n)))
s <- function(...) c(...)   # node = "source name"

cases <- list(
  birats = list(run = "birats", nodes = s(mu_beta1 = "mu.beta[1]", mu_beta2 = "mu.beta[2]", alpha0 = "alpha0",
                                          tau_c = "tau.c", sigma = "sigma")),
  orange = list(run = "orange", nodes = s(mu1 = "mu[1]", mu2 = "mu[2]", mu3 = "mu[3]", sigma1 = "sigma[1]",
                                          sigma2 = "sigma[2]", sigma3 = "sigma[3]", sigmaC = "sigmaC")),
  mvotree = list(run = "mvotree", nodes = c(v("mu", 3), s(sigmaC = "sigmaC"))),
  jaw = list(run = "jaw", nodes = s(beta0 = "beta0", beta1 = "beta1", beta0_uncentred = "beta0.uncentred")),
  schools = list(run = "schools", nodes = c(setNames(sprintf("beta[%d]", 1:8), sprintf("beta%d", 1:8)),
                                            v("gamma", 3), s(phi = "phi", theta = "theta"))),
  eight_schools_centered = list(run = "eight_schools_pdb", nodes = c(s(mu = "mu", tau = "tau"), v("theta", 8))),
  eight_schools_noncentered = list(run = "eight_schools_pdb", nodes = c(s(mu = "mu", tau = "tau"), v("theta", 8))),
  radon_hierarchical_intercept = list(run = "radon_hierarchical_intercept",
    nodes = c(s(mu_alpha = "mu_alpha", sigma_alpha = "sigma_alpha", sigma_y = "sigma_y", beta1 = "beta[1]",
                beta2 = "beta[2]"), v("alpha", 85))),
  radon_variable_intercept = list(run = "radon_variable_intercept",
    nodes = c(s(mu_alpha = "mu_alpha", sigma_alpha = "sigma_alpha", sigma_y = "sigma_y", beta = "beta"), v("alpha", 85))),
  radon_variable_slope = list(run = "radon_variable_slope",
    nodes = c(s(alpha = "alpha", mu_beta = "mu_beta", sigma_beta = "sigma_beta", sigma_y = "sigma_y"), v("beta", 85))),
  radon_variable_intercept_slope = list(run = "radon_variable_intercept_slope",
    nodes = c(s(mu_alpha = "mu_alpha", mu_beta = "mu_beta", sigma_alpha = "sigma_alpha", sigma_beta = "sigma_beta",
                sigma_y = "sigma_y"), v("alpha", 85), v("beta", 85))),
  pilots = list(run = "pilots", nodes = c(s(mu_a = "mu_a", mu_b = "mu_b", sigma_a = "sigma_a", sigma_b = "sigma_b",
                                            sigma_y = "sigma_y"), v("a", 5), v("b", 8))),
  glmm_poisson = list(run = "glmm_poisson", nodes = c(s(alpha = "alpha", beta1 = "beta1", beta2 = "beta2",
                                                        beta3 = "beta3", sigma = "sigma"), v("eps", 40))),
  glmm1 = list(run = "glmm1", nodes = NULL),   # filled from the raw file: every alpha[s]
  dyestuff = list(run = "dyestuff", nodes = c(s(b_Intercept = "b_Intercept", sd_Batch__Intercept = "sd_Batch",
                                                sigma = "sigma"), v("r_Batch", 6))),
  dyestuff2 = list(run = "dyestuff2", nodes = c(s(b_Intercept = "b_Intercept", sd_Batch__Intercept = "sd_Batch",
                                                  sigma = "sigma"), v("r_Batch", 6))),
  penicillin = list(run = "penicillin", nodes = c(s(b_Intercept = "b_Intercept", sd_sample__Intercept = "sd_sample",
                                                    sd_plate__Intercept = "sd_plate", sigma = "sigma"),
                                                  v("r_sample", 6), v("r_plate", 24))),
  pastes = list(run = "pastes", nodes = c(s(b_Intercept = "b_Intercept", sd_batch__Intercept = "sd_batch",
                                            `sd_batch:cask__Intercept` = "sd_batch_cask", sigma = "sigma"),
                                          v("r_batch", 10), v("r_batch:cask", 30, "r_batch_cask"))),
  sleepstudy = list(run = "sleepstudy", nodes = s(b_Intercept = "b_Intercept", b_Days = "b_Days", sigma = "sigma")),
  cbpp = list(run = "cbpp", nodes = c(s(b_Intercept = "b_Intercept", b_periodp2 = "b_period[2]",
                                        b_periodp3 = "b_period[3]", b_periodp4 = "b_period[4]",
                                        sd_herd__Intercept = "sd_herd"), v("r_herd", 15))),
  grouseticks = list(run = "grouseticks", nodes = c(s(b_Intercept = "b_Intercept", b_YEARy96 = "b_YEARy96",
                                                      b_YEARy97 = "b_YEARy97", b_HEIGHT = "b_HEIGHT",
                                                      sd_LOCATION__Intercept = "sd_LOCATION",
                                                      sd_BROOD__Intercept = "sd_BROOD",
                                                      sd_INDEX__Intercept = "sd_INDEX"), v("r_LOCATION", 63)))
)

for (case in names(cases)) {
  cfg <- cases[[case]]
  if (!file.exists(file.path(raw_dir, paste0(cfg$run, ".csv")))) { cat("skip", case, "(no raw run yet)\n"); next }
  raw <- read_raw(cfg$run)
  nodes <- cfg$nodes
  if (is.null(nodes)) {   # glmm1: mu_alpha, sd_alpha and every site's alpha
    a <- grep("^alpha\\[", raw$name, value = TRUE)
    nodes <- c(s(mu_alpha = "mu_alpha", sd_alpha = "sd_alpha"), setNames(a, a))
  }
  missing <- setdiff(nodes, raw$name)
  if (length(missing) > 0) stop(case, ": raw run lacks ", paste(missing, collapse = " "))
  r <- raw[match(nodes, raw$name), ]
  t <- run_seconds(cfg$run)
  method <- if (t$how == "posteriordb reference draws") {
    "posteriordb reference draws of eight_schools_noncentered (Stan 2.21; 10 chains x 1000 after thinning 10)"
  } else {
    paste0(t$how, if (startsWith(t$how, "JAGS")) " after 1000 adapt" else "",
           "; seconds include warm-up; see references/partB/README.md")
  }
  out <- data.frame(node = names(nodes), source_name = nodes, mean = r$mean, sd = r$sd, mcse_mean = r$mcse_mean,
                    rhat = r$rhat, ess_bulk = r$ess_bulk, seconds = t$seconds, method = method)
  write.csv(out, file.path(ref_root, paste0(case, ".csv")), row.names = FALSE, quote = FALSE)
  cat(case, nrow(out), "nodes\n")
}
