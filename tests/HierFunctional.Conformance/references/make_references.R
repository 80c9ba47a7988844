# Reference posteriors of the conformance suite's BUGS cases, from long JAGS runs of the BUGS files themselves.
# Run from the repository root:
#   Rscript tests/HierFunctional.Conformance/references/make_references.R [--data-only] [case ...]
# With no case names every case is run. For each case it
#   1. sources references/bugs/<case>/<case>-data.R (the BUGS data file) and writes data/<case>.csv, the same
#      numbers in long form (one row per observation) for the F# case;
#   2. runs the BUGS model file in JAGS 4 (load.module("glm")) from the BUGS inits file, 4 chains, 1,000
#      adaptation + 5,000 burn-in iterations, then 50,000 kept per chain (epil: 10,000; lsat, 5,000 nodes: 2,500), doubled, up
#      to 200,000, while any reference node has R-hat >= 1.01;
#   3. summarises the monitored nodes with `posterior` (mean, sd, MCSE of the mean, R-hat, bulk-ESS) and writes
#      references/<case>.csv with the sampling wall time, so ESS/s can be compared with ours.
# Node names in the CSV are ours (the F# model's); source_name is JAGS's.
suppressPackageStartupMessages({ library(rjags); library(coda); library(posterior) })
load.module("glm")

root <- file.path("tests", "HierFunctional.Conformance")
bugs_dir <- file.path(root, "references", "bugs")
n_chains <- 4; n_adapt <- 1000; n_burnin <- 5000; n_iter <- 50000; max_iter <- 200000

read_r <- function(file) { e <- new.env(); sys.source(file, e); as.list(e) }
idx <- function(name, n) paste0(name, "[", seq_len(n), "]")
# Our node name -> JAGS name, for vectors indexed alike.
same <- function(ours, jags = ours) setNames(jags, ours)
vec <- function(ours, jags, ks) setNames(paste0(jags, "[", ks, "]"), paste0(ours, "[", ks, "]"))

