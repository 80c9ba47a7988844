# Time to first result, peer side: one cold R process that fits BDA3's rat tumours (Beta-Binomial, the same model
# as `hier fit --example rats`) at the default length (4 chains x (1,000 warm-up + 1,000 draws), one after another)
# and prints the summary. JAGS: load rjags, compile, adapt, sample. Stan: load rstan and the cached compiled program
# (the C++ compile is timed separately by compile_stan.R). Usage: Rscript startup.R <JAGS|Stan> <stan cache dir>
a <- commandArgs(trailingOnly = TRUE)
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
d <- read.csv(file.path(here, "..", "..", "docs", "data", "rats.csv"))
data <- list(N = nrow(d), n = d$n, r = d$y)
if (a[1] == "JAGS") {
  suppressMessages(library(rjags))
  inits <- lapply(1:4, function(k) list(m = 0.1, s = 0.1, .RNG.name = "base::Mersenne-Twister", .RNG.seed = k))
  jm <- jags.model(file.path(here, "models", "betabin.jags"), data = data, inits = inits, n.chains = 4,
                   n.adapt = 1000, quiet = TRUE)
  s <- coda.samples(jm, c("alpha", "beta"), n.iter = 1000, progress.bar = "none")
  print(summary(s)$statistics)
} else {
  suppressMessages(library(rstan))
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
  rstan_options(auto_write = TRUE)
  sm <- stan_model(file = file.path(a[2], "betabin.stan"), model_name = "betabin")
  fit <- sampling(sm, data = data, chains = 4, iter = 2000, warmup = 1000, seed = 1, cores = 1, refresh = 0)
  print(summary(fit, pars = c("alpha", "beta"))$summary)
}
