# Part B, posteriordb hierarchical posteriors (stan-dev/posteriordb, commit 28f8d3d6e975315f42aa274a8399f21e07a43b30;
# data JSONs copied to references/partB/posteriordb). Only eight_schools_noncentered ships reference draws
# (10 chains x 1,000 thinned Stan draws); its summary is computed from those draws (set POSTERIORDB to a checkout of
# posteriordb). The other posteriors have no reference draws in posteriordb, so their references are long JAGS runs
# of the posteriordb Stan model's exact priors and likelihood.
#   POSTERIORDB_DRAWS=/path/to/eight_schools-eight_schools_noncentered.json.zip Rscript tests/HierFunctional.Conformance/references/scripts/posteriordb.R [case ...]
source(file.path("tests", "HierFunctional.Conformance", "references", "scripts", "common_partB.R"))
suppressPackageStartupMessages(library(jsonlite))
pdb <- function(file) fromJSON(file.path(input_dir, "posteriordb", file))

summarise_reference_draws <- function(name, draws_json) {
  chains <- fromJSON(draws_json, simplifyVector = FALSE)
  arr <- lapply(chains, function(ch) as.data.frame(lapply(ch, unlist), check.names = FALSE))
  d <- do.call(rbind, Map(function(df, k) cbind(df, .chain = k, .iteration = seq_len(nrow(df))), arr, seq_along(arr)))
  summ <- summarise_draws(as_draws_df(d), "mean", "sd", "mcse_mean", "mcse_sd", "ess_bulk", "rhat")
  out <- data.frame(name = summ$variable, mean = sprintf("%.17g", summ$mean), sd = sprintf("%.17g", summ$sd),
                    mcse_mean = sprintf("%.17g", summ$mcse_mean), mcse_sd = sprintf("%.17g", summ$mcse_sd),
                    ess_bulk = sprintf("%.17g", summ$ess_bulk), rhat = sprintf("%.17g", summ$rhat))
  write.csv(out, file.path(ref_dir, paste0(name, ".csv")), row.names = FALSE, quote = 1)  # names like Omega[1,2]
  line <- sprintf("%s: posteriordb reference draws (%d chains x %d), max mcse_mean/sd %.4f, max rhat %.5f",
                  name, length(arr), nrow(arr[[1]]), max(summ$mcse_mean / summ$sd), max(summ$rhat))
  cat(line, "\n"); cat(line, "\n", file = file.path(ref_dir, "run_log.txt"), append = TRUE)
}

radon_data <- function(with_uppm) {
  d <- pdb("radon_mn.json")
  df <- data.frame(county = sprintf("c%02d", d$county_idx), floor = d$floor_measure, log_radon = d$log_radon)
  if (with_uppm) df$log_uppm <- d$log_uppm
  df <- df[order(d$county_idx), ]   # rows by county, so first-appearance level order is county_idx order
  list(df = df, jags = c(list(N = d$N, J = d$J, county = d$county_idx, floor = d$floor_measure, y = d$log_radon),
                         if (with_uppm) list(log_uppm = d$log_uppm) else list()))
}

