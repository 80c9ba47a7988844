# Joint independence MH on (mu, log tau, a): (mu, log tau) from a K x K grid of the marginal (a integrated by
# quadrature), each herd from a split-t (nu) about its Laplace mode (Newton steps), exact MH weight.
# Rscript joint-independence.R <nu> <newton steps> <K> <split offset in Laplace sds; 0: a symmetric Laplace-t>
suppressMessages(library(posterior))
d <- read.csv("/work/wt/cbppfast/docs/data/cbpp.csv")
Y <- as.numeric(tapply(d$incidence, d$herd, sum)); N <- as.numeric(tapply(d$size, d$herd, sum)); J <- length(Y)
ll <- function(a, y, n) y*a - n*log1p(exp(a))
set.seed(1)
nu <- as.numeric(commandArgs(TRUE)[1]); newton <- as.integer(commandArgs(TRUE)[2]); K <- as.integer(commandArgs(TRUE)[3]); KK <- as.numeric(commandArgs(TRUE)[4])
# approximate log marginal on a (mu, log tau) grid
ag <- seq(-10, 4, length.out=500); da <- ag[2]-ag[1]
L <- sapply(1:J, function(j) ll(ag, Y[j], N[j]))  # 500 x J
logm <- function(mu, lt) { t <- exp(lt); dn <- dnorm(ag, mu, t, log=TRUE)
  s <- 0; for (j in 1:J) { v <- L[,j] + dn; mx <- max(v); s <- s + mx + log(sum(exp(v - mx))*da) }
  s + dnorm(mu, 0, 2.5, log=TRUE) + log(2) + dnorm(t, 0, 1, log=TRUE) + lt }
mg <- seq(-3.6, -0.4, length.out=K); lg <- seq(-3.5, 1.2, length.out=K)
M <- outer(mg, lg, Vectorize(logm))
dm <- mg[2]-mg[1]; dl <- lg[2]-lg[1]
W <- exp(M - max(M)); P <- W/sum(W); logQcell <- log(P) - log(dm*dl)
cat("grid edge mass", sum(P[1,])+sum(P[K,])+sum(P[,1])+sum(P[,K]), "\n")
drawG <- function() { i <- sample.int(K*K, 1, prob=P); r <- (i-1) %% K + 1; c <- (i-1) %/% K + 1
  c(mg[r] + (runif(1)-0.5)*dm, lg[c] + (runif(1)-0.5)*dl) }
logG <- function(m, l) { r <- round((m - mg[1])/dm) + 1; c <- round((l - lg[1])/dl) + 1
  if (r < 1 || r > K || c < 1 || c > K) -Inf else logQcell[r, c] }
lap <- function(mu, tau) { x <- rep(mu, J); pr <- 1/tau^2
  for (k in 1:newton) { p <- plogis(x); g <- Y - N*p - (x - mu)*pr; h <- N*p*(1-p) + pr; x <- x + g/h }
  p <- plogis(x); h <- N*p*(1-p) + pr; s0 <- 1/sqrt(h)
  lf <- function(z) ll(z, Y, N) - 0.5*(z - mu)^2*pr
  if (KK == 0) return(list(m=x, s=s0, sl=s0, sr=s0))
  f0 <- lf(x); dl <- KK*s0; sl <- dl/sqrt(2*pmax(f0 - lf(x - dl), 1e-3)); sr <- dl/sqrt(2*pmax(f0 - lf(x + dl), 1e-3))
  list(m=x, s=s0, sl=sl, sr=sr) }
logq <- function(a, q) { sc <- ifelse(a < q$m, q$sl, q$sr); sum(dt((a - q$m)/sc, nu, log=TRUE) + log(2) - log(q$sl + q$sr)) }
drawq <- function(q) { z <- abs(rt(J, nu)); left <- runif(J) < q$sl/(q$sl + q$sr); ifelse(left, q$m - q$sl*z, q$m + q$sr*z) }
logpi <- function(mu, lt, a) { t <- exp(lt); sum(ll(a, Y, N)) + sum(dnorm(a, mu, t, log=TRUE)) + dnorm(mu,0,2.5,log=TRUE) + dnorm(t,0,1,log=TRUE) + lt }
iters <- 20000; out <- matrix(NA, iters, 2 + J); acc <- 0
cur <- c(-2, log(0.9)); q <- lap(cur[1], exp(cur[2])); a <- q$m; wcur <- logpi(cur[1], cur[2], a) - logG(cur[1], cur[2]) - logq(a, q)
for (it in 1:iters) {
  pr <- drawG(); q <- lap(pr[1], exp(pr[2])); a1 <- drawq(q)
  w1 <- logpi(pr[1], pr[2], a1) - logG(pr[1], pr[2]) - logq(a1, q)
  if (log(runif(1)) < w1 - wcur) { cur <- pr; a <- a1; wcur <- w1; acc <- acc + 1 }
  out[it,] <- c(cur[1], exp(cur[2]), a)
}
e <- apply(out, 2, ess_bulk)/iters
cat("nu", nu, "newton", newton, "K", K, "acc", acc/iters, "ESS/draw mu", e[1], "tau", e[2], "min a", min(e[-(1:2)]), "means", colMeans(out[,1:2]), "sds", apply(out[,1:2],2,sd), "\n")