cases <- list(
  pump = list(bug = "pump.bug", data = "pump-data.R", inits = "pump-init.R",
    monitor = c(same("alpha"), same("beta"), vec("theta", "theta", 1:10)),
    long = function(d) data.frame(pump = seq_len(d$N), x = d$x, t = d$t)),

  rats = list(bug = "rats.bug", data = "rats-data.R", inits = "rats-init.R",
    monitor = c(alpha_c = "alpha.c", beta_c = "beta.c", same("alpha0"), same("sigma"),
                tau_alpha = "tau.alpha", tau_beta = "tau.beta", vec("alpha", "alpha", c(1, 15, 30)),
                vec("beta", "beta", c(1, 15, 30))),
    long = function(d) {
      g <- expand.grid(rat = seq_len(d$N), week = seq_len(d$T))
      data.frame(rat = g$rat, x = d$x[g$week], Y = d$Y[cbind(g$rat, g$week)])
    }),

  seeds = list(bug = "seeds.bug", data = "seeds-data.R", inits = "seeds-init.R",
    monitor = c(same("alpha0"), same("alpha1"), same("alpha2"), same("alpha12"), same("sigma")),
    long = function(d) data.frame(plate = seq_len(d$N), r = d$r, n = d$n, x1 = d$x1, x2 = d$x2)),

  surgical = list(bug = "surgical.bug", data = "surgical-data.R", inits = "surgical-init.R",
    monitor = c(same("mu"), same("sigma"), pop_mean = "pop.mean", vec("p", "p", c(1, 2, 4, 8, 12))),
    long = function(d) data.frame(hospital = seq_len(d$N), n = d$n, r = d$r)),

  salm = list(bug = "salm.bug", data = "salm-data.R", inits = "salm-init.R",
    monitor = c(same("alpha"), same("beta"), same("gamma"), same("sigma")),
    long = function(d) {
      g <- expand.grid(dose = seq_len(d$doses), plate = seq_len(d$plates))
      data.frame(cell = seq_len(nrow(g)), dose = g$dose, x = d$x[g$dose], y = d$y[cbind(g$dose, g$plate)])
    }),

  equiv = list(bug = "equiv.bug", data = "equiv-data.R", inits = "equiv-init.R",
    monitor = c(same("mu"), same("phi"), same("pi"), same("theta"), sigma_1 = "sigma[1]", sigma_2 = "sigma[2]"),
    long = function(d) {
      g <- expand.grid(subject = seq_len(d$N), period = 1:2)
      treat <- d$group[g$subject] * (g$period - 1.5) + 1.5
      data.frame(subject = g$subject, period = g$period, Treat = treat, Y = d$Y[cbind(g$subject, g$period)])
    }),

  dyes = list(bug = "dyes.bug", data = "dyes-data.R", inits = "dyes-init.R",
    monitor = c(same("theta"), sigma2_within = "sigma2.within", sigma2_between = "sigma2.between",
                f_between = "f.between"),
    long = function(d) {
      g <- expand.grid(batch = seq_len(d$BATCHES), sample = seq_len(d$SAMPLES))
      data.frame(batch = g$batch, y = d$y[cbind(g$batch, g$sample)])
    }),

  epil = list(bug = "epil2.bug", data = "epil-data.R", inits = "epil-inits.R", n_iter = 10000,
    monitor = c(same("alpha0"), alpha_Base = "alpha.Base", alpha_Trt = "alpha.Trt", alpha_BT = "alpha.BT",
                alpha_Age = "alpha.Age", alpha_V4 = "alpha.V4", sigma_b1 = "sigma.b1"),
    long = function(d) {
      g <- expand.grid(patient = seq_len(d$N), visit = seq_len(d$T))
      data.frame(patient = g$patient, visit = g$visit, y = d$y[cbind(g$patient, g$visit)],
                 Base = d$Base[g$patient], Age = d$Age[g$patient], Trt = d$Trt[g$patient], V4 = d$V4[g$visit])
    }),

  blocker = list(bug = "blocker.bug", data = "blocker-data.R", inits = "blocker-init.R",
    monitor = c(same("d"), delta_new = "delta.new", same("sigma"), vec("delta", "delta", c(1, 10, 22))),
    long = function(d) data.frame(study = rep(seq_len(d$Num), 2), treated = rep(c(0, 1), each = d$Num),
                                  r = c(d$rc, d$rt), n = c(d$nc, d$nt))),

  oxford = list(bug = "oxford.bug", data = "oxford-data.R", inits = "oxford-init.R",
    monitor = c(same("alpha"), same("beta1"), same("beta2"), same("sigma")),
    long = function(d) data.frame(stratum = rep(seq_len(d$K), 2), case = rep(c(0, 1), each = d$K),
                                  r = c(d$r0, d$r1), n = c(d$n0, d$n1), year = rep(d$year, 2))),

  lsat = list(bug = "lsat.bug", data = "lsat-data.R", inits = "lsat-init.R", n_iter = 2500,
    monitor = c(vec("alpha", "alpha", 1:5), same("beta")),
    long = function(d) {
      pattern <- rep(seq_len(d$R), d$m)
      g <- expand.grid(student = seq_len(d$N), item = seq_len(d$T))
      data.frame(student = g$student, item = g$item, r = d$response[cbind(pattern[g$student], g$item)])
    }),

  line = list(bug = "line.bug", data = "line-data.R", inits = "line-inits.R",
    monitor = c(same("alpha"), same("beta"), same("sigma"), same("tau")),
    long = function(d) data.frame(x = d$x, Y = d$Y)),

  magnesium = list(bug = "magnesium.bug", data = "magnesium-data.R", inits = "magnesium-init.R",
    monitor = c(setNames(paste0("OR[", 1:6, "]"), paste0("OR_", 1:6)),
                setNames(paste0("tau[", 1:6, "]"), paste0("tau_", 1:6))),
    long = function(d) {
      out <- data.frame(study = seq_along(d$rt), nt = d$nt, nc = d$nc)
      for (j in 1:6) { out[[paste0("rt_", j)]] <- d$rt; out[[paste0("rc_", j)]] <- d$rc }
      out
    }),

  litters = list(bug = "litters.bug", data = "litters-data.R", inits = "litters-init.R",
    monitor = c(vec("mu", "mu", 1:2), vec("theta", "theta", 1:2)),
    long = function(d) {
      g <- expand.grid(grp = seq_len(d$G), litter = seq_len(d$N))
      nbar <- rowMeans(d$n)
      data.frame(cell = seq_len(nrow(g)), grp = g$grp, n = d$n[cbind(g$grp, g$litter)],
                 r = d$r[cbind(g$grp, g$litter)], nbar = nbar[g$grp])
    })
)

