# The new response families (issue 22 item 3): simulated data sets, one per family, and long JAGS runs of the
# model each case writes (same data, same priors; the family's own parameters get brms's default priors), written
# straight into the harness's files: data/<case>.csv and references/<case>.csv
# (node,source_name,mean,sd,mcse_mean,rhat,ess_bulk,seconds,method).
#   Rscript tests/HierFunctional.Conformance/references/scripts/families.R [case ...]
# Every case is y ~ x + (1 | g) with 20 groups of 10 rows, written in the hierarchically centred form the formula
# front end emits: r_g[j] ~ Normal(b_Intercept, sd_g), linear predictor r_g[g[i]] + b_x * x[i].
suppressPackageStartupMessages({ library(rjags); library(coda); library(posterior) })
root <- file.path("tests", "HierFunctional.Conformance")
J <- 20; per <- 10; N <- J * per

simulate <- function(seed, draw_y) {
  set.seed(seed)
  g <- rep(sprintf("g%02d", 1:J), each = per)
  x <- round(rnorm(N), 3)
  r <- rnorm(J, 0.5, 0.4)
  eta <- r[match(g, unique(g))] + 0.7 * x
  data.frame(y = draw_y(eta), x = x, g = g, stringsAsFactors = FALSE)
}

common_priors <- "
  b_Intercept ~ dnorm(0, 1 / (5 * 5))
  b_x ~ dnorm(0, 1 / (2 * 2))
  sd_g ~ dnorm(0, 1) T(0,)
  for (j in 1:J) { r_g[j] ~ dnorm(b_Intercept, 1 / (sd_g * sd_g)) }
  for (i in 1:N) { eta[i] <- r_g[g[i]] + b_x * x[i] }
"

run <- function(name, d, likelihood, extra, monitor, inits, n_iter = 25000) {
  n_iter <- as.integer(Sys.getenv("FAMILIES_ITER", n_iter))   # shorter runs on a busy machine
  write.csv(d, file.path(root, "data", paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
  code <- paste0("model {", common_priors, extra, "\n  for (i in 1:N) { ", likelihood, " }\n}")
  data <- list(N = N, J = J, g = match(d$g, unique(d$g)), x = d$x, y = d$y)
  t0 <- proc.time()[["elapsed"]]
  init_list <- lapply(1:4, function(k) c(inits, list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = k)))
  m <- jags.model(textConnection(code), data = data, inits = init_list, n.chains = 4, n.adapt = 1000, quiet = TRUE)
  update(m, 5000, progress.bar = "none")
  s <- coda.samples(m, c("b_Intercept", "b_x", "sd_g", "r_g", monitor), n.iter = n_iter, progress.bar = "none")
  secs <- proc.time()[["elapsed"]] - t0
  summ <- summarise_draws(as_draws_df(s), "mean", "sd", "mcse_mean", "ess_bulk", "rhat")
  ours <- summ$variable
  ours[ours == "sd_g"] <- "sd_g__Intercept"
  method <- sprintf("JAGS 4 x %d (burn-in 5000) after 1000 adapt; simulated data; references/scripts/families.R", n_iter)
  out <- data.frame(node = ours, source_name = summ$variable,
                    mean = sprintf("%.17g", summ$mean), sd = sprintf("%.17g", summ$sd),
                    mcse_mean = sprintf("%.17g", summ$mcse_mean), rhat = sprintf("%.17g", summ$rhat),
                    ess_bulk = sprintf("%.17g", summ$ess_bulk), seconds = sprintf("%.0f", secs), method = method)
  write.csv(out, file.path(root, "references", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  cat(sprintf("%s: %.0f s; max rhat %.5f; min ess_bulk %.0f\n", name, secs, max(summ$rhat), min(summ$ess_bulk)))
}

cases <- list(
  family_lognormal = function() {
    d <- simulate(101, function(eta) round(rlnorm(N, eta, 0.6), 4))
    run("family_lognormal", d, "y[i] ~ dlnorm(eta[i], 1 / (sigma * sigma))",
        "sigma ~ dnorm(0, 1) T(0,)", "sigma", list(b_Intercept = 0.5, sd_g = 0.5, sigma = 1))
  },
  family_student = function() {
    d <- simulate(102, function(eta) round(eta + 0.5 * rt(N, 4), 4))
    run("family_student", d, "y[i] ~ dt(eta[i], 1 / (sigma * sigma), nu)",
        "sigma ~ dnorm(0, 1) T(0,)\n  nu ~ dgamma(2, 0.1)", c("sigma", "nu"),
        list(b_Intercept = 0.5, sd_g = 0.5, sigma = 1, nu = 10))
  },
  family_gamma = function() {
    d <- simulate(103, function(eta) round(rgamma(N, shape = 3, rate = 3 / exp(eta)), 4))
    run("family_gamma", d, "y[i] ~ dgamma(shape, shape / exp(eta[i]))",
        "shape ~ dgamma(0.01, 0.01)", "shape", list(b_Intercept = 0.5, sd_g = 0.5, shape = 1))
  },
  family_beta = function() {
    d <- simulate(104, function(eta) { mu <- plogis(eta - 0.5); round(pmin(pmax(rbeta(N, mu * 8, (1 - mu) * 8), 1e-4), 1 - 1e-4), 4) })
    run("family_beta", d, "y[i] ~ dbeta(ilogit(eta[i]) * phi, (1 - ilogit(eta[i])) * phi)",
        "phi ~ dgamma(0.01, 0.01)", "phi", list(b_Intercept = 0, sd_g = 0.5, phi = 5))
  },
  family_zip = function() {
    d <- simulate(105, function(eta) ifelse(runif(N) < 0.3, 0, rpois(N, exp(eta))))
    run("family_zip", d, "z[i] ~ dbern(1 - zi)\n    y[i] ~ dpois(z[i] * exp(eta[i]) + 1e-10)",
        "zi ~ dbeta(1, 1)", "zi", list(b_Intercept = 0.5, sd_g = 0.5, zi = 0.3, z = rep(1, N)))
  },
  family_zinb = function() {
    d <- simulate(106, function(eta) ifelse(runif(N) < 0.3, 0, rnbinom(N, size = 4, mu = exp(eta))))
    run("family_zinb", d,
        "z[i] ~ dbern(1 - zi)\n    y[i] ~ dnegbin(shape / (shape + z[i] * exp(eta[i]) + 1e-10), shape)",
        "zi ~ dbeta(1, 1)\n  shape ~ dgamma(0.01, 0.01)", c("zi", "shape"),
        list(b_Intercept = 0.5, sd_g = 0.5, zi = 0.3, shape = 2, z = rep(1, N)))
  }
)

args <- commandArgs(trailingOnly = TRUE)
for (name in (if (length(args) == 0) names(cases) else intersect(names(cases), args))) cases[[name]]()
