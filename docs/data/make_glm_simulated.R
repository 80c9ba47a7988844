# Simulated logistic random-intercept data for the Pólya-Gamma tests (clinics.csv).
# Run from the repository root: Rscript docs/data/make_glm_simulated.R
set.seed(20261124)
J <- 15
theta <- rnorm(J, -1, 0.7)          # clinic log-odds for x = 0
beta <- 0.8                         # log odds ratio of the older age band
d <- do.call(rbind, lapply(seq_len(J), function(j) {
  rows <- if (j %% 5 == 0) 1 else 2 # every fifth clinic reports one age band only
  x <- seq_len(rows) - 1
  n <- sample(5:20, rows, replace = TRUE)
  y <- rbinom(rows, n, plogis(theta[j] + beta * x))
  data.frame(clinic = sprintf("C%02d", j), x = x, n = n, y = y)
}))
write.csv(d, file.path("docs", "data", "clinics.csv"), row.names = FALSE)
