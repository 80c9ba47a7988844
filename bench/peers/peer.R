# One peer run of the side-by-side benchmark: a model of models.csv in JAGS (+ glm module) or Stan (rstan, NUTS),
# 4 chains one after another on one core, <warmup> warm-up iterations then <draws> kept per chain.
# Writes the kept draws of the monitored nodes (chain, then one column per scalar, named as the library names them)
# to <out>.csv and the timings to <out>.meta ("key value" lines):
#   seconds   wall time of warm-up + sampling (JAGS: adapt + coda.samples; Stan: sampling()), all chains
#   cpu_s     processor time of the same
#   setup_s   JAGS: jags.model (parse, compile, initialise); Stan: loading the compiled model (its compile time is
#             <cache>/compile_<program>.csv, recorded once by compile_stan.R)
# Usage: Rscript peer.R <model> <JAGS|Stan> <warmup> <draws> <seed> <out prefix> <stan cache dir>
a <- commandArgs(trailingOnly = TRUE)
model <- a[1]; peer <- a[2]; warmup <- as.integer(a[3]); draws <- as.integer(a[4]); seed <- as.integer(a[5])
suppressMessages(library(posterior))
if (peer == "JAGS") {
  suppressMessages(library(rjags))
  load.module("glm", quiet = TRUE)
} else {
  suppressMessages(library(rstan))
  rstan_options(auto_write = TRUE)
  if (!file.exists(rstan_options("boost_lib"))) rstan_options(boost_lib = "/usr/include")
}
out <- a[6]; cache <- a[7]
here <- dirname(normalizePath(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE))))
root <- normalizePath(file.path(here, "..", ".."))
spec <- read.csv(file.path(here, "models.csv"), stringsAsFactors = FALSE)
spec <- spec[spec$model == model, ]
if (nrow(spec) != 1) stop("unknown model ", model, " (see bench/peers/models.csv)")
monitor <- strsplit(spec$monitor, " ")[[1]]

docs <- function(f) read.csv(file.path(root, "docs", "data", f), stringsAsFactors = FALSE)
bugs_dir <- file.path(root, "tests", "HierFunctional.Conformance", "references", "bugs")
read_r <- function(f) { e <- new.env(); sys.source(f, e); as.list(e) }
# Group indices in first-appearance order, as the library numbers the levels of a label column.
idx <- function(x) as.integer(factor(x, levels = unique(x)))

# Data (one list for both peers) and JAGS starting values per chain (Stan starts from its default: uniform(-2, 2)
# on the unconstrained scale). JAGS inits: the BUGS inits file for the BUGS examples; otherwise values that put
# every scale and hyperparameter in the bulk of the posterior, as ../shared/peers did.
setup <- function(model) {
  switch(model,
    eight_schools_centred = , eight_schools_noncentred = {
      d <- docs("eight_schools.csv")
      list(data = list(J = nrow(d), y = d$y, sigma = d$sigma), inits = list(mu = 0, tau = 1))
    },
    pumps = {
      d <- docs("pumps.csv")
      list(data = list(N = nrow(d), x = d$x, t = d$t), inits = list(alpha = 1, beta = 1))
    },
    rats = {
      d <- docs("rats.csv")
      list(data = list(N = nrow(d), n = d$n, r = d$y), inits = list(m = 0.1, s = 0.1))
    },
    surgical = {
      d <- docs("surgical.csv")
      list(data = list(N = nrow(d), n = d$n, r = d$r), inits = list(m = 0.1, s = 0.1))
    },
    sleepstudy = {
      d <- docs("sleepstudy.csv")
      list(data = list(N = nrow(d), J = max(idx(d$Subject)), g = idx(d$Subject), days = d$Days, y = d$Reaction),
           inits = list(mu = c(250, 10), s = c(20, 5), rho = 0, sigma = 25))
    },
    logistic_cbpp = {
      d <- docs("cbpp.csv")
      list(data = list(N = nrow(d), J = max(idx(d$herd)), herd = idx(d$herd), size = d$size, trials = d$size, incidence = d$incidence),
           inits = list(mu = 0, tau = 1))
    },
    radon = {
      d <- docs("radon.csv")
      list(data = list(N = nrow(d), J = max(idx(d$county)), county = idx(d$county), x = d$floor, y = d$log_radon),
           inits = list(mu = 0, tau = 1, sigma = 1, beta = 0))
    },
    {
      case <- sub("^conformance:", "", spec$ours)
      files <- list.files(file.path(bugs_dir, case))
      list(data = read_r(file.path(bugs_dir, case, grep("-data\\.R$", files, value = TRUE))),
           inits = read_r(file.path(bugs_dir, case, grep("-init", files, value = TRUE))),
           bug = file.path(bugs_dir, case, grep("\\.bug$", files, value = TRUE)))
    })
}
s <- setup(model)

