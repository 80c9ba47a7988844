# Mixing of Gibbs-type schemes for cbpp (mu, tau, a), every conditional drawn exactly on a fine grid (no MH error).
# Rscript gibbs-schemes.R S0|S1 <seed>: S0 = the plan (mu|a,tau; tau|a; a|mu,tau; tau|eta,mu), S1 adds mu|eta,tau.
suppressMessages(library(posterior))
d <- read.csv("/work/wt/cbppfast/docs/data/cbpp.csv")
Y <- tapply(d$incidence, d$herd, sum); N <- tapply(d$size, d$herd, sum); J <- length(Y)
ll <- function(a, y, n) y*a - n*log1p(exp(a))
set.seed(as.integer(commandArgs(TRUE)[2]))
G <- 400
griddraw <- function(lp, x) { w <- exp(lp - max(lp)); c <- cumsum(w); i <- findInterval(runif(1)*c[length(c)], c) + 1; x[min(i,length(x))] + (runif(1)-0.5)*(x[2]-x[1]) }
drawA <- function(mu, tau) {
  sapply(1:J, function(j) { x <- seq(mu - 7*tau - 1, max(mu + 7*tau, 0) + 1, length.out=G)
    x <- seq(-9, 3, length.out=G); griddraw(ll(x, Y[j], N[j]) + dnorm(x, mu, tau, log=TRUE), x) }) }
tgrid <- seq(0.0025, 3.5, length.out=1400)
drawTauC <- function(a, mu) griddraw(sapply(tgrid, function(t) sum(dnorm(a, mu, t, log=TRUE))) + dnorm(tgrid, 0, 1, log=TRUE), tgrid)
drawTauN <- function(eta, mu) griddraw(sapply(tgrid, function(t) sum(ll(mu + t*eta, Y, N))) + dnorm(tgrid,0,1,log=TRUE), tgrid)
mgrid <- seq(-5, 1, length.out=1200)
drawMuN <- function(eta, tau) griddraw(sapply(mgrid, function(m) sum(ll(m + tau*eta, Y, N))) + dnorm(mgrid,0,2.5,log=TRUE), mgrid)
drawMuC <- function(a, tau) { p <- J/tau^2 + 1/6.25; rnorm(1, sum(a)/tau^2/p, 1/sqrt(p)) }
scheme <- commandArgs(TRUE)[1]; iters <- 12000
mu <- -2; tau <- 0.9; a <- rep(-2, J); out <- matrix(NA, iters, 2)
for (it in 1:iters) {
  mu <- drawMuC(a, tau); tau <- drawTauC(a, mu); a <- drawA(mu, tau)
  eta <- (a - mu)/tau
  if (scheme == "S1") { mu <- drawMuN(eta, tau) }
  tau <- drawTauN(eta, mu)
  a <- mu + tau*eta
  out[it,] <- c(mu, tau)
}
out <- out[-(1:1000),]
cat(scheme, "ESS/draw mu", ess_bulk(out[,1])/nrow(out), "tau", ess_bulk(out[,2])/nrow(out), "means", colMeans(out), "\n")