cases <- list(
  eight_schools_pdb = function() {
    d <- pdb("eight_schools.json")
    write_data(c("eight_schools_centered", "eight_schools_noncentered"), data.frame(school = sprintf("s%d", 1:d$J), y = d$y, sigma = d$sigma))
    # POSTERIORDB_DRAWS: posterior_database/reference_posteriors/draws/draws/eight_schools-eight_schools_noncentered.json.zip
    zip <- Sys.getenv("POSTERIORDB_DRAWS")
    if (zip == "") stop("set POSTERIORDB_DRAWS to posteriordb's eight_schools-eight_schools_noncentered.json.zip")
    summarise_reference_draws("eight_schools_pdb", unz(zip, "eight_schools-eight_schools_noncentered.json"))
  },
  radon_hierarchical_intercept = function() {
    r <- radon_data(TRUE); write_data("radon_hierarchical_intercept", r$df)
    run_jags("radon_hierarchical_intercept", "model {
      sigma_alpha ~ dnorm(0, 1) T(0,)
      sigma_y ~ dnorm(0, 1) T(0,)
      mu_alpha ~ dnorm(0, 1 / 100)
      for (k in 1:2) { beta[k] ~ dnorm(0, 1 / 100) }
      for (j in 1:J) { alpha[j] ~ dnorm(mu_alpha, 1 / (sigma_alpha * sigma_alpha)) }
      for (n in 1:N) {
        y[n] ~ dnorm(alpha[county[n]] + log_uppm[n] * beta[1] + floor[n] * beta[2], 1 / (sigma_y * sigma_y))
      }
    }", r$jags, c("mu_alpha", "sigma_alpha", "sigma_y", "beta", "alpha"), n_iter = 200000, thin = 10,
    note = "(mu_alpha and beta[1] are strongly correlated: log_uppm is a county-level covariate)")
  },
  radon_variable_intercept = function() {
    r <- radon_data(FALSE)
    write_data(c("radon_variable_intercept", "radon_variable_slope", "radon_variable_intercept_slope"), r$df)
    run_jags("radon_variable_intercept", "model {
      sigma_y ~ dnorm(0, 1) T(0,)
      sigma_alpha ~ dnorm(0, 1) T(0,)
      mu_alpha ~ dnorm(0, 1 / 100)
      beta ~ dnorm(0, 1 / 100)
      for (j in 1:J) { alpha[j] ~ dnorm(mu_alpha, 1 / (sigma_alpha * sigma_alpha)) }
      for (n in 1:N) { y[n] ~ dnorm(alpha[county[n]] + floor[n] * beta, 1 / (sigma_y * sigma_y)) }
    }", r$jags, c("mu_alpha", "sigma_alpha", "sigma_y", "beta", "alpha"), n_iter = 20000)
  },
  radon_variable_slope = function() {
    r <- radon_data(FALSE)
    run_jags("radon_variable_slope", "model {
      alpha ~ dnorm(0, 1 / 100)
      sigma_y ~ dnorm(0, 1) T(0,)
      sigma_beta ~ dnorm(0, 1) T(0,)
      mu_beta ~ dnorm(0, 1 / 100)
      for (j in 1:J) { beta[j] ~ dnorm(mu_beta, 1 / (sigma_beta * sigma_beta)) }
      for (n in 1:N) { y[n] ~ dnorm(alpha + floor[n] * beta[county[n]], 1 / (sigma_y * sigma_y)) }
    }", r$jags, c("alpha", "mu_beta", "sigma_beta", "sigma_y", "beta"), n_iter = 50000, thin = 2)
  },
  radon_variable_intercept_slope = function() {
    r <- radon_data(FALSE)
    # sigma_beta has mass near 0 (a funnel with the 85 slopes): plain JAGS 4 x 50,000 thin 2 had R-hat 1.012 and
    # bulk-ESS 385, so this run uses the glm module (block updates of alpha, beta) and 4 x 150,000 thin 5.
    load.module("glm")
    run_jags("radon_variable_intercept_slope", "model {
      sigma_y ~ dnorm(0, 1) T(0,)
      sigma_beta ~ dnorm(0, 1) T(0,)
      sigma_alpha ~ dnorm(0, 1) T(0,)
      mu_alpha ~ dnorm(0, 1 / 100)
      mu_beta ~ dnorm(0, 1 / 100)
      for (j in 1:J) {
        alpha[j] ~ dnorm(mu_alpha, 1 / (sigma_alpha * sigma_alpha))
        beta[j] ~ dnorm(mu_beta, 1 / (sigma_beta * sigma_beta))
      }
      for (n in 1:N) { y[n] ~ dnorm(alpha[county[n]] + floor[n] * beta[county[n]], 1 / (sigma_y * sigma_y)) }
    }", r$jags, c("mu_alpha", "mu_beta", "sigma_alpha", "sigma_beta", "sigma_y", "alpha", "beta"),
    n_iter = 150000, thin = 5, note = "(JAGS glm module)")
  },
  pilots = function() {
    d <- pdb("pilots.json")
    write_data("pilots", data.frame(group = sprintf("g%d", d$group_id), scenario = sprintf("s%d", d$scenario_id), y = d$y))
    run_jags("pilots", "model {
      mu_a ~ dnorm(0, 1)
      mu_b ~ dnorm(0, 1)
      sigma_a ~ dunif(0, 100)
      sigma_b ~ dunif(0, 100)
      sigma_y ~ dunif(0, 100)
      for (g in 1:G) { a[g] ~ dnorm(10 * mu_a, 1 / (sigma_a * sigma_a)) }
      for (s in 1:S) { b[s] ~ dnorm(10 * mu_b, 1 / (sigma_b * sigma_b)) }
      for (i in 1:N) { y[i] ~ dnorm(a[group[i]] + b[scenario[i]], 1 / (sigma_y * sigma_y)) }
    }", list(N = d$N, G = d$n_groups, S = d$n_scenarios, group = d$group_id, scenario = d$scenario_id, y = d$y),
    c("mu_a", "mu_b", "sigma_a", "sigma_b", "sigma_y", "a", "b"), n_iter = 100000, thin = 2)
  },
  glmm_poisson = function() {
    d <- pdb("GLMM_Poisson_data.json")
    write_data("glmm_poisson", data.frame(yr = sprintf("y%02d", seq_len(d$n)), year = d$year, year2 = d$year^2,
                                          year3 = d$year^3, C = d$C))
    run_jags("glmm_poisson", "model {
      alpha ~ dunif(-20, 20)
      beta1 ~ dunif(-10, 10)
      beta2 ~ dunif(-10, 10)
      beta3 ~ dunif(-10, 10)
      sigma ~ dunif(0, 5)
      for (i in 1:n) {
        eps[i] ~ dnorm(0, 1 / (sigma * sigma))
        C[i] ~ dpois(exp(alpha + beta1 * year[i] + beta2 * pow(year[i], 2) + beta3 * pow(year[i], 3) + eps[i]))
      }
    }", d[c("n", "C", "year")], c("alpha", "beta1", "beta2", "beta3", "sigma", "eps"), n_iter = 100000, thin = 4,
    inits = list(alpha = 4, beta1 = 0, beta2 = 0, beta3 = 0, sigma = 0.5))
  },
  glmm1 = function() {
    d <- pdb("GLMM_data.json")
    write_data("glmm1", data.frame(site = sprintf("s%03d", d$obssite), year = d$obsyear, obs = d$obs))
    # levels in order of first appearance, as the F# case's label column numbers them
    lev <- unique(d$obssite)
    run_jags("glmm1", "model {
      mu_alpha ~ dnorm(0, 1 / 100)
      sd_alpha ~ dunif(0, 5)
      for (s in 1:S) { alpha[s] ~ dnorm(mu_alpha, 1 / (sd_alpha * sd_alpha)) }
      for (i in 1:N) { obs[i] ~ dpois(exp(alpha[site[i]])) }
    }", list(N = d$nobs, S = length(lev), site = match(d$obssite, lev), obs = d$obs),
    c("mu_alpha", "sd_alpha", "alpha"), n_iter = 20000, inits = list(mu_alpha = 0, sd_alpha = 1))
  }
)
for (case in selected(names(cases))) cases[[case]]()
