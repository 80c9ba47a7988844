# Part B, BUGS vol2 classics: long JAGS runs of the models as the cases write them (the BUGS files' models, data
# and priors), and the long-format CSVs the F# cases read. Data: references/partB/bugs-vol2/*.R, copied from
# nimble-dev/nimble packages/nimble/inst/classic-bugs/vol2 (commit f9df240a477a6f0a59dc6b5602f6af5e556d34c1),
# which keeps the JAGS classic-bugs test suite (copied to references/partB/bugs-vol2); its bench-test*.R summaries are printed beside ours.
#   Rscript tests/HierFunctional.Conformance/references/scripts/vol2.R [case ...]
source(file.path("tests", "HierFunctional.Conformance", "references", "scripts", "common_partB.R"))
src <- file.path(input_dir, "bugs-vol2")
read_bugs <- function(file) { e <- new.env(); sys.source(file.path(src, file), envir = e); as.list(e) }

cases <- list(
  # birats2.bug: bivariate Normal (intercept, slope) per rat with a Wishart prior on the precision matrix.
  birats = function() {
    d <- read_bugs("birats-data.R")
    write_data("birats", data.frame(rat = sprintf("r%02d", rep(1:d$N, d$T)), x = rep(d$x, each = d$N),
                                    xc = rep(d$x - mean(d$x), each = d$N), Y = as.vector(d$Y)))
    run_jags("birats", "model {
      for (i in 1:N) {
        for (j in 1:T) {
          Y[i,j] ~ dnorm(mu[i,j], tau.c)
          mu[i,j] <- beta[i,1] + beta[i,2] * (x[j] - mean(x[]))
        }
        beta[i,1:2] ~ dmnorm(mu.beta[], Omega.beta[,])
      }
      tau.c ~ dgamma(1.0E-3, 1.0E-3)
      sigma <- 1 / sqrt(tau.c)
      alpha0 <- mu.beta[1] - mu.beta[2] * mean(x[])
      Omega.beta[1:2,1:2] ~ dwish(R[,], 2)
      Sigma2.beta[1:2,1:2] <- inverse(Omega.beta[,])
      sigma.beta[1] <- sqrt(Sigma2.beta[1,1])
      sigma.beta[2] <- sqrt(Sigma2.beta[2,2])
      r <- Sigma2.beta[1,2] / (sqrt(Sigma2.beta[1,1]) * sqrt(Sigma2.beta[2,2]))
      mu.beta[1] ~ dnorm(0, 1.0E-5)
      mu.beta[2] ~ dnorm(0, 1.0E-5)
    }", d[c("N", "T", "x", "Y", "R")],
    c("mu.beta", "sigma.beta", "r", "alpha0", "tau.c", "sigma", "Omega.beta", "beta"),
    inits = list(mu.beta = c(0, 0), Omega.beta = diag(2), tau.c = 1, beta = cbind(rep(100, 30), rep(6, 30))))
  },
  # otree.bug: logistic growth of 5 orange trees, three independent Normal random effects per tree.
  orange = function() {
    d <- read_bugs("orange-data.R")
    write_data(c("orange", "mvotree"), data.frame(tree = sprintf("t%d", rep(1:d$K, d$n)), x = rep(d$x, each = d$K),
                                    Y = as.vector(d$Y)))
    run_jags("orange", "model {
      for (i in 1:K) {
        for (j in 1:n) {
          Y[i, j] ~ dnorm(eta[i, j], tauC)
          eta[i, j] <- phi[i, 1] / (1 + phi[i, 2] * exp(phi[i, 3] * x[j]))
        }
        phi[i, 1] <- exp(theta[i, 1])
        phi[i, 2] <- exp(theta[i, 2]) - 1
        phi[i, 3] <- -exp(theta[i, 3])
        for (k in 1:3) { theta[i, k] ~ dnorm(mu[k], tau[k]) }
      }
      tauC ~ dgamma(1.0E-3, 1.0E-3)
      sigmaC <- 1 / sqrt(tauC)
      for (k in 1:3) {
        mu[k] ~ dnorm(0, 1.0E-4)
        tau[k] ~ dgamma(1.0E-3, 1.0E-3)
        sigma[k] <- 1 / sqrt(tau[k])
      }
    }", d[c("n", "K", "x", "Y")], c("mu", "sigma", "sigmaC", "tau", "tauC", "theta"),
    n_iter = 100000, thin = 2, burn = 10000,
    inits = list(theta = matrix(c(5, 2, -6), 5, 3, byrow = TRUE), mu = c(5, 2, -6), tau = c(20, 20, 20), tauC = 20))
  },
  # mvotree.bug: the same growth curves with a trivariate Normal random effect and a Wishart prior.
  mvotree = function() {
    d <- read_bugs("mvotree-data.R")
    run_jags("mvotree", "model {
      for (i in 1:K) {
        for (j in 1:n) {
          Y[i, j] ~ dnorm(eta[i, j], tauC)
          eta[i, j] <- phi[i, 1] / (1 + phi[i, 2] * exp(phi[i, 3] * x[j]))
        }
        phi[i, 1] <- exp(theta[i, 1])
        phi[i, 2] <- exp(theta[i, 2]) - 1
        phi[i, 3] <- -exp(theta[i, 3])
        theta[i, 1:3] ~ dmnorm(mu[1:3], tau[1:3, 1:3])
      }
      mu[1:3] ~ dmnorm(mean[1:3], prec[1:3, 1:3])
      tau[1:3, 1:3] ~ dwish(R[1:3, 1:3], 3)
      sigma2[1:3, 1:3] <- inverse(tau[1:3, 1:3])
      for (i in 1:3) { sigma[i] <- sqrt(sigma2[i, i]) }
      tauC ~ dgamma(1.0E-3, 1.0E-3)
      sigmaC <- 1 / sqrt(tauC)
    }", d[c("n", "K", "x", "Y", "mean", "prec", "R")], c("mu", "sigma", "sigmaC", "tauC", "theta"),
    n_iter = 100000, thin = 2, burn = 10000,
    inits = list(theta = matrix(c(5, 2, -6), 5, 3, byrow = TRUE), mu = c(5, 2, -6), tau = diag(0.1, 3), tauC = 20))
  },
  # jaw-linear.bug: 4 repeated measurements per boy, multivariate Normal with a Wishart prior on the precision.
  jaw = function() {
    d <- read_bugs("jaw-data.R")
    write_data("jaw", data.frame(boy = sprintf("b%02d", 1:d$N), Y1 = d$Y[, 1], Y2 = d$Y[, 2], Y3 = d$Y[, 3],
                                 Y4 = d$Y[, 4]))
    run_jags("jaw", "model {
      for (i in 1:N) { Y[i, 1:M] ~ dmnorm(mu[], Omega[,]) }
      for (j in 1:M) { mu[j] <- beta0 + beta1 * (age[j] - mean(age)) }
      beta0.uncentred <- beta0 - beta1 * mean(age)
      beta0 ~ dnorm(0.0, 0.001)
      beta1 ~ dnorm(0.0, 0.001)
      Omega[1:M, 1:M] ~ dwish(R[,], 4)
      Sigma2[1:M, 1:M] <- inverse(Omega[,])
    }", d[c("N", "M", "Y", "age", "R")], c("beta0", "beta1", "beta0.uncentred", "mu", "Sigma2", "Omega"),
    inits = list(beta0 = 40, beta1 = 0))
  },
  # schools.bug (vol2): London schools exam scores, 3 correlated random coefficients per school (Wishart prior),
  # 8 fixed effects and a log-linear residual variance in LRT.
  schools = function() {
    d <- read_bugs("schools-data.R")
    write_data("schools", data.frame(school = sprintf("s%02d", d$school), LRT = d$LRT, LRT2 = d$LRT^2,
                                     VR1 = d$VR[, 1], VR2 = d$VR[, 2], Gender = d$Gender,
                                     SG1 = d$School.gender[, 1], SG2 = d$School.gender[, 2],
                                     SD1 = d$School.denom[, 1], SD2 = d$School.denom[, 2], SD3 = d$School.denom[, 3],
                                     Y = d$Y))
    d$LRT2 <- d$LRT^2
    run_jags("schools", "model {
      for (p in 1:N) {
        Y[p] ~ dnorm(mu[p], tau[p])
        mu[p] <- alpha[school[p], 1] + alpha[school[p], 2] * LRT[p] + alpha[school[p], 3] * VR[p, 1]
                 + beta[1] * LRT2[p] + beta[2] * VR[p, 2] + beta[3] * Gender[p]
                 + beta[4] * School.gender[p, 1] + beta[5] * School.gender[p, 2]
                 + beta[6] * School.denom[p, 1] + beta[7] * School.denom[p, 2] + beta[8] * School.denom[p, 3]
        log(tau[p]) <- theta + phi * LRT[p]
      }
      for (k in 1:8) { beta[k] ~ dnorm(0.0, 0.0001) }
      theta ~ dnorm(0.0, 0.0001)
      phi ~ dnorm(0.0, 0.0001)
      for (j in 1:M) { alpha[j, 1:3] ~ dmnorm(gamma[], T[,]) }
      gamma[1:3] ~ dmnorm(mn[], prec[,])
      T[1:3, 1:3] ~ dwish(R[,], 3)
      Sigma[1:3, 1:3] <- inverse(T[,])
    }", d[c("N", "M", "Y", "school", "LRT", "LRT2", "VR", "Gender", "School.gender", "School.denom", "mn", "prec", "R")],
    c("beta", "gamma", "phi", "theta", "Sigma"), n_iter = 20000, thin = 1, burn = 2000,
    inits = list(theta = 0, phi = 0.01, gamma = c(0, 0, 0), beta = rep(0, 8),
                 T = matrix(c(10, -3, -3, -3, 135, -65, -3, -65, 135), 3, 3), alpha = matrix(0, 38, 3)))
  }
)
for (case in selected(names(cases))) cases[[case]]()