# Peer variable names -> the library's: JAGS's dots become underscores (alpha.Base -> alpha_Base); the few
# structural differences are mapped explicitly.
rename <- function(v) {
  v <- gsub(".", "_", v, fixed = TRUE)
  if (model == "sleepstudy") v[v == "rho"] <- "L[2,1]"
  if (model == "salm") {       # lambda[dose, plate] -> lambda[cell], cell = dose + doses * (plate - 1)
    m <- regmatches(v, regexec("^lambda\\[(\\d+),(\\d+)\\]$", v))
    for (i in which(lengths(m) == 3))
      v[i] <- sprintf("lambda[%d]", as.integer(m[[i]][2]) + s$data$doses * (as.integer(m[[i]][3]) - 1))
  }
  v
}
keep <- function(v) grepl(paste0("^(", paste(monitor, collapse = "|"), ")(\\[|$)"), rename(v))
peer_monitor <- function(v) unique(sub("\\[.*", "", v[keep(v)]))

write_draws <- function(arr) {             # arr: iterations x chains x variables
  dr <- as_draws_array(arr)
  v <- variables(dr); v <- v[keep(v)]
  dr <- subset_draws(dr, variable = v)
  df <- as.data.frame(as_draws_df(dr))
  out_df <- data.frame(chain = df$.chain, df[, v, drop = FALSE], check.names = FALSE)
  names(out_df) <- c("chain", rename(v))
  write.csv(out_df, paste0(out, ".csv"), row.names = FALSE, quote = FALSE)
}
meta <- function(...) {
  x <- list(...)
  writeLines(paste(names(x), sapply(x, as.character)), paste0(out, ".meta"))
}

if (peer == "JAGS") {
  file <- if (!is.null(s$bug)) s$bug else file.path(here, "models", paste0(spec$jags, ".jags"))
  txt <- paste(readLines(file), collapse = "\n")
  # BUGS inits files sometimes name nodes a model does not have (epil's tau.b, oxford's tau): JAGS refuses those.
  stochastic <- function(n) grepl(paste0("(^|[^A-Za-z0-9._])", gsub(".", "\\.", n, fixed = TRUE), "\\s*(\\[[^]]*\\])?\\s*~"), txt)
  init <- s$inits[vapply(names(s$inits), stochastic, logical(1))]
  inits <- lapply(1:4, function(k) c(init, list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = seed * 10 + k)))
  data <- s$data[vapply(names(s$data), function(n) grepl(paste0("\\b", n, "\\b"), txt, perl = TRUE), logical(1))]
  tc <- system.time(jm <- jags.model(file, data = data, inits = inits, n.chains = 4, n.adapt = 0, quiet = TRUE))
  samplers <- paste(sort(unique(names(list.samplers(jm)))), collapse = "+")
  st <- system.time({
    adapt(jm, n.iter = warmup, end.adaptation = TRUE)
    cs <- coda.samples(jm, peer_monitor(variable.names(jm)), n.iter = draws, progress.bar = "none")
  })
  write_draws(as.array(as_draws_array(cs)))
  meta(seconds = st[["elapsed"]], cpu_s = st[["user.self"]] + st[["sys.self"]], setup_s = tc[["elapsed"]],
       samplers = gsub(" ", "_", samplers), program = basename(file))
} else if (peer == "Stan") {
  prog <- file.path(cache, paste0(spec$stan, ".stan"))
  if (!file.exists(file.path(cache, paste0(spec$stan, ".rds"))))
    stop("Stan program ", spec$stan, " is not compiled: run compile_stan.R first (run.sh does)")
  tc <- system.time(sm <- stan_model(file = prog, model_name = spec$stan))
  # Stan's default start, uniform(-2, 2) on the unconstrained scale, except where that start is absurd: salm's
  # gamma multiplies x - mean(x) (up to 750), so a random gamma puts the Poisson log-mean at +-1500 and the chains
  # never recover (R-hat 3-4). There Stan starts from the BUGS inits, as JAGS does.
  init <- if (model == "salm") lapply(1:4, function(k) list(alpha_star = 0, beta = 0, gamma = 0, tau = 0.1)) else "random"
  st <- system.time(fit <- sampling(sm, data = s$data, chains = 4, iter = warmup + draws, warmup = warmup,
                                    seed = seed, cores = 1, refresh = 0, init = init))
  write_draws(as.array(fit))
  sp <- get_sampler_params(fit, inc_warmup = FALSE)
  cf <- file.path(cache, paste0("compile_", spec$stan, ".csv"))
  meta(seconds = st[["elapsed"]], cpu_s = st[["user.self"]] + st[["sys.self"]], setup_s = tc[["elapsed"]],
       compile_s = if (file.exists(cf)) read.csv(cf)$compile_s else NA,
       divergences = sum(sapply(sp, function(x) sum(x[, "divergent__"]))),
       treedepth_hits = sum(sapply(sp, function(x) sum(x[, "treedepth__"] >= 10))),
       mean_leapfrog = round(mean(sapply(sp, function(x) mean(x[, "n_leapfrog__"]))), 1),
       program = basename(prog))
} else stop("peer must be JAGS or Stan")
