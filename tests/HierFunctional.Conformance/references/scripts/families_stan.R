# Stan references for two family cases (issue 22): family_zinb (the JAGS run of families.R, which augments the
# zeros with a latent indicator, mixed too slowly: R-hat 1.014) and family_cumulative (the cumulative-logit ordinal
# family, which JAGS has no ordered-cutpoint prior for). Stan marginalises the zero indicator and puts brms's
# ordered cutpoints on Stan's own ordered transform. The data are simulated here with the same recipe as families.R
# (20 groups of 10 rows, y ~ x + (1 | g)) and written with the references:
#   data/<case>.csv, references/<case>.csv (node,source_name,mean,sd,mcse_mean,rhat,ess_bulk,seconds,method).
#   Rscript tests/HierFunctional.Conformance/references/scripts/families_stan.R [case ...]
# The model is the one each case writes: r_g[j] ~ Normal(b_Intercept, sd_g) (non-centred here, which is the same
# posterior), b_Intercept ~ Normal(0, 5) (zinb only: the cumulative family has cutpoints instead of an intercept,
# and its group effects are centred at 0), b_x ~ Normal(0, 2), sd_g ~ HalfNormal(1), and the family's own
# parameters under brms's default priors: shape ~ Gamma(0.01, 0.01), zi ~ Beta(1, 1), cutpoints ~ student_t(3, 0, 2.5)
# restricted to increasing order.
suppressPackageStartupMessages({ library(rstan); library(posterior) })
if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")  # Debian's r-cran-bh
root <- file.path("tests", "HierFunctional.Conformance")
J <- 20; per <- 10; N <- J * per

simulate <- function(seed, draw_y, centre = 0.5) {   # families.R's recipe
  set.seed(seed)
  g <- rep(sprintf("g%02d", 1:J), each = per)
  x <- round(rnorm(N), 3)
  r <- rnorm(J, centre, 0.4)
  eta <- r[match(g, unique(g))] + 0.7 * x
  data.frame(y = draw_y(eta), x = x, g = g, stringsAsFactors = FALSE)
}

zinb_code <- "
data { int N; int J; int g[N]; vector[N] x; int y[N]; }
parameters { real b_Intercept; real b_x; real<lower=0> sd_g; vector[J] z; real<lower=0> shape; real<lower=0,upper=1> zi; }
transformed parameters { vector[J] r_g = b_Intercept + sd_g * z; }
model {
  b_Intercept ~ normal(0, 5); b_x ~ normal(0, 2); sd_g ~ normal(0, 1); z ~ std_normal();
  shape ~ gamma(0.01, 0.01); zi ~ beta(1, 1);
  for (i in 1:N) {
    real eta = r_g[g[i]] + b_x * x[i];
    if (y[i] == 0)
      target += log_sum_exp(log(zi), log1m(zi) + neg_binomial_2_log_lpmf(0 | eta, shape));
    else
      target += log1m(zi) + neg_binomial_2_log_lpmf(y[i] | eta, shape);
  }
}"

cumulative_code <- "
data { int N; int J; int K; int g[N]; vector[N] x; int y[N]; }
parameters { ordered[K - 1] Intercept; real b_x; real<lower=0> sd_g; vector[J] z; }
transformed parameters { vector[J] r_g = sd_g * z; }
model {
  Intercept ~ student_t(3, 0, 2.5); b_x ~ normal(0, 2); sd_g ~ normal(0, 1); z ~ std_normal();
  for (i in 1:N) y[i] ~ ordered_logistic(r_g[g[i]] + b_x * x[i], Intercept);
}"

run <- function(name, d, code, monitor, rename, data_extra = list(), iter = 12000, warmup = 2000) {
  write.csv(d, file.path(root, "data", paste0(name, ".csv")), row.names = FALSE, quote = TRUE)
  data <- c(list(N = N, J = J, g = match(d$g, unique(d$g)), x = d$x, y = d$y), data_extra)
  sm <- stan_model(model_code = code)
  t0 <- proc.time()[["elapsed"]]
  fit <- sampling(sm, data = data, chains = 4, iter = iter, warmup = warmup, seed = 20261206, cores = 1,
                  control = list(adapt_delta = 0.95), refresh = 0)
  secs <- proc.time()[["elapsed"]] - t0
  summ <- summarise_draws(as_draws_df(as.array(fit, pars = monitor)), "mean", "sd", "mcse_mean", "ess_bulk", "rhat")
  ours <- summ$variable
  for (k in names(rename)) ours <- sub(k, rename[[k]], ours, fixed = TRUE)
  div <- sum(sapply(get_sampler_params(fit, inc_warmup = FALSE), function(p) sum(p[, "divergent__"])))
  method <- sprintf("Stan (rstan %s) 4 x %d (warm-up %d, adapt_delta 0.95, %d divergent); simulated data; references/scripts/families_stan.R",
                    packageVersion("rstan"), iter - warmup, warmup, div)
  out <- data.frame(node = ours, source_name = summ$variable,
                    mean = sprintf("%.17g", summ$mean), sd = sprintf("%.17g", summ$sd),
                    mcse_mean = sprintf("%.17g", summ$mcse_mean), rhat = sprintf("%.17g", summ$rhat),
                    ess_bulk = sprintf("%.17g", summ$ess_bulk), seconds = sprintf("%.0f", secs), method = method)
  write.csv(out, file.path(root, "references", paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
  cat(sprintf("%s: %.0f s; max rhat %.5f; min ess_bulk %.0f; %d divergent\n", name, secs, max(summ$rhat), min(summ$ess_bulk), div))
}

cases <- list(
  family_zinb = function() {
    d <- simulate(106, function(eta) ifelse(runif(N) < 0.3, 0, rnbinom(N, size = 4, mu = exp(eta))))
    run("family_zinb", d, zinb_code, c("b_Intercept", "b_x", "sd_g", "r_g", "shape", "zi"),
        list(sd_g = "sd_g__Intercept"))
  },
  family_cumulative = function() {
    # y in 1..4: the latent eta + logistic noise cut at (-1, 0.3, 1.5); group effects centred at 0
    cut <- c(-1, 0.3, 1.5)
    d <- simulate(107, function(eta) 1L + sapply(eta + rlogis(N), function(l) sum(l > cut)), centre = 0)
    run("family_cumulative", d, cumulative_code, c("Intercept", "b_x", "sd_g", "r_g"),
        list(sd_g = "sd_g__Intercept", "Intercept[" = "b_Intercept["), list(K = 4L))
  }
)

args <- commandArgs(trailingOnly = TRUE)
for (name in (if (length(args) == 0) names(cases) else intersect(names(cases), args))) cases[[name]]()