write_data <- function(name, spec) {
  d <- read_r(file.path(bugs_dir, name, spec$data))
  out <- file.path(root, "data", paste0(name, ".csv"))
  write.csv(spec$long(d), out, row.names = FALSE, quote = FALSE)
  cat("wrote", out, "\n")
  d
}

reference <- function(name, spec, d) {
  bug <- file.path(bugs_dir, name, spec$bug)
  init1 <- read_r(file.path(bugs_dir, name, spec$inits))
  if (is.null(names(init1))) init1 <- list()
  inits <- lapply(seq_len(n_chains), function(k)
    c(init1, list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = 20261206 + k)))
  m <- jags.model(bug, data = d, inits = inits, n.chains = n_chains, n.adapt = n_adapt, quiet = TRUE)
  update(m, n_burnin, progress.bar = "none")
  iter <- if (is.null(spec$n_iter)) n_iter else spec$n_iter
  repeat {
    t0 <- proc.time()[["elapsed"]]
    s <- coda.samples(m, unique(sub("\\[.*", "", spec$monitor)), n.iter = iter, progress.bar = "none")
    seconds <- proc.time()[["elapsed"]] - t0
    x <- subset_draws(as_draws_array(s), variable = unname(spec$monitor))
    summ <- summarise_draws(x, mean, sd, mcse_mean, rhat, ess_bulk)
    summ <- data.frame(variable = summ$variable, lapply(summ[-1], as.numeric))
    if (all(summ$rhat < 1.01) || iter >= max_iter) break
    iter <- min(2 * iter, max_iter)
    cat(name, ": R-hat", max(summ$rhat), "- running again with", iter, "per chain\n")
  }
  ours <- names(spec$monitor)[match(summ$variable, spec$monitor)]
  out <- data.frame(node = ours, source_name = summ$variable,
                    mean = signif(summ$mean, 10), sd = signif(summ$sd, 10), mcse_mean = signif(summ$mcse_mean, 6),
                    rhat = signif(summ$rhat, 6), ess_bulk = round(summ$ess_bulk), seconds = round(seconds, 2),
                    method = sprintf("JAGS %s glm; %d chains x %d after %d adapt + %d burn-in; BUGS inits",
                                     jags.version(), n_chains, iter, n_adapt, n_burnin))
  path <- file.path(root, "references", paste0(name, ".csv"))
  write.csv(out, path, row.names = FALSE, quote = FALSE)
  cat(sprintf("%s: %d nodes, %.1f s, max R-hat %.4f, min bulk-ESS %.0f\n", name, nrow(out), seconds,
              max(out$rhat), min(out$ess_bulk)))
}

args <- commandArgs(trailingOnly = TRUE)
data_only <- "--data-only" %in% args
wanted <- setdiff(args, "--data-only")
if (length(wanted) == 0) wanted <- names(cases)
for (name in wanted) {
  d <- write_data(name, cases[[name]])
  if (!data_only) reference(name, cases[[name]], d)
}
