# JAGS + glm on Epil for the side-by-side benchmark: compile (untimed), then adaptation = warm-up and sampling,
# timed together (wall and processor time). Usage: Rscript jags_epil.R <warmup> <draws> <seed> <out.csv>; prints "seconds <s>".
library(rjags)
load.module("glm")
a <- commandArgs(trailingOnly = TRUE)
warmup <- as.integer(a[1]); draws <- as.integer(a[2]); seed <- as.integer(a[3]); out <- a[4]
fx <- "../../tests/HierFunctional.Tests/fixtures/epil"
e <- new.env(); sys.source(file.path(fx, "epil-data.R"), e)
data <- list(N = e$N, T = e$T, y = e$y, Trt = e$Trt, Base = e$Base, Age = e$Age, V4 = e$V4)
# BUGS's inits (epil-inits.R) in every chain, as ours.
inits <- lapply(1:4, function(k) list(alpha0 = 1, alpha.Base = 0, alpha.Trt = 0, alpha.BT = 0, alpha.Age = 0,
  alpha.V4 = 0, tau.b1 = 1, tau.b = 1, .RNG.name = "base::Mersenne-Twister", .RNG.seed = seed + k))
m <- jags.model(file.path(fx, "epil.bug"), data = data, inits = inits, n.chains = 4, n.adapt = 0, quiet = TRUE)
nodes <- c("alpha0", "alpha.Base", "alpha.Trt", "alpha.BT", "alpha.Age", "alpha.V4", "sigma.b1", "sigma.b")
st <- system.time({
  adapt(m, warmup, end.adaptation = TRUE)
  x <- coda.samples(m, nodes, n.iter = draws)
})
t <- st[["elapsed"]]
cat("seconds", t, "\n")
cat("cpu", st[["user.self"]] + st[["sys.self"]], "\n")
d <- do.call(rbind, lapply(seq_along(x), function(k) cbind(chain = k, as.matrix(x[[k]]))))
write.csv(d, out, row.names = FALSE, quote = FALSE)
