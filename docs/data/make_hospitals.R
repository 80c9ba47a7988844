# Simulates docs/data/hospitals.csv: 30-day readmissions at 20 hospitals of very different sizes.
# Run from the repository root:  Rscript docs/data/make_hospitals.R
# discharges_j: log-uniform between 25 and 4000 (a rural clinic to a teaching hospital);
# theta_j ~ Beta(a, b) with mean 0.15 and a + b = 60 (between-hospital sd about 0.046);
# readmissions_j ~ Binomial(discharges_j, theta_j).
set.seed(20261124)
J <- 20
discharges <- round(exp(runif(J, log(25), log(4000))))
theta <- rbeta(J, 0.15 * 60, 0.85 * 60)
readmissions <- rbinom(J, discharges, theta)
hospital <- sprintf("H%02d", seq_len(J))
write.csv(data.frame(hospital = hospital, discharges = discharges, readmissions = readmissions),
          file.path("docs", "data", "hospitals.csv"), row.names = FALSE)
