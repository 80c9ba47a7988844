# Part B, posteriordb pilots: JAGS mixes too slowly on this posterior (10·mu_a and 10·mu_b trade off against the
# levels of a and b; a JAGS 4 x 100,000 run had R-hat 2.6), so its reference is a long Stan run of posteriordb's own
# program (references/partB/posteriordb/pilots.stan; run as pilots_stan221.stan, the same model in Stan 2.21 syntax), summarised like the JAGS runs into references/partB/pilots.csv.
#   Rscript tests/HierFunctional.Conformance/references/scripts/pilots_stan.R
source(file.path("tests", "HierFunctional.Conformance", "references", "scripts", "common_partB.R"))
suppressPackageStartupMessages({ library(rstan); library(jsonlite) })
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")  # Debian's r-cran-bh
d <- fromJSON(file.path(input_dir, "posteriordb", "pilots.json"))
sm <- stan_model(file.path(input_dir, "posteriordb", "pilots_stan221.stan"))  # pilots.stan in 2.21 syntax
t0 <- proc.time()[["elapsed"]]
fit <- sampling(sm, data = d, chains = 4, iter = 30000, warmup = 5000, thin = 1, seed = 20261206, cores = 1,
                control = list(adapt_delta = 0.99, max_treedepth = 12), refresh = 0)
secs <- proc.time()[["elapsed"]] - t0
draws <- as_draws_df(as.array(fit, pars = c("mu_a", "mu_b", "sigma_a", "sigma_b", "sigma_y", "a", "b")))
summ <- summarise_draws(draws, "mean", "sd", "mcse_mean", "mcse_sd", "ess_bulk", "rhat")
out <- data.frame(name = summ$variable, mean = sprintf("%.17g", summ$mean), sd = sprintf("%.17g", summ$sd),
                  mcse_mean = sprintf("%.17g", summ$mcse_mean), mcse_sd = sprintf("%.17g", summ$mcse_sd),
                  ess_bulk = sprintf("%.17g", summ$ess_bulk), rhat = sprintf("%.17g", summ$rhat))
write.csv(out, file.path(ref_dir, "pilots.csv"), row.names = FALSE, quote = 1)
div <- sum(get_sampler_params(fit, inc_warmup = FALSE) |> sapply(function(p) sum(p[, "divergent__"])))
line <- sprintf("pilots: Stan 4 x 25000 (warm-up 5000, adapt_delta 0.99) in %.0f s; max mcse_mean/sd %.4f; max rhat %.5f; min ess_bulk %.0f; min bulk-ESS/s %.1f; %d divergent",
                secs, max(summ$mcse_mean / summ$sd), max(summ$rhat), min(summ$ess_bulk), min(summ$ess_bulk) / secs, div)
cat(line, "\n"); cat(line, "\n", file = file.path(ref_dir, "run_log.txt"), append = TRUE)
